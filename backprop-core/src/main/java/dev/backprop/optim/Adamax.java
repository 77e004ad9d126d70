package dev.backprop.optim;

import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * Adamax, Adam's infinity-norm variant (Kingma and Ba 2015, section 7), as PyTorch's:
 * <pre>
 *   g = grad + weightDecay * p
 *   m = beta1 m + (1 - beta1) g
 *   u = max(beta2 u, |g| + eps)
 *   p = p - lr / (1 - beta1^t) * m / u
 * </pre>
 */
public final class Adamax extends Optimizer {

    /** Settings; defaults as PyTorch: lr 2e-3, betas (0.9, 0.999), eps 1e-8. */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay) {
        public static final Config DEFAULT = new Config(2e-3, 0.9, 0.999, 1e-8, 0);

        public Config {
            requireNonNegative("Adamax", "lr", lr);
            requireUnit("Adamax", "beta1", beta1);
            requireUnit("Adamax", "beta2", beta2);
            requireNonNegative("Adamax", "eps", eps);
            requireNonNegative("Adamax", "weightDecay", weightDecay);
        }

        public Config withLr(double v) { return new Config(v, beta1, beta2, eps, weightDecay); }
        public Config withBetas(double b1, double b2) { return new Config(lr, b1, b2, eps, weightDecay); }
        public Config withWeightDecay(double v) { return new Config(lr, beta1, beta2, eps, v); }
    }

    private final Config config;
    private final Tensor[] m;
    private final Tensor[] u;

    public Adamax(List<Tensor> params, Config config) {
        super(params, config.lr());
        this.config = config;
        this.m = registerState("exp_avg", zerosLike(params));
        this.u = registerState("exp_inf", zerosLike(params));
    }

    @Override
    protected void update(int i, Tensor p, Tensor grad, int t) {
        Tensor g = config.weightDecay() != 0 ? grad.add(p.mul((float) config.weightDecay())) : grad;
        m[i].mulInPlace((float) config.beta1()).addInPlace(g.mul((float) (1 - config.beta1())));
        u[i].copyInPlace(u[i].mul((float) config.beta2()).maximum(g.abs().add((float) config.eps())));
        double stepSize = lr() / (1 - Math.pow(config.beta1(), t));
        p.subInPlace(m[i].div(u[i]).mul((float) stepSize));
    }
}
