package dev.backprop.optim;

import dev.backprop.backend.AdamStep;
import dev.backprop.tensor.FusedUpdates;
import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * Adam (Kingma and Ba 2015), with AMSGrad (Reddi et al. 2018) and either L2 weight decay added to
 * the gradient or, as {@link AdamW}, decoupled decay (Loshchilov and Hutter 2019):
 * <pre>
 *   g = grad + weightDecay * p            (L2 form)      p = p (1 - lr weightDecay)   (decoupled form)
 *   m = beta1 m + (1 - beta1) g
 *   v = beta2 v + (1 - beta2) g^2          vMax = max(vMax, v) with AMSGrad
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v or vMax) / sqrt(1 - beta2^t) + eps)
 * </pre>
 */
public class Adam extends Optimizer {

    /** Settings; defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no decay, no AMSGrad. */
    public record Config(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad) {
        public static final Config DEFAULT = new Config(1e-3, 0.9, 0.999, 1e-8, 0, false);

        public Config {
            requireNonNegative("Adam", "lr", lr);
            requireUnit("Adam", "beta1", beta1);
            requireUnit("Adam", "beta2", beta2);
            requireNonNegative("Adam", "eps", eps);
            requireNonNegative("Adam", "weightDecay", weightDecay);
        }

        public Config withLr(double v) { return new Config(v, beta1, beta2, eps, weightDecay, amsgrad); }
        public Config withBetas(double b1, double b2) { return new Config(lr, b1, b2, eps, weightDecay, amsgrad); }
        public Config withEps(double v) { return new Config(lr, beta1, beta2, v, weightDecay, amsgrad); }
        public Config withWeightDecay(double v) { return new Config(lr, beta1, beta2, eps, v, amsgrad); }
        public Config withAmsgrad(boolean v) { return new Config(lr, beta1, beta2, eps, weightDecay, v); }
    }

    private final Config config;
    private final boolean decoupledDecay;
    private final Tensor[] m;
    private final Tensor[] v;
    private final Tensor[] vMax;

    public Adam(List<Tensor> params, Config config) {
        this(params, config, false);
    }

    Adam(List<Tensor> params, Config config, boolean decoupledDecay) {
        super(params, config.lr());
        this.config = config;
        this.decoupledDecay = decoupledDecay;
        this.m = registerState("exp_avg", zerosLike(params));
        this.v = registerState("exp_avg_sq", zerosLike(params));
        this.vMax = config.amsgrad() ? registerState("max_exp_avg_sq", zerosLike(params)) : null;
    }

    @Override
    protected final void update(int i, Tensor p, Tensor grad, int t) {
        AdamStep step = new AdamStep((float) lr(), (float) config.beta1(), (float) config.beta2(), (float) config.eps(),
                (float) config.weightDecay(), decoupledDecay, config.amsgrad(),
                1 - Math.pow(config.beta1(), t), 1 - Math.pow(config.beta2(), t));
        FusedUpdates.adam(step, p, grad, m[i], v[i], vMax == null ? null : vMax[i]);
    }
}
