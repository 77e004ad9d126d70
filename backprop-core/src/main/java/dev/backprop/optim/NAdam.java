package dev.backprop.optim;

import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * NAdam: Adam with Nesterov momentum (Dozat 2016), with PyTorch's momentum schedule
 * {@code mu_t = beta1 (1 - 0.5 * 0.96^(t psi))}:
 * <pre>
 *   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
 *   denom = sqrt(v / (1 - beta2^t)) + eps
 *   p = p - lr (1 - mu_t) / (1 - prod_{i &lt;= t} mu_i) * g / denom
 *         - lr mu_{t+1} / (1 - prod_{i &lt;= t+1} mu_i) * m / denom
 * </pre>
 */
public final class NAdam extends Optimizer {

    /** Settings; defaults as PyTorch: lr 2e-3, betas (0.9, 0.999), eps 1e-8, momentum decay psi 4e-3. */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay, double momentumDecay) {
        public static final Config DEFAULT = new Config(2e-3, 0.9, 0.999, 1e-8, 0, 4e-3);

        public Config {
            requireNonNegative("NAdam", "lr", lr);
            requireUnit("NAdam", "beta1", beta1);
            requireUnit("NAdam", "beta2", beta2);
            requireNonNegative("NAdam", "eps", eps);
            requireNonNegative("NAdam", "weightDecay", weightDecay);
            requireNonNegative("NAdam", "momentumDecay", momentumDecay);
        }

        public Config withLr(double v) { return new Config(v, beta1, beta2, eps, weightDecay, momentumDecay); }
        public Config withBetas(double b1, double b2) { return new Config(lr, b1, b2, eps, weightDecay, momentumDecay); }
        public Config withWeightDecay(double v) { return new Config(lr, beta1, beta2, eps, v, momentumDecay); }
    }

    private final Config config;
    private final Tensor[] m;
    private final Tensor[] v;
    private final double[] muProduct;

    public NAdam(List<Tensor> params, Config config) {
        super(params, config.lr());
        this.config = config;
        this.m = registerState("exp_avg", zerosLike(params));
        this.v = registerState("exp_avg_sq", zerosLike(params));
        this.muProduct = registerState("mu_product", new double[params.size()]);
        java.util.Arrays.fill(muProduct, 1.0);
    }

    private double mu(int t) {
        return config.beta1() * (1 - 0.5 * Math.pow(0.96, t * config.momentumDecay()));
    }

    @Override
    protected void update(int i, Tensor p, Tensor grad, int t) {
        Tensor g = config.weightDecay() != 0 ? grad.add(p.mul((float) config.weightDecay())) : grad;
        double muT = mu(t);
        double muNext = mu(t + 1);
        muProduct[i] *= muT;
        m[i].mulInPlace((float) config.beta1()).addInPlace(g.mul((float) (1 - config.beta1())));
        v[i].mulInPlace((float) config.beta2()).addInPlace(g.mul(g).mul((float) (1 - config.beta2())));
        double bias2 = 1 - Math.pow(config.beta2(), t);
        Tensor denom = v[i].div((float) bias2).sqrt().add((float) config.eps());
        double gradStep = lr() * (1 - muT) / (1 - muProduct[i]);
        double momentumStep = lr() * muNext / (1 - muProduct[i] * muNext);
        p.subInPlace(g.div(denom).mul((float) gradStep));
        p.subInPlace(m[i].div(denom).mul((float) momentumStep));
    }
}
