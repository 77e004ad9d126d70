package dev.backprop.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageAugmentationTest {

    /** A 1x3x3 image 1..9 in row-major order. */
    private static Tensor image() {
        return Tensor.fromArray(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
    }

    @Test
    void everyShiftIsATranslationWithTheBorderRepeated() {
        // Over many draws, each output is one of the 25 shifts (|dx|, |dy| <= 2) of the input,
        // computed here independently, and all 25 occur.
        float[] in = image().toFloatArray();
        ImageAugmentation shifts = new ImageAugmentation(2, 0.0);
        Generator g = new Generator(3);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            float[] out = shifts.apply(image(), g).toFloatArray();
            boolean matched = false;
            for (int dy = -2; dy <= 2 && !matched; dy++) {
                for (int dx = -2; dx <= 2 && !matched; dx++) {
                    float[] expected = new float[9];
                    for (int r = 0; r < 3; r++) {
                        for (int c = 0; c < 3; c++) {
                            expected[r * 3 + c] = in[Math.clamp(r - dy, 0, 2) * 3 + Math.clamp(c - dx, 0, 2)];
                        }
                    }
                    if (java.util.Arrays.equals(expected, out)) {
                        matched = true;
                        seen.add(dy + "," + dx);
                    }
                }
            }
            assertTrue(matched, "not a shift of the input: " + java.util.Arrays.toString(out));
        }
        assertEquals(25, seen.size(), "all shifts occur: " + seen);
    }

    @Test
    void aShiftRightByOneRepeatsTheLeftColumn() {
        // Find a draw that shifted by (0, +1) and check it exactly.
        Generator g = new Generator(5);
        ImageAugmentation one = new ImageAugmentation(1, 0.0);
        for (int i = 0; i < 200; i++) {
            float[] out = one.apply(image(), g).toFloatArray();
            if (out[0] == 1 && out[1] == 1 && out[3] == 4) {
                assertArrayEquals(new float[] {1, 1, 2, 4, 4, 5, 7, 7, 8}, out);
                return;
            }
        }
        throw new AssertionError("no draw of 200 shifted right by one");
    }

    @Test
    void flippingMirrorsEveryChannelOfTheSameImageTogether() {
        Tensor twoChannels = Tensor.fromArray(new float[] {1, 2, 3, 4, 10, 20, 30, 40}, 1, 2, 2, 2);
        float[] out = new ImageAugmentation(0, 1.0).apply(twoChannels, new Generator(0)).toFloatArray();
        assertArrayEquals(new float[] {2, 1, 4, 3, 20, 10, 40, 30}, out);
        float[] none = new ImageAugmentation(0, 0.0).apply(twoChannels, new Generator(0)).toFloatArray();
        assertArrayEquals(twoChannels.toFloatArray(), none);
    }

    @Test
    void theSameSeedGivesTheSameBatchesAndTheInputIsUntouched() {
        Tensor batch = Tensor.rand(new Generator(1), 8, 1, 6, 6);
        float[] before = batch.toFloatArray();
        ImageAugmentation aug = new ImageAugmentation(2, 0.5);
        float[] a = aug.apply(batch, new Generator(7)).toFloatArray();
        float[] b = aug.apply(batch, new Generator(7)).toFloatArray();
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(a));
        assertArrayEquals(before, batch.toFloatArray());
        assertSame(batch, ImageAugmentation.NONE.apply(batch, new Generator(7)));
    }

    @Test
    void theLoaderAugmentsImagesAndRefusesFlatFeatures() {
        Tensor images = Tensor.rand(new Generator(2), 10, 1, 5, 5);
        Tensor labels = Tensor.fromArray(new float[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 10);
        Dataset d = new Dataset("tiny", images, labels, java.util.List.of("a", "b"));
        DataLoader plain = new DataLoader(d, 10, false, false, new Generator(0));
        DataLoader augmented = new DataLoader(d, 10, false, false, new Generator(0), new ImageAugmentation(2, 0.5));
        float[] p = plain.iterator().next().inputs().toFloatArray();
        float[] a = augmented.iterator().next().inputs().toFloatArray();
        assertArrayEquals(images.toFloatArray(), p);
        assertNotEquals(java.util.Arrays.toString(p), java.util.Arrays.toString(a));
        assertArrayEquals(labels.toFloatArray(), augmented.iterator().next().targets().toFloatArray());

        Dataset flat = d.withFeatures(images.reshape(10, 25));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(flat, 10, true, false, new Generator(0), new ImageAugmentation(1, 0)));
        assertTrue(e.getMessage().contains("[N, C, H, W]") && e.getMessage().contains("[10, 25]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ImageAugmentation(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ImageAugmentation(0, 1.5));
    }
}
