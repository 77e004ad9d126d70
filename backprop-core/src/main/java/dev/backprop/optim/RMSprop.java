package dev.backprop.optim;

import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * RMSprop (Hinton, lecture 6e), optionally centered (Graves 2013) and with momentum, as PyTorch's:
 * <pre>
 *   g = grad + weightDecay * p
 *   v = alpha v + (1 - alpha) g^2
 *   avg = sqrt(v - gAvg^2) + eps, with gAvg = alpha gAvg + (1 - alpha) g   (centered)
 *   avg = sqrt(v) + eps                                                  (otherwise)
 *   b = momentum b + g / avg;  p = p - lr b                              (momentum > 0)
 *   p = p - lr g / avg                                                   (otherwise)
 * </pre>
 */
public final class RMSprop extends Optimizer {

    /** Settings; defaults as PyTorch: lr 0.01, alpha 0.99, eps 1e-8. */
    public record Config(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered) {
        public static final Config DEFAULT = new Config(0.01, 0.99, 1e-8, 0, 0, false);

        public Config {
            requireNonNegative("RMSprop", "lr", lr);
            requireUnit("RMSprop", "alpha", alpha);
            requireNonNegative("RMSprop", "eps", eps);
            requireNonNegative("RMSprop", "weightDecay", weightDecay);
            requireNonNegative("RMSprop", "momentum", momentum);
        }

        public Config withLr(double v) { return new Config(v, alpha, eps, weightDecay, momentum, centered); }
        public Config withAlpha(double v) { return new Config(lr, v, eps, weightDecay, momentum, centered); }
        public Config withMomentum(double v) { return new Config(lr, alpha, eps, weightDecay, v, centered); }
        public Config withCentered(boolean v) { return new Config(lr, alpha, eps, weightDecay, momentum, v); }
        public Config withWeightDecay(double v) { return new Config(lr, alpha, eps, v, momentum, centered); }
    }

    private final Config config;
    private final Tensor[] squareAvg;
    private final Tensor[] gradAvg;
    private final Tensor[] buffer;

    public RMSprop(List<Tensor> params, Config config) {
        super(params, config.lr());
        this.config = config;
        this.squareAvg = registerState("square_avg", zerosLike(params));
        this.gradAvg = config.centered() ? registerState("grad_avg", zerosLike(params)) : null;
        this.buffer = config.momentum() > 0 ? registerState("momentum_buffer", zerosLike(params)) : null;
    }

    @Override
    protected void update(int i, Tensor p, Tensor grad, int t) {
        float alpha = (float) config.alpha();
        Tensor g = config.weightDecay() != 0 ? grad.add(p.mul((float) config.weightDecay())) : grad;
        squareAvg[i].mulInPlace(alpha).addInPlace(g.mul(g).mul(1 - alpha));
        Tensor variance = squareAvg[i];
        if (gradAvg != null) {
            gradAvg[i].mulInPlace(alpha).addInPlace(g.mul(1 - alpha));
            variance = variance.sub(gradAvg[i].mul(gradAvg[i]));
        }
        Tensor avg = variance.sqrt().add((float) config.eps());
        if (buffer != null) {
            buffer[i].mulInPlace((float) config.momentum()).addInPlace(g.div(avg));
            p.subInPlace(buffer[i].mul((float) lr()));
        } else {
            p.subInPlace(g.div(avg).mul((float) lr()));
        }
    }
}
