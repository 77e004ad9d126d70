package dev.backprop.nn;

import dev.backprop.nn.functional.Affine;
import dev.backprop.nn.init.Init;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * A dense layer {@code y = x W^T + b}. Shapes: input {@code [..., in]}, weight {@code [out, in]},
 * bias {@code [out]}, output {@code [..., out]}, as PyTorch's {@code nn.Linear}, so weights
 * interchange. Initialised as PyTorch does: weight and bias uniform in
 * {@code +-1/sqrt(in)} (Kaiming uniform with a = sqrt 5).
 *
 * <pre>{@code
 * Linear fc = new Linear(784, 256, new Generator(0));
 * Tensor h = fc.forward(images.reshape(-1, 784));
 * }</pre>
 */
public final class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Tensor weight;
    private final Tensor bias;

    /** A layer with bias. */
    public Linear(int inFeatures, int outFeatures, Generator generator) {
        this(inFeatures, outFeatures, true, generator);
    }

    public Linear(int inFeatures, int outFeatures, boolean withBias, Generator generator) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + inFeatures
                    + ", out=" + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Init.linearDefault(generator, outFeatures, inFeatures));
        this.bias = withBias ? registerParameter("bias", Init.linearDefaultBias(generator, inFeatures, outFeatures)) : null;
    }

    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() == 0 || input.size(-1) != inFeatures) {
            throw new ShapeException(this + ": input of shape " + input.shape() + " does not fit: expected"
                    + " the last dimension to be " + inFeatures + " (shape [batch, " + inFeatures + "])");
        }
        return Affine.linear(input, weight, bias);
    }

    public Tensor weight() {
        return weight;
    }

    /** The bias, or null for a layer without one. */
    public Tensor bias() {
        return bias;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    @Override
    public String toString() {
        return "Linear(" + inFeatures + " -> " + outFeatures + (bias == null ? ", no bias" : "") + ")";
    }
}
