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
        this.p = requireProbability("Dropout", p);
        this.generator = registerGenerator("generator", generator);
    }

    @Override
    public Tensor forward(Tensor input) {
        return drop(input, p, isTraining(), generator, input.shape().dims());
    }

    /**
     * Inverted dropout with one mask draw per cell of {@code maskShape} (broadcast over the input):
     * the input's own shape drops elements, {@code [N, C, 1, 1]} drops whole channels. The identity
     * outside training or when {@code p} is 0.
     */
    static Tensor drop(Tensor input, float p, boolean training, Generator generator, int... maskShape) {
        if (!training || p == 0f) {
            return input;
        }
        Tensor keep = Tensor.rand(generator, maskShape).ge(Tensor.scalar(p));
        return input.mul(keep.mul(1f / (1f - p)));
    }

    static float requireProbability(String layer, float p) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException(layer + ": p must be in [0, 1), got " + p);
        }
        return p;
    }

    public float p() {
        return p;
    }

    @Override
    public String toString() {
        return "Dropout(p=" + p + ")";
    }
}
