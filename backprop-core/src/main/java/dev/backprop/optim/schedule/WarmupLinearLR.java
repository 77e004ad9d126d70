package dev.backprop.optim.schedule;

/**
 * Linear warm-up over the first {@code warmup} steps (step t runs at {@code base (t + 1) / warmup}),
 * then a straight line down to zero at step {@code total}: the schedule BERT and its descendants are
 * fine-tuned with (Devlin et al. 2019; HuggingFace's {@code get_linear_schedule_with_warmup}).
 */
public record WarmupLinearLR(int warmup, int total) implements LrSchedule {
    public WarmupLinearLR {
        if (warmup < 0 || total <= warmup) {
            throw new IllegalArgumentException("WarmupLinearLR: need 0 <= warmup < total, got warmup " + warmup
                    + ", total " + total);
        }
    }

    @Override
    public double lr(double baseLr, int t) {
        if (t < warmup) {
            return baseLr * (t + 1) / warmup;
        }
        return baseLr * Math.max(0.0, (double) (total - t) / (total - warmup));
    }
}
