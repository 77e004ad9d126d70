package dev.backprop.spark;

import dev.backprop.spark.ring.Ring;
import dev.backprop.spark.ring.RingAllReduce;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.GradientTransform;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Data-parallel training's change to the gradients, at the one loop's hook between backward and
 * the optimizer step: each worker's gradient of its mean loss over its {@code b} examples is
 * turned into a sum ({@code x b}), the sums and the example counts are added across the ring, and
 * the total is divided by the global example count. Every worker then holds the gradient of the
 * mean loss over the whole global batch, and applies the same optimizer step to the same weights,
 * so the replicas stay identical whatever the optimizer.
 *
 * <pre>{@code
 * trainer.addGradientTransform(new DataParallelGradients(ring, () -> localBatchSize));
 * }</pre>
 */
public final class DataParallelGradients implements GradientTransform {
    private final Ring ring;
    private final IntSupplier localCount;
    private final StepTimes.Clock times;
    private final long[] waited = new long[1];
    private float[] buffer = new float[0];

    /**
     * Sums over {@code ring}; {@code localCount} gives the examples of this worker's current batch;
     * {@code times} hears how long each step's copying, waiting and all-reduce took.
     */
    public DataParallelGradients(Ring ring, IntSupplier localCount, StepTimes.Clock times) {
        this.ring = ring;
        this.localCount = localCount;
        this.times = times;
    }

    @Override
    public void apply(List<Tensor> parameters) {
        long start = System.nanoTime();
        int total = Flat.size(parameters);
        if (buffer.length != total + 1) {
            buffer = new float[total + 1];
        }
        List<Tensor> gradients = parameters.stream().map(Tensor::grad).toList();
        float count = localCount.getAsInt();
        Flat.gather(parameters, gradients, count, buffer);
        buffer[total] = count;
        long reduce = System.nanoTime();
        waited[0] = 0;
        RingAllReduce.sum(ring, buffer, waited);
        long reduced = System.nanoTime();
        Flat.scatter(buffer, buffer[total], parameters, gradients);
        times.addStep(reduce - start + System.nanoTime() - reduced, waited[0], reduced - reduce - waited[0]);
    }
}
