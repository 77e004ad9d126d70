package dev.backprop.spark;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * What every worker needs to train its replica, shipped to the Spark tasks: the model as the
 * command line writes it ({@code mlp:128}) with one example's shape and the number of outputs
 * (classes, or 1 for a regression), Adam's learning rate, the epochs, the global batch (split
 * evenly over the workers), the seed (the same initial weights everywhere; each worker shuffles
 * its partition with a seed of its own derived from it), the timeout of every rendezvous and
 * socket read, and where and how often the workers write checkpoints ({@code checkpointDir} null:
 * none; a folder every executor reaches, such as a shared file system, with one folder per worker).
 */
public record DistributedConfig(String model, List<Integer> example, int outputs, boolean classification, double lr,
                                int epochs, int globalBatch, long seed, Duration timeout, String checkpointDir,
                                int checkpointEvery) implements Serializable {
    /** Settings without checkpoints. */
    public DistributedConfig(String model, List<Integer> example, int outputs, boolean classification, double lr, int epochs,
                             int globalBatch, long seed, Duration timeout) {
        this(model, example, outputs, classification, lr, epochs, globalBatch, seed, timeout, null, 0);
    }

    public DistributedConfig {
        example = List.copyOf(example);
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("DistributedConfig: checkpointEvery must be >= 0 (0: at the end of each"
                    + " epoch only), got " + checkpointEvery);
        }
        if (outputs <= 0 || !(lr > 0) || epochs <= 0 || globalBatch <= 0 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("DistributedConfig: outputs, lr, epochs, global batch and timeout must be"
                    + " positive; got " + outputs + ", " + lr + ", " + epochs + ", " + globalBatch + ", " + timeout);
        }
    }

    /** The model's specification, its sizes bound to this data. */
    public dev.backprop.nn.ModelSpec spec() {
        int[] shape = example.stream().mapToInt(Integer::intValue).toArray();
        return dev.backprop.nn.Architecture.parse(model).bind(shape, outputs);
    }

    /** The same settings with another number of epochs. */
    public DistributedConfig withEpochs(int v) {
        return new DistributedConfig(model, example, outputs, classification, lr, v, globalBatch, seed, timeout, checkpointDir,
                checkpointEvery);
    }

    /** The same settings with checkpoints into {@code dir} every {@code every} steps and at the end of every epoch. */
    public DistributedConfig withCheckpoints(String dir, int every) {
        return new DistributedConfig(model, example, outputs, classification, lr, epochs, globalBatch, seed, timeout, dir, every);
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
