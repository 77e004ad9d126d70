package dev.backprop.optim;

import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * Adagrad (Duchi et al. 2011), as PyTorch's:
 * <pre>
 *   g = grad + weightDecay * p
 *   lrT = lr / (1 + (t - 1) lrDecay)
 *   s = s + g^2
 *   p = p - lrT g / (sqrt(s) + eps)
 * </pre>
 */
public final class Adagrad extends Optimizer {

    /** Settings; defaults as PyTorch: lr 0.01, no decay, eps 1e-10, accumulator starting at 0. */
    public record Config(double lr, double lrDecay, double weightDecay, double initialAccumulator, double eps) {
        public static final Config DEFAULT = new Config(0.01, 0, 0, 0, 1e-10);

        public Config {
            requireNonNegative("Adagrad", "lr", lr);
            requireNonNegative("Adagrad", "lrDecay", lrDecay);
            requireNonNegative("Adagrad", "weightDecay", weightDecay);
            requireNonNegative("Adagrad", "initialAccumulator", initialAccumulator);
            requireNonNegative("Adagrad", "eps", eps);
        }

        public Config withLr(double v) { return new Config(v, lrDecay, weightDecay, initialAccumulator, eps); }
        public Config withLrDecay(double v) { return new Config(lr, v, weightDecay, initialAccumulator, eps); }
        public Config withWeightDecay(double v) { return new Config(lr, lrDecay, v, initialAccumulator, eps); }
    }

    private final Config config;
    private final Tensor[] sums;

    public Adagrad(List<Tensor> params, Config config) {
        super(params, config.lr());
        this.config = config;
        this.sums = registerState("sum", new Tensor[params.size()]);
        for (int i = 0; i < sums.length; i++) {
            sums[i] = Tensor.full((float) config.initialAccumulator(), params.get(i).shape().dims());
        }
    }

    @Override
    protected void update(int i, Tensor p, Tensor grad, int t) {
        Tensor g = config.weightDecay() != 0 ? grad.add(p.mul((float) config.weightDecay())) : grad;
        double lrT = lr() / (1 + (t - 1) * config.lrDecay());
        sums[i].addInPlace(g.mul(g));
        p.subInPlace(g.div(sums[i].sqrt().add((float) config.eps())).mul((float) lrT));
    }
}
