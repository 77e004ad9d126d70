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
        this.p = Dropout.requireProbability("Dropout2d", p);
        this.generator = registerGenerator("generator", generator);
    }

    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != 4) {
            throw new ShapeException(this + ": input of shape " + input.shape() + " does not fit: expected [N, C, H, W]");
        }
        return Dropout.drop(input, p, isTraining(), generator, input.size(0), input.size(1), 1, 1);
    }

    @Override
    public String toString() {
        return "Dropout2d(p=" + p + ")";
    }
}
