package dev.backprop.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.CharTokenizer;
import dev.backprop.nn.functional.Losses;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

class GptTest {

    @Test
    void aSmallGptLearnsToContinueAPatternAndItsHeadIsTiedToTheEmbedding() {
        String text = "abcdbd".repeat(40);
        CharTokenizer chars = new CharTokenizer(text);
        assertEquals("abcd", chars.vocabulary());
        int[] tokens = chars.encode(text);
        GPT.Config config = new GPT.Config(chars.size(), 1, 2, 16, 8);
        GPT gpt = new GPT(config, new Generator(1));
        // Embeddings (4 + 8 rows of 16), one block, the final LayerNorm; no separate head matrix.
        long block = 2 * 16 + (16 * 48 + 48) + (16 * 16 + 16) + 2 * 16 + (16 * 64 + 64) + (64 * 16 + 16);
        assertEquals(4 * 16 + 8 * 16 + block + 2 * 16, gpt.parameterCount());

        Adam adam = new Adam(gpt.parameters(), Adam.Config.DEFAULT.withLr(1e-2));
        Generator g = new Generator(2);
        float first = 0;
        float last = 0;
        for (int step = 0; step < 400; step++) {
            float[] x = new float[4 * 8];
            float[] y = new float[4 * 8];
            for (int b = 0; b < 4; b++) {
                int start = g.nextInt(0, tokens.length - 9);
                for (int t = 0; t < 8; t++) {
                    x[b * 8 + t] = tokens[start + t];
                    y[b * 8 + t] = tokens[start + t + 1];
                }
            }
            Tensor logits = gpt.forward(Tensor.fromArray(x, 4, 8));
            assertArrayEquals(new int[] {4, 8, 4}, logits.shape().dims());
            Tensor loss = Losses.crossEntropy(logits.reshape(32, 4), Tensor.fromArray(y, 32));
            adam.zeroGrad();
            loss.backward();
            adam.step();
            if (step == 0) {
                first = loss.item();
            }
            last = loss.item();
        }
        // After "b" comes "c" or "d" depending on what came before: the model must use its context.
        assertTrue(first > 1.0 && last < 0.1, "loss " + first + " -> " + last);
        ShapeException e = assertThrows(ShapeException.class, () -> gpt.forward(Tensor.zeros(1, 9)));
        assertTrue(e.getMessage().contains("9 tokens is longer than the model's 8"), e.getMessage());
    }

    @Test
    void theTokenizerRoundTripsAndNamesUnknownCharacters() {
        CharTokenizer chars = new CharTokenizer("hello world\n");
        assertEquals("\n dehlorw", chars.vocabulary());
        assertEquals("lower hell", chars.decode(chars.encode("lower hell")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> chars.encode("hex"));
        assertTrue(e.getMessage().contains("character 'x' (U+0078) at position 2 is not in the vocabulary of 9"), e.getMessage());
        assertEquals(chars.vocabulary(), CharTokenizer.of(chars.vocabulary()).vocabulary());
        assertThrows(IllegalArgumentException.class, () -> CharTokenizer.of("ba"));
    }

    @Test
    void paddingRowsOfAnEmbeddingStayZeroAndGetNoGradient() {
        Embedding e = new Embedding(5, 3, 0, new Generator(1));
        assertArrayEquals(new float[3], e.weight().select(0, 0).toFloatArray());
        Tensor out = e.forward(Tensor.fromArray(new float[] {0, 2, 0, 4}, 2, 2));
        out.sum().backward();
        float[] grad = e.weight().grad().toFloatArray();
        assertArrayEquals(new float[3], java.util.Arrays.copyOfRange(grad, 0, 3), "padding row");
        assertArrayEquals(new float[] {1, 1, 1}, java.util.Arrays.copyOfRange(grad, 6, 9), "row 2 once");
        assertThrows(ShapeException.class, () -> e.forward(Tensor.fromArray(new float[] {5}, 1)));
    }
}
