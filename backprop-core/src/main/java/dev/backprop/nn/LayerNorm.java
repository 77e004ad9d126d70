package dev.backprop.nn;

import dev.backprop.nn.functional.Normalization;
import dev.backprop.tensor.Tensor;

/**
 * Layer normalisation over the last dimension(s), as PyTorch's {@code nn.LayerNorm}: each
 * example is normalised by its own mean and variance, then scaled and shifted by learned
 * weight (starting at 1) and bias (starting at 0) of the normalised shape.
 */
public final class LayerNorm extends Module {
    private final int[] shape;
    private final float eps;
    private final Tensor weight;
    private final Tensor bias;

    /** Normalises over trailing dimensions of the given sizes, eps 1e-5. */
    public LayerNorm(int... normalizedShape) {
        if (normalizedShape.length == 0) {
            throw new IllegalArgumentException("LayerNorm: give the sizes of the dimensions to normalise");
        }
        this.shape = normalizedShape.clone();
        this.eps = 1e-5f;
        this.weight = registerParameter("weight", Tensor.ones(normalizedShape));
        this.bias = registerParameter("bias", Tensor.zeros(normalizedShape));
    }

    @Override
    public Tensor forward(Tensor input) {
        int r = input.rank();
        boolean fits = r >= shape.length;
        for (int i = 0; fits && i < shape.length; i++) {
            fits = input.size(r - shape.length + i) == shape[i];
        }
        if (!fits) {
            throw new dev.backprop.tensor.ShapeException(this + ": input of shape " + input.shape()
                    + " does not end with " + java.util.Arrays.toString(shape));
        }
        return Normalization.layerNorm(input, shape.length, weight, bias, eps);
    }

    @Override
    public String toString() {
        return "LayerNorm" + java.util.Arrays.toString(shape);
    }
}
