package dev.backprop.optim.schedule;

/** Multiplies the rate by {@code gamma} every {@code stepSize} steps: {@code base * gamma^floor(t / stepSize)}. */
public record StepLR(int stepSize, double gamma) implements LrSchedule {
    public StepLR {
        if (stepSize <= 0 || !(gamma > 0)) {
            throw new IllegalArgumentException("StepLR: stepSize and gamma must be positive, got "
                    + stepSize + " and " + gamma);
        }
    }

    @Override
    public double lr(double baseLr, int t) {
        LrSchedule.requireStep("StepLR", t);
        return baseLr * Math.pow(gamma, t / stepSize);
    }
}
