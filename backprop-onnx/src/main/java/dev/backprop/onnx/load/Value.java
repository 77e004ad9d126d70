package dev.backprop.onnx.load;

import dev.backprop.tensor.Tensor;

/**
 * A value flowing along an edge of an imported graph: floating-point data as a {@link Tensor} of
 * the autograd (gradients flow through it), or integer and boolean data as {@link Ints} (shapes,
 * indices, masks: evaluated, never differentiated).
 */
sealed interface Value permits Value.Floats, Ints {

    /** The dimensions of this value. */
    int[] dims();

    /** Floating-point data on the autograd graph. */
    record Floats(Tensor tensor) implements Value {
        @Override
        public int[] dims() {
            return tensor.shape().dims();
        }
    }

    static Floats of(Tensor t) {
        return new Floats(t);
    }
}
