package dev.backprop.compare;

import dev.backprop.backend.Backends;
import dev.backprop.cpu.CpuBackend;
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

/**
 * Backprop's side: the network trained by {@link Trainer}, one epoch per call; with {@code denseProducts}, every
 * matrix product runs dense during its epochs ({@link CpuBackend#skipZeros}), to show what skipping the inputs' zeros
 * gains against the same network in the same minutes.
 */
final class BackpropRun implements EpochRun {
    private final Trainer trainer;
    private final Dataset train;
    private final boolean denseProducts;
    private double loss = Double.NaN;

    BackpropRun(Net net, Dataset train, boolean denseProducts) {
        this.denseProducts = denseProducts;
        ModelSpec spec = net == Net.MLP ? new ModelSpec.Mlp(784, List.of(256, 256), 10, ActivationKind.RELU, 0f)
                : new ModelSpec.LeNet5(1, 10);
        Module model = spec.build(new Generator(0));
        this.trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
        this.train = train;
    }

    @Override
    public String framework() {
        return "Backprop (" + Backends.active().name() + " backend" + (denseProducts ? ", dense products)" : ")");
    }

    @Override
    public String note() {
        return denseProducts ? "pure Java, Vector API, zeros not skipped (-Dbackprop.gemm.sparse=off)"
                : "pure Java, Vector API";
    }

    @Override
    public double epoch(int seed) {
        boolean skipping = CpuBackend.skipsZeros();
        CpuBackend.skipZeros(skipping && !denseProducts);
        long start = System.nanoTime();
        History h;
        try {
            h = trainer.fit(train, null, FitConfig.DEFAULT.withEpochs(1).withBatchSize(128).withSeed(seed));
        } finally {
            CpuBackend.skipZeros(skipping);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        loss = h.last().trainLoss();
        return seconds;
    }

    @Override
    public double lastLoss() {
        return loss;
    }
}
