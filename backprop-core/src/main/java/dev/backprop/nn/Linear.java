package dev.backprop.nn;

import dev.backprop.nn.functional.Affine;
import dev.backprop.nn.init.Init;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
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
    private final WeightOrder order;

    /** A layer with bias, its weight stored output-major (PyTorch's order). */
    public Linear(int inFeatures, int outFeatures, Generator generator) {
        this(inFeatures, outFeatures, true, WeightOrder.OUTPUT_MAJOR, generator);
    }

    /** A layer with or without bias, its weight stored output-major (PyTorch's order). */
    public Linear(int inFeatures, int outFeatures, boolean withBias, Generator generator) {
        this(inFeatures, outFeatures, withBias, WeightOrder.OUTPUT_MAJOR, generator);
    }

    /**
     * A layer whose weight is stored in the given order. Either way the weight is the {@code [out, in]} tensor
     * PyTorch has, with the same initial values, names and gradients (within float rounding: the products run in
     * another order); only where its values sit in memory differs ({@link WeightOrder}).
     */
    public Linear(int inFeatures, int outFeatures, boolean withBias, WeightOrder order, Generator generator) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + inFeatures
                    + ", out=" + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.order = java.util.Objects.requireNonNull(order, "Linear: give a WeightOrder");
        Tensor w = Init.linearDefault(generator, outFeatures, inFeatures);
        if (order == WeightOrder.INPUT_MAJOR) {
            // the same [out, in] values in an array of its own, stored as the [in, out] matrix W^T row by row
            Tensor stored = Tensor.zeros(inFeatures, outFeatures).t().detach();
            try (var off = GradMode.noGrad()) {
                stored.copyInPlace(w);
            }
            w = stored;
        }
        this.weight = registerParameter("weight", w);
        this.bias = withBias ? registerParameter("bias", Init.linearDefaultBias(generator, inFeatures, outFeatures)) : null;
    }

    /**
     * Where a {@link Linear} layer's weight values sit in memory; the weight is the {@code [out, in]} tensor either way.
     */
    public enum WeightOrder {
        /** Row by row of {@code [out, in]}: each output's weights together, as PyTorch stores them. */
        OUTPUT_MAJOR,
        /**
         * Column by column ({@code W^T} row-major, strides {@code [1, out]}): each input's weights together. Made for
         * a layer whose inputs are mostly zeros (pixels, a bag of words): the backend's products then skip the zero
         * inputs reading W's rows for the non-zero ones in place, and write the weight gradient as W is stored,
         * without transposing either. The gradient and an optimizer's state are kept in the same order.
         */
        INPUT_MAJOR
    }

    /** The order in which this layer's weight is stored. */
    public WeightOrder weightOrder() {
        return order;
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
