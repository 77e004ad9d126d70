package dev.backprop.compare;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.backprop.data.Dataset;

/**
 * PyTorch's side, through DJL's PyTorch engine with the CPU native jar on the class path
 * (offline: DJL is told not to download). The same network, Adam at 1e-3, batch 128, shuffled.
 */
final class PyTorchRun implements EpochRun {
    private final Model model;
    private final Trainer trainer;
    private final ArrayDataset data;
    private final int threads;
    private double loss = Double.NaN;

    private static SequentialBlock mlp() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(256).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(256).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(10).build());
    }

    private static SequentialBlock lenet() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).optPadding(new Shape(2, 2)).setFilters(6).build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(16).build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(120).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(84).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(10).build());
    }

    PyTorchRun(Net net, Dataset train, int threads) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        this.threads = threads;
        SequentialBlock block = net == Net.MLP ? mlp() : lenet();
        Shape example = net == Net.MLP ? new Shape(784) : new Shape(1, 28, 28);
        model = Model.newInstance(net.name().toLowerCase(java.util.Locale.ROOT), "PyTorch");
        try {
            model.setBlock(block);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
            trainer = model.newTrainer(config);
            trainer.initialize(new Shape(128).addAll(example));
            NDManager manager = trainer.getManager();
            int n = train.size();
            NDArray x = manager.create(train.features().toFloatArray(), new Shape(n).addAll(example));
            NDArray y = manager.create(train.targets().toFloatArray(), new Shape(n));
            data = new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(128, true).build();
        } catch (RuntimeException | Error e) {
            model.close();
            throw e;
        }
    }

    @Override
    public String framework() {
        return "PyTorch " + ai.djl.engine.Engine.getEngine("PyTorch").getVersion() + " via DJL (CPU)";
    }

    @Override
    public String note() {
        return threads + " intra-op threads";
    }

    /** One epoch; the batches are shuffled by DJL's own sampler, which does not take the seed. */
    @Override
    public double epoch(int seed) throws Exception {
        long start = System.nanoTime();
        double lossSum = 0;
        int batches = 0;
        for (Batch batch : trainer.iterateDataset(data)) {
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDList predictions = trainer.forward(batch.getData());
                NDArray l = trainer.getLoss().evaluate(batch.getLabels(), predictions);
                collector.backward(l);
                lossSum += l.getFloat();
                batches++;
            }
            trainer.step();
            batch.close();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        loss = lossSum / batches;
        return seconds;
    }

    @Override
    public double lastLoss() {
        return loss;
    }

    @Override
    public void close() {
        try {
            trainer.close();
        } finally {
            model.close();
        }
    }
}
