package dev.backprop.cli;

import dev.backprop.optim.Adagrad;
import dev.backprop.optim.Adam;
import dev.backprop.optim.AdamW;
import dev.backprop.optim.Adamax;
import dev.backprop.optim.NAdam;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.RMSprop;
import dev.backprop.optim.SGD;
import dev.backprop.tensor.Tensor;
import java.util.List;

/** The optimizers {@code --optimizer} can name, each with its default learning rate. */
enum OptimizerChoice {
    SGD(0.05), MOMENTUM(0.01), ADAM(3e-3), ADAMW(3e-3), RMSPROP(1e-3), ADAGRAD(0.01), ADAMAX(2e-3), NADAM(2e-3);

    final double defaultLr;

    OptimizerChoice(double defaultLr) {
        this.defaultLr = defaultLr;
    }

    Optimizer create(List<Tensor> params, double lr, double weightDecay) {
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
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
