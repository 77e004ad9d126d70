package dev.backprop.compare;

import dev.backprop.backend.Backends;
import dev.backprop.cpu.CpuBackend;
import dev.backprop.cpu.ZeroSkipping;
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
 * Backprop's side: the network trained by {@link Trainer}, one epoch per call, its matrix products as this CPU runs
 * them by default, or during its epochs with the inputs' zeros skipped or with every product dense ({@link
 * CpuBackend#skipZeros}), to show what skipping the zeros gains or costs against the same network in the same minutes.
 */
final class BackpropRun implements EpochRun {
    /** How the matrix products treat a mostly-zero operand during the epochs. */
    enum Products {
        /** As the process runs them ({@code -Dbackprop.gemm.sparse}, or the CPU's default). */
        AS_CONFIGURED(null, ")", null),
        /** The zeros skipped. */
        ZEROS_SKIPPED(ZeroSkipping.ALL, ", zeros skipped)", "zeros skipped (-Dbackprop.gemm.sparse=on)"),
        /** Every product dense. */
        DENSE(ZeroSkipping.OFF, ", dense products)", "zeros not skipped (-Dbackprop.gemm.sparse=off)");

        /** {@link CpuBackend#skipZeros} during the epochs; null to leave the process's setting. */
        private final ZeroSkipping skipping;
        private final String nameEnd;
        private final String note;

        Products(ZeroSkipping skipping, String nameEnd, String note) {
            this.skipping = skipping;
            this.nameEnd = nameEnd;
            this.note = note;
        }
    }

    private final Trainer trainer;
    private final Dataset train;
    private final Products products;
    private double loss = Double.NaN;

    BackpropRun(Net net, Dataset train, Products products) {
        this.products = products;
        ModelSpec spec = net == Net.MLP ? new ModelSpec.Mlp(784, List.of(256, 256), 10, ActivationKind.RELU, 0f)
                : new ModelSpec.LeNet5(1, 10);
        Module model = spec.build(new Generator(0));
        this.trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
        this.train = train;
    }

    @Override
    public String framework() {
        return "Backprop (" + Backends.active().name() + " backend" + products.nameEnd;
    }

    @Override
    public String note() {
        String how = products.note != null ? products.note
                : switch (CpuBackend.zeroSkipping()) {
                    case ALL -> null;
                    case IN_PLACE -> "zeros skipped where no copy is needed (this CPU's default)";
                    case OFF -> "zeros not skipped";
                };
        return "pure Java, Vector API" + (how == null ? "" : ", " + how);
    }

    @Override
    public double epoch(int seed) {
        ZeroSkipping skipping = CpuBackend.zeroSkipping();
        CpuBackend.skipZeros(products.skipping == null ? skipping : products.skipping);
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
