package dev.backprop.examples;

import dev.backprop.nn.Module;
import dev.backprop.tensor.CustomOp;
import dev.backprop.tensor.Tensor;

/**
 * A layer of your own with its own backward: swish, {@code x sigmoid(x)} (SiLU), whose gradient is
 * {@code s + x s (1 - s)} with {@code s = sigmoid(x)}. The op is a {@link CustomOp}, recorded in the autograd graph
 * like a built-in one; the layer is a {@link Module}, so it goes into a {@code Sequential} like any other.
 */
public final class Swish extends Module {
    /** The op: forward on the input's values, backward from the output's gradient. */
    static final CustomOp OP = new CustomOp() {
        @Override
        public String name() {
            return "swish";
        }

        @Override
        public Tensor forward(Tensor... in) {
            return in[0].mul(in[0].sigmoid());
        }

        @Override
        public Tensor[] backward(Tensor grad, Tensor out, Tensor... in) {
            Tensor s = in[0].sigmoid();
            Tensor ds = s.add(in[0].mul(s).mul(s.neg().add(Tensor.scalar(1f))));
            return new Tensor[] {grad.mul(ds)};
        }
    };

    @Override
    public Tensor forward(Tensor input) {
        return CustomOp.apply(OP, input);
    }

    @Override
    public String toString() {
        return "Swish()";
    }
}
