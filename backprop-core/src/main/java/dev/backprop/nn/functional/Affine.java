package dev.backprop.nn.functional;

import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/** The affine map of a dense layer, with PyTorch's weight layout. */
public final class Affine {
    private Affine() {
    }

    /**
     * {@code y = x W^T + b} for input {@code [..., in]}, weight {@code [out, in]} and bias
     * {@code [out]} (or null), giving {@code [..., out]}, as {@code torch.nn.functional.linear}.
     */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        if (weight.rank() != 2) {
            throw new ShapeException("linear: weight must be [out, in], got " + weight.shape());
        }
        if (input.rank() == 0 || input.size(-1) != weight.size(1)) {
            throw new ShapeException("linear: input of shape " + input.shape() + " does not fit weight of shape "
                    + weight.shape() + ": expected the last input dimension to be " + weight.size(1));
        }
        if (bias != null && (bias.rank() != 1 || bias.size(0) != weight.size(0))) {
            throw new ShapeException("linear: bias of shape " + bias.shape() + " does not fit weight of shape "
                    + weight.shape() + ": expected [" + weight.size(0) + "]");
        }
        return input.linear(weight, bias);
    }
}
