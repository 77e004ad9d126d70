package dev.backprop.optim.schedule;

/**
 * Linear warm-up over the first {@code warmup} steps (step t runs at {@code base (t + 1) / warmup}),
 * then half a cosine from the base rate down to {@code minLr} at step {@code total}: the schedule of
 * the GPT recipes (Radford et al. 2018 use the same shape).
 */
public record WarmupCosineLR(int warmup, int total, double minLr) implements LrSchedule {
    public WarmupCosineLR {
        if (warmup < 0 || total <= warmup || minLr < 0) {
            throw new IllegalArgumentException("WarmupCosineLR: need 0 <= warmup < total and minLr >= 0, got warmup "
                    + warmup + ", total " + total + ", minLr " + minLr);
        }
    }

    @Override
    public double lr(double baseLr, int t) {
        if (t < warmup) {
            return baseLr * (t + 1) / warmup;
        }
        double progress = Math.min(1.0, (double) (t - warmup) / (total - warmup));
        return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * progress));
    }
}
