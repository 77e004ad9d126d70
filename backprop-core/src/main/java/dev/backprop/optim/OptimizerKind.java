package dev.backprop.optim;

import dev.backprop.tensor.Tensor;
import java.util.List;
import java.util.Locale;

/**
 * The optimizers a run can name as a value (on the command line, in a Spark ML param, in a config
 * shipped to workers), each with its default learning rate, and how to make one over parameters.
 *
 * <pre>{@code
 * Optimizer opt = OptimizerKind.ADAMW.create(model.parameters(), 1e-3, 0.1);
 * }</pre>
 */
public enum OptimizerKind {
    SGD(0.05), MOMENTUM(0.01), ADAM(3e-3), ADAMW(3e-3), RMSPROP(1e-3), ADAGRAD(0.01), ADAMAX(2e-3), NADAM(2e-3);

    private final double defaultLr;

    OptimizerKind(double defaultLr) {
        this.defaultLr = defaultLr;
    }

    /** The learning rate used when none is given. */
    public double defaultLr() {
        return defaultLr;
    }

    /**
     * A new optimizer of this kind at rate {@code lr} with L2 weight decay {@code weightDecay}
     * (decoupled for AdamW, whose 0 means its usual 0.01); momentum is Nesterov SGD with 0.9.
     */
    public Optimizer create(List<Tensor> params, double lr, double weightDecay) {
        return switch (this) {
            case SGD -> new dev.backprop.optim.SGD(params, dev.backprop.optim.SGD.Config.DEFAULT.withLr(lr).withWeightDecay(weightDecay));
            case MOMENTUM -> new dev.backprop.optim.SGD(params, dev.backprop.optim.SGD.Config.DEFAULT.withLr(lr)
                    .withMomentum(0.9).withNesterov(true).withWeightDecay(weightDecay));
            case ADAM -> new Adam(params, Adam.Config.DEFAULT.withLr(lr).withWeightDecay(weightDecay));
            case ADAMW -> new AdamW(params, AdamW.DEFAULT.withLr(lr).withWeightDecay(weightDecay == 0 ? 0.01 : weightDecay));
            case RMSPROP -> new RMSprop(params, RMSprop.Config.DEFAULT.withLr(lr).withWeightDecay(weightDecay));
            case ADAGRAD -> new Adagrad(params, Adagrad.Config.DEFAULT.withLr(lr).withWeightDecay(weightDecay));
            case ADAMAX -> new Adamax(params, Adamax.Config.DEFAULT.withLr(lr).withWeightDecay(weightDecay));
            case NADAM -> new NAdam(params, NAdam.Config.DEFAULT.withLr(lr).withWeightDecay(weightDecay));
        };
    }

    /** Lower case, as typed on the command line. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind called {@code name} (any case), or an error listing the choices. */
    public static OptimizerKind of(String name) {
        for (OptimizerKind k : values()) {
            if (k.name().equalsIgnoreCase(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown optimizer '" + name + "'; choose one of "
                + java.util.Arrays.toString(values()));
    }
}
