package dev.backprop.train;

import dev.backprop.data.ImageAugmentation;
import dev.backprop.optim.schedule.LrSchedule;

/**
 * Settings of one {@link Trainer#fit} run. The schedule is applied per epoch (epoch 0 first);
 * {@code clipNorm} 0 turns gradient clipping off; {@code seed} drives the shuffling and the
 * augmentation draws, so that the same seed gives the same batches; {@code augmentation} changes
 * training images only (never validation or test data); {@code checkpointing} says where and how
 * often {@link Trainer#fit} saves checkpoints that {@link Trainer#resume} continues from;
 * {@code onNonFiniteLoss} whether a NaN or infinite loss stops training or skips its batch.
 */
public record FitConfig(int epochs, int batchSize, long seed, LrSchedule schedule, double clipNorm, int topK,
                        ImageAugmentation augmentation, Checkpointing checkpointing, NonFiniteLoss onNonFiniteLoss) {
    /** 10 epochs of batch 64, seed 0, constant rate, no clipping, top-5 accuracy, no augmentation, no checkpoints. */
    public static final FitConfig DEFAULT = new FitConfig(10, 64, 0, LrSchedule.constant(), 0, 5, ImageAugmentation.NONE,
            Checkpointing.OFF, NonFiniteLoss.STOP);

    public FitConfig {
        if (epochs <= 0 || batchSize <= 0 || clipNorm < 0 || topK <= 0) {
            throw new IllegalArgumentException("FitConfig: epochs, batchSize and topK must be positive and clipNorm >= 0;"
                    + " got " + epochs + ", " + batchSize + ", " + topK + ", " + clipNorm);
        }
        if (schedule == null) {
            throw new IllegalArgumentException("FitConfig: schedule must not be null; use LrSchedule.constant()");
        }
        if (augmentation == null) {
            throw new IllegalArgumentException("FitConfig: augmentation must not be null; use ImageAugmentation.NONE");
        }
        if (checkpointing == null) {
            throw new IllegalArgumentException("FitConfig: checkpointing must not be null; use Checkpointing.OFF");
        }
        if (onNonFiniteLoss == null) {
            throw new IllegalArgumentException("FitConfig: onNonFiniteLoss must not be null; use NonFiniteLoss.STOP");
        }
    }

    public FitConfig withEpochs(int v) { return new FitConfig(v, batchSize, seed, schedule, clipNorm, topK, augmentation, checkpointing, onNonFiniteLoss); }
    public FitConfig withBatchSize(int v) { return new FitConfig(epochs, v, seed, schedule, clipNorm, topK, augmentation, checkpointing, onNonFiniteLoss); }
    public FitConfig withSeed(long v) { return new FitConfig(epochs, batchSize, v, schedule, clipNorm, topK, augmentation, checkpointing, onNonFiniteLoss); }
    public FitConfig withSchedule(LrSchedule v) { return new FitConfig(epochs, batchSize, seed, v, clipNorm, topK, augmentation, checkpointing, onNonFiniteLoss); }
    public FitConfig withClipNorm(double v) { return new FitConfig(epochs, batchSize, seed, schedule, v, topK, augmentation, checkpointing, onNonFiniteLoss); }
    public FitConfig withTopK(int v) { return new FitConfig(epochs, batchSize, seed, schedule, clipNorm, v, augmentation, checkpointing, onNonFiniteLoss); }
    public FitConfig withAugmentation(ImageAugmentation v) { return new FitConfig(epochs, batchSize, seed, schedule, clipNorm, topK, v, checkpointing, onNonFiniteLoss); }
    public FitConfig withCheckpointing(Checkpointing v) { return new FitConfig(epochs, batchSize, seed, schedule, clipNorm, topK, augmentation, v, onNonFiniteLoss); }
    public FitConfig withOnNonFiniteLoss(NonFiniteLoss v) { return new FitConfig(epochs, batchSize, seed, schedule, clipNorm, topK, augmentation, checkpointing, v); }
}
