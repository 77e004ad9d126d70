package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/**
 * Inference products through a weight's packed copy ({@link PackedWeights}) give what the plain
 * product gives, and never the values a weight had before it changed.
 */
class PackedWeightsTest {
    private final Generator random = new Generator(7);

    /** y = x W^T + b with the graph recorded: the plain product, never packed. */
    private static float[] recorded(Tensor x, Tensor w, Tensor b) {
        return x.linear(w, b).toFloatArray();
    }

    private static float[] inference(Tensor x, Tensor w, Tensor b) {
        try (var off = GradMode.noGrad()) {
            return x.linear(w, b).toFloatArray();
        }
    }

    @Test
    void aWeightIsPackedOnItsSecondUseAndGivesThePlainProduct() {
        Tensor w = Tensor.randn(random, 5, 7).setRequiresGrad(true);
        Tensor b = Tensor.randn(random, 5);
        Tensor x = Tensor.randn(random, 3, 7);
        float[] expected = recorded(x, w, b);
        assertNull(w.storage.packed, "no inference product yet");
        assertArrayEquals(expected, inference(x, w, b), 1e-6f, "first use: read in place");
        assertNull(w.storage.packed.packed(), "seen once, not packed");
        assertArrayEquals(expected, inference(x, w, b), 1e-6f, "second use: packed");
        assertNotNull(w.storage.packed.packed().get(), "packed on the second use");
        assertArrayEquals(recorded(x, w, null), inference(x, w, null), 1e-5f, "packed, without the bias");
    }

    @Test
    void anyChangeToTheWeightIsSeenByTheNextProduct() {
        Tensor w = Tensor.randn(random, 4, 6).setRequiresGrad(true);
        Tensor x = Tensor.randn(random, 2, 6);
        inference(x, w, null);
        inference(x, w, null);
        assertNotNull(w.storage.packed.packed(), "packed before the change");
        try (var off = GradMode.noGrad()) {
            w.addInPlace(Tensor.ones(4, 6));    // as an optimizer step would
        }
        float[] afterStep = recorded(x, w, null);
        assertArrayEquals(afterStep, inference(x, w, null), 1e-5f, "after an in-place update");
        assertArrayEquals(afterStep, inference(x, w, null), 1e-5f, "packed again after the update");
        try (var off = GradMode.noGrad()) {
            w.copyInPlace(Tensor.randn(random, 4, 6));   // as loading a checkpoint would
        }
        assertArrayEquals(recorded(x, w, null), inference(x, w, null), 1e-5f, "after a load");
        Tensor row = w.select(0, 2);
        try (var off = GradMode.noGrad()) {
            row.fillInPlace(3f);                // a write through a view of the weight
        }
        assertArrayEquals(recorded(x, w, null), inference(x, w, null), 1e-5f, "after a write through a view");
    }

    @Test
    void aTransposedInOutWeightAndSlicesOfOneBufferEachGetTheirOwnProduct() {
        // ONNX keeps a MatMul weight as [in, out] and multiplies by its transposed view.
        Tensor inOut = Tensor.randn(random, 6, 4).setRequiresGrad(true);
        Tensor x = Tensor.randn(random, 3, 6);
        float[] expected = recorded(x, inOut.t(), null);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(expected, inference(x, inOut.t(), null), 1e-5f, "transposed view, use " + i);
        }
        assertEquals(1, inOut.storage.packed.colStride(), "packed as B = the [in, out] matrix itself");
        // Two weights in one buffer, used in turn: each product must use its own rows.
        Tensor both = Tensor.randn(random, 8, 6);
        Tensor top = both.narrow(0, 0, 4);
        Tensor bottom = both.narrow(0, 4, 4);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(recorded(x, top, null), inference(x, top, null), 1e-5f, "top half, use " + i);
            assertArrayEquals(recorded(x, bottom, null), inference(x, bottom, null), 1e-5f, "bottom half, use " + i);
        }
    }

    @Test
    void manyRowsAreMultipliedInPlace() {
        Tensor w = Tensor.randn(random, 3, 5);
        Tensor x = Tensor.randn(random, PackedWeights.MAX_ROWS + 1, 5);
        float[] expected = recorded(x, w, null);
        assertArrayEquals(expected, inference(x, w, null), 1e-5f);
        assertArrayEquals(expected, inference(x, w, null), 1e-5f);
        assertNull(w.storage.packed, "not packed for more than MAX_ROWS rows");
    }
}
