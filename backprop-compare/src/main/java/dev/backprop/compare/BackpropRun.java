package dev.backprop.compare;

import dev.backprop.backend.Backends;
import dev.backprop.data.Dataset;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.Generator;
import dev.backprop.train.FitConfig;
import dev.backprop.train.History;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import java.util.List;

/** Backprop's side: the MLP trained by {@link Trainer}. */
final class BackpropRun {
    private BackpropRun() {
    }

    static EpochTimer run(Dataset train, List<Integer> hidden, int epochs) {
        ModelSpec spec = new ModelSpec.Mlp(784, hidden, 10, ActivationKind.RELU, 0f);
        Module net = spec.build(new Generator(0));
        Trainer trainer = new Trainer(net, new Adam(net.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
        double best = Double.MAX_VALUE;
        double loss = Double.NaN;
        for (int e = 0; e <= epochs; e++) {
            long start = System.nanoTime();
            History h = trainer.fit(train, null, FitConfig.DEFAULT.withEpochs(1).withBatchSize(128).withSeed(e));
            double seconds = (System.nanoTime() - start) / 1e9;
            if (e > 0) {
                best = Math.min(best, seconds);
            }
            loss = h.last().trainLoss();
        }
        return new EpochTimer("Backprop (" + Backends.active().name() + " backend)", best, loss,
                "pure Java, Vector API");
    }
}
