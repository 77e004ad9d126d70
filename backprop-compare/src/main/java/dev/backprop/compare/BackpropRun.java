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

/** Backprop's side: the network trained by {@link Trainer}. */
final class BackpropRun {
    private BackpropRun() {
    }

    static EpochTimer run(Net net, Dataset train, int epochs) {
        ModelSpec spec = net == Net.MLP ? new ModelSpec.Mlp(784, List.of(256, 256), 10, ActivationKind.RELU, 0f)
                : new ModelSpec.LeNet5(1, 10);
        Module model = spec.build(new Generator(0));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
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
