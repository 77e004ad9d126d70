package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.backprop.backend.Backends;
import dev.backprop.nn.GPT;
import dev.backprop.nn.GptDecoder;
import dev.backprop.tensor.Generator;
import dev.backprop.testing.GptLogits;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The decoder on plain arrays, run on the vector kernels (one-row products, fused attention over the
 * cache, GELU, layer norm), against the tensor forward pass over the same tokens on the same backend.
 */
class CpuGptDecoderTest {

    @Test
    void decodingOnTheVectorKernelsGivesTheFullPassLogits() {
        assertEquals("cpu", Backends.active().name());
        GPT gpt = new GPT(new GPT.Config(37, 2, 4, 64, 16), new Generator(5));
        gpt.eval();
        Generator g = new Generator(6);
        int[] sequence = new int[40];
        for (int i = 0; i < sequence.length; i++) {
            sequence[i] = g.nextInt(0, 37);
        }
        GptDecoder decoder = gpt.decoder();
        assertArrayEquals(GptLogits.last(gpt, Arrays.copyOf(sequence, 5)), decoder.start(Arrays.copyOf(sequence, 5)), 1e-4f);
        int from = 0;
        for (int n = 6; n <= sequence.length; n++) {
            float[] cached = decoder.next(sequence[n - 1]);
            if (decoder.contextLength() < n - from) {
                from = n - decoder.contextLength();   // the cache was rebuilt from the newest half of the context
            }
            assertArrayEquals(GptLogits.last(gpt, Arrays.copyOfRange(sequence, from, n)), cached, 1e-4f, n + " tokens");
        }
    }
}
