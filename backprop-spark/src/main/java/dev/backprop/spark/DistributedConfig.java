package dev.backprop.spark;

import dev.backprop.nn.Architecture;
import dev.backprop.nn.ModelSpec;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.OptimizerKind;
import dev.backprop.optim.schedule.LrSchedule;
import dev.backprop.tensor.Tensor;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * What every worker needs to train its replica, shipped to the Spark tasks: the model's kind and
 * settings ({@link Architecture}, e.g. {@code Architecture.parse("mlp:128")}) with one example's shape and the number of outputs
 * (classes, or 1 for a regression); the optimizer, its (peak) rate and weight decay, the per-epoch
 * schedule and the gradient clipping norm (0: none), as on one machine; the epochs, the global batch
 * (split evenly over the workers), the seed (the same initial weights everywhere; each worker
 * shuffles its partition with a seed of its own derived from it), the timeout of every rendezvous
 * and socket read, and where and how often the workers write checkpoints ({@code checkpointDir}
 * null: none; a folder on any Hadoop file system, such as HDFS, S3 or a shared folder, with a folder
 * per worker inside), and
 * the synchronisation: gradients summed every step ({@code averageEvery} 0, the default) or local SGD,
 * parameters averaged every {@code averageEvery} steps.
 *
 * <pre>{@code
 * DistributedConfig c = new DistributedConfig(Architecture.parse("mlp:128"), List.of(784), 10, true, 3e-3, 5, 128, 0, Duration.ofSeconds(60))
 *         .withOptimizer(OptimizerKind.ADAMW, 0.01).withSchedule(ScheduleKind.ONECYCLE.create(5, 3e-3));
 * }</pre>
 */
public record DistributedConfig(Architecture model, List<Integer> example, int outputs, boolean classification,
                                OptimizerKind optimizer, double lr, double weightDecay, LrSchedule schedule, double clipNorm,
                                int epochs, int globalBatch, long seed, Duration timeout, String checkpointDir,
                                int checkpointEvery, int averageEvery) implements Serializable {
    /** Adam at a constant rate, no weight decay, no clipping, no checkpoints. */
    public DistributedConfig(Architecture model, List<Integer> example, int outputs, boolean classification, double lr, int epochs,
                             int globalBatch, long seed, Duration timeout) {
        this(model, example, outputs, classification, OptimizerKind.ADAM, lr, 0, LrSchedule.constant(), 0, epochs,
                globalBatch, seed, timeout, null, 0, 0);
    }

    public DistributedConfig {
        example = List.copyOf(example);
        if (model == null || optimizer == null || schedule == null || weightDecay < 0 || !(clipNorm >= 0) || checkpointEvery < 0
                || averageEvery < 0) {
            throw new IllegalArgumentException("DistributedConfig: need an optimizer and a schedule, and weight decay,"
                    + " clipping norm and checkpoint interval >= 0; got " + optimizer + ", " + schedule + ", " + weightDecay
                    + ", " + clipNorm + ", " + checkpointEvery + ", " + averageEvery);
        }
        if (outputs <= 0 || !(lr > 0) || epochs <= 0 || globalBatch <= 0 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("DistributedConfig: outputs, lr, epochs, global batch and timeout must be"
                    + " positive; got " + outputs + ", " + lr + ", " + epochs + ", " + globalBatch + ", " + timeout);
        }
    }

    /** The numbers in one example of {@code shape}. */
    public static int size(List<Integer> shape) {
        return shape.stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
    }

    /** The model's specification, its sizes bound to this data. */
    public ModelSpec spec() {
        int[] shape = example.stream().mapToInt(Integer::intValue).toArray();
        return model.bind(shape, outputs);
    }

    /** A fresh optimizer of this config's kind over {@code parameters}. */
    public Optimizer newOptimizer(List<Tensor> parameters) {
        return optimizer.create(parameters, lr, weightDecay);
    }

    public DistributedConfig withEpochs(int v) {
        return new DistributedConfig(model, example, outputs, classification, optimizer, lr, weightDecay, schedule, clipNorm, v,
                globalBatch, seed, timeout, checkpointDir, checkpointEvery, averageEvery);
    }

    public DistributedConfig withOptimizer(OptimizerKind kind, double decay) {
        return new DistributedConfig(model, example, outputs, classification, kind, lr, decay, schedule, clipNorm, epochs,
                globalBatch, seed, timeout, checkpointDir, checkpointEvery, averageEvery);
    }

    /** A schedule applied at the start of each epoch, from the config's rate. */
    public DistributedConfig withSchedule(LrSchedule v) {
        return new DistributedConfig(model, example, outputs, classification, optimizer, lr, weightDecay, v, clipNorm, epochs,
                globalBatch, seed, timeout, checkpointDir, checkpointEvery, averageEvery);
    }

    public DistributedConfig withClipNorm(double v) {
        return new DistributedConfig(model, example, outputs, classification, optimizer, lr, weightDecay, schedule, v, epochs,
                globalBatch, seed, timeout, checkpointDir, checkpointEvery, averageEvery);
    }

    /** The same settings with checkpoints into {@code dir} every {@code every} steps and at the end of every epoch. */
    public DistributedConfig withCheckpoints(String dir, int every) {
        return new DistributedConfig(model, example, outputs, classification, optimizer, lr, weightDecay, schedule, clipNorm,
                epochs, globalBatch, seed, timeout, dir, every, averageEvery);
    }

    /**
     * Local SGD instead of the default: each worker steps on its own gradients and every {@code k}
     * steps (and at the end) the workers' parameters are averaged (their optimizer states are not);
     * 0 goes back to summing gradients every step.
     */
    public DistributedConfig withAverageEvery(int k) {
        return new DistributedConfig(model, example, outputs, classification, optimizer, lr, weightDecay, schedule, clipNorm,
                epochs, globalBatch, seed, timeout, checkpointDir, checkpointEvery, k);
    }

    /** The batch each of {@code workers} takes per step; the global batch must split evenly. */
    int localBatch(int workers) {
        if (globalBatch % workers != 0) {
            throw new IllegalArgumentException("the global batch of " + globalBatch + " does not split evenly over "
                    + workers + " workers; choose a multiple of " + workers);
        }
        return globalBatch / workers;
    }
}
