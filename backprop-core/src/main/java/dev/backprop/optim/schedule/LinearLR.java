package dev.backprop.optim.schedule;

/**
 * Linear warm-up (or cool-down) of the rate's factor from {@code startFactor} to
 * {@code endFactor} over {@code totalIters} steps, then constant:
 * {@code base * (start + (end - start) * min(t, totalIters) / totalIters)}.
 */
public record LinearLR(double startFactor, double endFactor, int totalIters) implements LrSchedule {
    /** PyTorch's defaults: from 1/3 to 1 over 5 steps. */
    public static final LinearLR DEFAULT = new LinearLR(1.0 / 3, 1.0, 5);

    public LinearLR {
        if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1) || totalIters <= 0) {
            throw new IllegalArgumentException("LinearLR: factors must be in (0, 1] and [0, 1], totalIters positive;"
                    + " got " + startFactor + ", " + endFactor + ", " + totalIters);
        }
    }

    @Override
    public double lr(double baseLr, int t) {
        LrSchedule.requireStep("LinearLR", t);
        return baseLr * (startFactor + (endFactor - startFactor) * Math.min(t, totalIters) / totalIters);
    }
}
