package dev.backprop.nn;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * Channel dropout for {@code [N, C, H, W]} feature maps, as PyTorch's {@code nn.Dropout2d}: in
 * training, each whole channel of each example is zeroed with probability {@code p} and the rest
 * scaled by {@code 1/(1-p)} (neighbouring pixels are correlated, so dropping single pixels
 * regularises little; Tompson et al. 2015); in evaluation mode, the identity.
 */
public final class Dropout2d extends Module {
    private final float p;
    private final Generator generator;

    public Dropout2d(float p, Generator generator) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("Dropout2d: p must be in [0, 1), got " + p);
        }
        this.p = p;
        this.generator = registerGenerator("generator", generator);
    }

    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != 4) {
            throw new ShapeException(this + ": input of shape " + input.shape() + " does not fit: expected [N, C, H, W]");
        }
        if (!isTraining() || p == 0f) {
            return input;
        }
        Tensor keep = Tensor.rand(generator, input.size(0), input.size(1), 1, 1).ge(Tensor.scalar(p));
        return input.mul(keep.mul(1f / (1f - p)));
    }

    @Override
    public String toString() {
        return "Dropout2d(p=" + p + ")";
    }
}
