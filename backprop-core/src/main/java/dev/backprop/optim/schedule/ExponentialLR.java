package dev.backprop.optim.schedule;

/** Multiplies the rate by {@code gamma} every step: {@code base * gamma^t}. */
public record ExponentialLR(double gamma) implements LrSchedule {
    public ExponentialLR {
        if (!(gamma > 0)) {
            throw new IllegalArgumentException("ExponentialLR: gamma must be positive, got " + gamma);
        }
    }

    @Override
    public double lr(double baseLr, int t) {
        LrSchedule.requireStep("ExponentialLR", t);
        return baseLr * Math.pow(gamma, t);
    }
}
