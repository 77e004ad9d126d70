package dev.backprop.optim;

import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * Stochastic gradient descent with optional momentum (Polyak; Nesterov after Sutskever et al.
 * 2013), dampening and L2 weight decay, as PyTorch's {@code SGD}:
 * <pre>
 *   g = grad + weightDecay * p
 *   b = g                               (first step)
 *   b = momentum * b + (1 - dampening) g (later steps)
 *   g = nesterov ? g + momentum * b : b  (when momentum != 0)
 *   p = p - lr * g
 * </pre>
 */
public final class SGD extends Optimizer {

    /** Settings; defaults as PyTorch, with lr 0.01. */
    public record Config(double lr, double momentum, double dampening, boolean nesterov, double weightDecay) {
        public static final Config DEFAULT = new Config(0.01, 0, 0, false, 0);

        public Config {
            requireNonNegative("SGD", "lr", lr);
            requireNonNegative("SGD", "momentum", momentum);
            requireNonNegative("SGD", "weightDecay", weightDecay);
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0 and dampening 0");
            }
        }

        public Config withLr(double v) { return new Config(v, momentum, dampening, nesterov, weightDecay); }
        public Config withMomentum(double v) { return new Config(lr, v, dampening, nesterov, weightDecay); }
        public Config withDampening(double v) { return new Config(lr, momentum, v, nesterov, weightDecay); }
        public Config withNesterov(boolean v) { return new Config(lr, momentum, dampening, v, weightDecay); }
        public Config withWeightDecay(double v) { return new Config(lr, momentum, dampening, nesterov, v); }
    }

    private final Config config;
    private final Tensor[] momentumBuffers;

    public SGD(List<Tensor> params, Config config) {
        super(params, config.lr());
        this.config = config;
        this.momentumBuffers = registerState("momentum_buffer", new Tensor[params.size()]);
    }

    @Override
    protected void update(int i, Tensor p, Tensor grad, int t) {
        Tensor g = config.weightDecay() != 0 ? grad.add(p.mul((float) config.weightDecay())) : grad;
        if (config.momentum() != 0) {
            Tensor b = momentumBuffers[i];
            if (b == null) {
                b = momentumBuffers[i] = g.clone();
            } else {
                b.mulInPlace((float) config.momentum()).addInPlace(g.mul((float) (1 - config.dampening())));
            }
            g = config.nesterov() ? g.add(b.mul((float) config.momentum())) : b;
        }
        p.subInPlace(g.mul((float) lr()));
    }
}
