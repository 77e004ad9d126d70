package dev.backprop.spark;

import java.io.Serializable;
import java.util.List;

/**
 * Where a worker's steps spent their time, in milliseconds per synchronisation (every step when
 * gradients are summed; every k steps with local SGD, {@code steps} then counting the averagings):
 * computing (forward, backward, the optimizer step), waiting for the slowest neighbour (the first
 * exchange of each all-reduce), moving and adding the rest of the all-reduce, and copying values
 * into and out of its buffer.
 */
public record StepTimes(long steps, double computeMillis, double waitMillis, double allReduceMillis, double copyMillis)
        implements Serializable {

    /** The five figures in order, as saved. */
    public List<Double> toList() {
        return List.of((double) steps, computeMillis, waitMillis, allReduceMillis, copyMillis);
    }

    /** The figures {@link #toList} gave. */
    public static StepTimes of(List<? extends Number> v) {
        if (v.size() != 5) {
            throw new IllegalArgumentException("StepTimes: 5 figures expected, got " + v);
        }
        return new StepTimes(v.get(0).longValue(), v.get(1).doubleValue(), v.get(2).doubleValue(), v.get(3).doubleValue(),
                v.get(4).doubleValue());
    }

    /**
     * Sums a worker's times as its steps go; {@link #times} turns them into a {@link StepTimes}.
     * Communication inside a step (the gradient all-reduce, at the loop's hook) is part of the loop's
     * step time and is taken out of the compute; communication between steps (local SGD's averaging,
     * after a step) is not, and is spread over the steps as it is.
     */
    static final class Clock {
        private long steps;
        private long waitNanos;
        private long allReduceNanos;
        private long copyNanos;
        private long insideNanos;

        /** A step whose communication, inside the step's time, took these nanoseconds. */
        void addStep(long copy, long wait, long allReduce) {
            steps++;
            insideNanos += copy + wait + allReduce;
            addBetweenSteps(copy, wait, allReduce);
        }

        /** A step with no communication of its own. */
        void addStep() {
            steps++;
        }

        /** Communication after a step, outside the loop's step time. */
        void addBetweenSteps(long copy, long wait, long allReduce) {
            copyNanos += copy;
            waitNanos += wait;
            allReduceNanos += allReduce;
        }

        long steps() {
            return steps;
        }

        /** Per step, given the seconds the loop spent in its steps in all. */
        StepTimes times(double stepSeconds) {
            if (steps == 0) {
                return new StepTimes(0, 0, 0, 0, 0);
            }
            double ms = 1e-6 / steps;
            double compute = stepSeconds * 1000 / steps - insideNanos * ms;
            return new StepTimes(steps, Math.max(0, compute), waitNanos * ms, allReduceNanos * ms, copyNanos * ms);
        }
    }
}
