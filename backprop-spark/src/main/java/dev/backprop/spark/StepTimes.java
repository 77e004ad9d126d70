package dev.backprop.spark;

/**
 * Where a worker's steps spend their time: computing (forward, backward, the optimizer), in the
 * all-reduce (sending, receiving and adding, which includes waiting for the slowest worker), and
 * copying gradients in and out of the all-reduce buffer. Totals in nanoseconds, by one thread.
 */
public final class StepTimes {
    private long copyNanos;
    private long allReduceNanos;
    private long steps;

    void add(long copy, long allReduce) {
        copyNanos += copy;
        allReduceNanos += allReduce;
        steps++;
    }

    public long steps() {
        return steps;
    }

    /** Milliseconds per step spent in the all-reduce (waiting for the other workers included). */
    public double allReduceMillisPerStep() {
        return steps == 0 ? 0 : allReduceNanos / 1e6 / steps;
    }

    /** Milliseconds per step spent copying gradients into and out of the all-reduce buffer. */
    public double copyMillisPerStep() {
        return steps == 0 ? 0 : copyNanos / 1e6 / steps;
    }
}
