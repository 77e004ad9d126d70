package dev.backprop.cli;

import dev.backprop.train.Callback;
import dev.backprop.train.History;
import java.lang.management.ManagementFactory;

/**
 * Bytes allocated per training step by every thread of this JVM (the training thread and the kernels'
 * workers), counted from the end of step {@code skip} to the end of the run: a training loop's steady
 * state, without the first steps, which allocate the step memory's buffers and the optimizer's state.
 */
final class AllocationMeter implements Callback {
    private final int skip;
    private int steps;
    private long from = -1;
    private double perStep = Double.NaN;

    AllocationMeter(int skip) {
        this.skip = skip;
    }

    /** Every live thread's allocated bytes so far, summed (a thread that ended meanwhile drops out). */
    static long allThreads() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long bytes : bean.getThreadAllocatedBytes(bean.getAllThreadIds())) {
            sum += Math.max(0, bytes);
        }
        return sum;
    }

    @Override
    public void onBatchEnd(int epoch, int batch, double loss, int examplesSoFar) {
        steps++;
        if (steps == skip) {
            from = allThreads();
        }
    }

    @Override
    public void onTrainEnd(History history) {
        if (from >= 0 && steps > skip) {
            perStep = (double) (allThreads() - from) / (steps - skip);
        }
    }

    /** The bytes per step after the skipped ones; NaN when the run had no more steps than it skips. */
    double bytesPerStep() {
        return perStep;
    }
}
