package dev.backprop.nn;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;

/**
 * In training, zeroes each element with probability {@code p} and scales the rest by
 * {@code 1/(1-p)} so the expected value is unchanged (inverted dropout, Srivastava et al. 2014);
 * in evaluation mode, the identity. Masks are drawn from the given generator.
 */
public final class Dropout extends Module {
    private final float p;
    private final Generator generator;

    public Dropout(float p, Generator generator) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        }
        this.p = p;
        this.generator = registerGenerator("generator", generator);
    }

    @Override
    public Tensor forward(Tensor input) {
        if (!isTraining() || p == 0f) {
            return input;
        }
        Tensor keep = Tensor.rand(generator, input.shape().dims()).ge(Tensor.scalar(p));
        return input.mul(keep.mul(1f / (1f - p)));
    }

    public float p() {
        return p;
    }

    @Override
    public String toString() {
        return "Dropout(p=" + p + ")";
    }
}
