package dev.backprop.optim.schedule;

import dev.backprop.optim.Optimizer;

/**
 * A learning rate as a function of the step count (epochs or batches, as the caller decides),
 * with PyTorch's formulas. Step 0 is the rate before the first scheduler step. Schedules are
 * values (records), serializable so that a run's settings can travel to the workers of a cluster.
 * Apply with {@link #applyTo}:
 *
 * <pre>{@code
 * LrSchedule schedule = new CosineAnnealingLR(10, 0.0);
 * for (int epoch = 0; epoch < 10; epoch++) {
 *     schedule.applyTo(optimizer, baseLr, epoch);
 *     ... train one epoch ...
 * }
 * }</pre>
 */
public interface LrSchedule extends java.io.Serializable {

    /** The learning rate at step {@code t} (t >= 0) for an optimizer whose initial rate is {@code baseLr}. */
    double lr(double baseLr, int t);

    /** Sets the optimizer's learning rate for step {@code t}. */
    default void applyTo(Optimizer optimizer, double baseLr, int t) {
        optimizer.setLr(lr(baseLr, t));
    }

    /** The same rate at every step. */
    static LrSchedule constant() {
        return new Constant();
    }

    /** The schedule that keeps the base rate; a record, so that it describes itself the same way in every run. */
    record Constant() implements LrSchedule {
        @Override
        public double lr(double baseLr, int t) {
            return baseLr;
        }
    }

    static void requireStep(String name, int t) {
        if (t < 0) {
            throw new IllegalArgumentException(name + ": step must be >= 0, got " + t);
        }
    }
}
