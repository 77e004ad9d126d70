package dev.backprop.optim;

import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * Updates parameters from their gradients, one rule per subclass, each written as its paper's
 * algorithm (and PyTorch's {@code torch.optim} docs, whose trajectories the tests reproduce).
 * Parameters without a gradient are left as they are. Updates run with recording off and are the
 * only place parameters change in place.
 *
 * <pre>{@code
 * Optimizer opt = new Adam(model.parameters(), Adam.Config.DEFAULT.withLr(1e-3));
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 * }</pre>
 */
public abstract class Optimizer {
    private final List<Tensor> params;
    private double lr;
    private int steps;

    protected Optimizer(List<Tensor> params, double lr) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
        }
        if (!(lr >= 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be >= 0, got " + lr);
        }
        this.params = List.copyOf(params);
        this.lr = lr;
    }

    /** Applies one update to every parameter that has a gradient. */
    public final void step() {
        steps++;
        try (var scope = GradMode.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                if (p.grad() != null) {
                    update(i, p, p.grad(), steps);
                }
            }
        }
    }

    /**
     * Updates parameter {@code index} in place from its gradient; {@code t} counts steps from 1.
     * Runs with recording off.
     */
    protected abstract void update(int index, Tensor param, Tensor grad, int t);

    /** Clears every parameter's gradient. */
    public final void zeroGrad() {
        params.forEach(Tensor::zeroGrad);
    }

    /** The learning rate the next step uses. */
    public final double lr() {
        return lr;
    }

    /** Changes the learning rate (a schedule calls this between steps). */
    public final void setLr(double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be >= 0, got " + value);
        }
        lr = value;
    }

    /** Number of steps taken so far. */
    public final int stepCount() {
        return steps;
    }

    /** The parameters, in the order given. */
    public final List<Tensor> parameters() {
        return params;
    }

    /** Per-parameter state tensors start as zeros shaped like the parameter. */
    protected static Tensor[] zerosLike(List<Tensor> params) {
        Tensor[] out = new Tensor[params.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Tensor.zerosLike(params.get(i));
        }
        return out;
    }

    static void requireNonNegative(String optimizer, String name, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(optimizer + ": " + name + " must be >= 0, got " + value);
        }
    }

    static void requireUnit(String optimizer, String name, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(optimizer + ": " + name + " must be in [0, 1), got " + value);
        }
    }
}
