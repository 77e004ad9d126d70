package dev.backprop.spark;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/**
 * What every worker needs to train its replica, shipped to the Spark tasks: the model as the
 * command line writes it ({@code mlp:128}) with one example's shape and the number of outputs
 * (classes, or 1 for a regression), Adam's learning rate, the epochs, the global batch (split
 * evenly over the workers), the seed (the same initial weights everywhere; each worker shuffles
 * its partition with a seed of its own derived from it) and the timeout of every rendezvous and
 * socket read.
 */
public record DistributedConfig(String model, List<Integer> example, int outputs, boolean classification, double lr,
                                int epochs, int globalBatch, long seed, Duration timeout) implements Serializable {
    public DistributedConfig {
        example = List.copyOf(example);
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
        return new DistributedConfig(model, example, outputs, classification, lr, v, globalBatch, seed, timeout);
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
