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

/** Backprop's side: the network trained by {@link Trainer}, one epoch per call. */
final class BackpropRun implements EpochRun {
    private final Trainer trainer;
    private final Dataset train;
    private double loss = Double.NaN;

    BackpropRun(Net net, Dataset train) {
        ModelSpec spec = net == Net.MLP ? new ModelSpec.Mlp(784, List.of(256, 256), 10, ActivationKind.RELU, 0f)
                : new ModelSpec.LeNet5(1, 10);
        Module model = spec.build(new Generator(0));
        this.trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
        this.train = train;
    }

    @Override
    public String framework() {
        return "Backprop (" + Backends.active().name() + " backend)";
    }

    @Override
    public String note() {
        return "pure Java, Vector API";
    }

    @Override
    public double epoch(int seed) {
        long start = System.nanoTime();
        History h = trainer.fit(train, null, FitConfig.DEFAULT.withEpochs(1).withBatchSize(128).withSeed(seed));
        double seconds = (System.nanoTime() - start) / 1e9;
        loss = h.last().trainLoss();
        return seconds;
    }

    @Override
    public double lastLoss() {
        return loss;
    }
}
