package dev.backprop.nn;

import dev.backprop.nn.init.Init;
import dev.backprop.tensor.Conv2dSpec;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * A 2-D convolution layer as PyTorch's {@code nn.Conv2d}: input {@code [N, in, H, W]}, weight
 * {@code [out, in/groups, k, k]}, bias {@code [out]}, output {@code [N, out, Ho, Wo]} with
 * {@code Ho = (H + 2 padding - dilation (k - 1) - 1) / stride + 1}. Initialised as PyTorch does
 * (uniform in {@code +-1/sqrt(fanIn)}), so weights interchange with PyTorch's.
 */
public final class Conv2d extends Module {
    private final int in;
    private final int out;
    private final int kernel;
    private final Conv2dSpec spec;
    private final Tensor weight;
    private final Tensor bias;

    /** Square kernel, stride 1, no padding, with bias. */
    public Conv2d(int in, int out, int kernel, Generator generator) {
        this(in, out, kernel, Conv2dSpec.DEFAULT, true, generator);
    }

    public Conv2d(int in, int out, int kernel, Conv2dSpec spec, boolean withBias, Generator generator) {
        if (in <= 0 || out <= 0 || kernel <= 0) {
            throw new IllegalArgumentException("Conv2d: channels and kernel must be positive, got in=" + in + ", out=" + out
                    + ", kernel=" + kernel);
        }
        if (in % spec.groups() != 0 || out % spec.groups() != 0) {
            throw new IllegalArgumentException("Conv2d(" + in + " -> " + out + "): groups " + spec.groups()
                    + " must divide both channel counts");
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.spec = spec;
        int fanIn = in / spec.groups() * kernel * kernel;
        this.weight = registerParameter("weight", Init.linearDefault(generator, out, in / spec.groups(), kernel, kernel));
        this.bias = withBias ? registerParameter("bias", Init.linearDefaultBias(generator, fanIn, out)) : null;
    }

    @Override
    public Tensor forward(Tensor input) {
        check(input);
        return input.conv2d(weight, bias, spec);
    }

    /**
     * {@link #forward}, then 2 x 2 max pooling and ReLU: the block LeNet repeats, as one op
     * ({@link Tensor#conv2dMaxPool2x2}).
     */
    public Tensor forwardMaxPoolRelu(Tensor input) {
        check(input);
        return input.conv2dMaxPool2x2(weight, bias, spec, true);
    }

    private void check(Tensor input) {
        if (input.rank() != 4 || input.size(1) != in) {
            throw new ShapeException(this + ": input of shape " + input.shape() + " does not fit: expected [N, " + in
                    + ", H, W]");
        }
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    @Override
    public String toString() {
        return "Conv2d(" + in + " -> " + out + ", k" + kernel + (spec.strideH() != 1 ? ", stride " + spec.strideH() : "")
                + (spec.padH() != 0 ? ", pad " + spec.padH() : "") + (spec.groups() != 1 ? ", groups " + spec.groups() : "") + ")";
    }
}
