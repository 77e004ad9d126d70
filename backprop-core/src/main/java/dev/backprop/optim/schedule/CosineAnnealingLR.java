package dev.backprop.optim.schedule;

/**
 * Cosine annealing (Loshchilov and Hutter 2017, without restarts):
 * {@code etaMin + (base - etaMin) (1 + cos(pi t / tMax)) / 2}, which rises again after {@code tMax}
 * as PyTorch's does.
 */
public record CosineAnnealingLR(int tMax, double etaMin) implements LrSchedule {
    public CosineAnnealingLR {
        if (tMax <= 0 || etaMin < 0) {
            throw new IllegalArgumentException("CosineAnnealingLR: tMax must be positive and etaMin >= 0, got "
                    + tMax + " and " + etaMin);
        }
    }

    @Override
    public double lr(double baseLr, int t) {
        LrSchedule.requireStep("CosineAnnealingLR", t);
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
    }
}
