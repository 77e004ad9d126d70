package dev.backprop.train;

import dev.backprop.data.ImageAugmentation;
import dev.backprop.optim.schedule.LrSchedule;

/**
 * Settings of one {@link Trainer#fit} run. {@code budget} is how long it trains (epochs or
 * steps); the schedule is applied per epoch (epoch 0 first) or per step, as {@code scheduleUnit}
 * says; {@code clipNorm} 0 turns gradient clipping off; {@code onNonFiniteLoss} whether a NaN or
 * infinite loss stops training or skips its batch; {@code checkpointing} says where and how often
 * checkpoints are saved that {@link Trainer#resume} continues from. When the trainer makes the
 * batches from a {@code Dataset} itself, {@code batchSize}, {@code seed} (shuffling and augmentation
 * draws: same seed, same batches), {@code augmentation} (training images only) and {@code topK}
 * (validation metrics) say how; a {@code BatchSource} given to fit brings its own. With
 * {@code reuseBuffers} (the default) every step runs in a {@link dev.backprop.tensor.StepMemory}
 * step: the activations and gradients of one step live in the buffers of the one before, and no
 * tensor computed during a step may be used after it (a {@link Trainer#batchLoss} override that keeps
 * one would need it off).
 */
public record FitConfig(Budget budget, int batchSize, long seed, LrSchedule schedule, ScheduleUnit scheduleUnit,
                        double clipNorm, int topK, ImageAugmentation augmentation, Checkpointing checkpointing,
                        NonFiniteLoss onNonFiniteLoss, boolean reuseBuffers) {
    /**
     * 10 epochs of batch 64, seed 0, constant rate, no clipping, top-5 accuracy, no augmentation, no checkpoints, stop on
     * NaN, buffers reused from step to step.
     */
    public static final FitConfig DEFAULT = new FitConfig(Budget.epochs(10), 64, 0, LrSchedule.constant(), ScheduleUnit.EPOCH,
            0, 5, ImageAugmentation.NONE, Checkpointing.OFF, NonFiniteLoss.STOP, true);

    /** What the schedule's step count counts. */
    public enum ScheduleUnit {
        /** The rate changes at the start of each epoch (epoch 0 first). */
        EPOCH,
        /** The rate changes before every optimizer step (step 0 first), as warm-up schedules need. */
        STEP
    }

    public FitConfig {
        if (batchSize <= 0 || !(clipNorm >= 0) || topK <= 0) {
            throw new IllegalArgumentException("FitConfig: batchSize and topK must be positive and clipNorm >= 0;"
                    + " got " + batchSize + ", " + topK + ", " + clipNorm);
        }
        requireNonNull(budget, "budget", "Budget.epochs(10)");
        requireNonNull(schedule, "schedule", "LrSchedule.constant()");
        requireNonNull(scheduleUnit, "scheduleUnit", "ScheduleUnit.EPOCH");
        requireNonNull(augmentation, "augmentation", "ImageAugmentation.NONE");
        requireNonNull(checkpointing, "checkpointing", "Checkpointing.OFF");
        requireNonNull(onNonFiniteLoss, "onNonFiniteLoss", "NonFiniteLoss.STOP");
    }

    private static void requireNonNull(Object value, String name, String instead) {
        if (value == null) {
            throw new IllegalArgumentException("FitConfig: " + name + " must not be null; use " + instead);
        }
    }

    public FitConfig withBudget(Budget v) { return new FitConfig(v, batchSize, seed, schedule, scheduleUnit, clipNorm, topK, augmentation, checkpointing, onNonFiniteLoss, reuseBuffers); }
    /** Trains for {@code v} epochs. */
    public FitConfig withEpochs(int v) { return withBudget(Budget.epochs(v)); }
    /** Trains for {@code v} optimizer steps. */
    public FitConfig withSteps(long v) { return withBudget(Budget.steps(v)); }
    public FitConfig withBatchSize(int v) { return new FitConfig(budget, v, seed, schedule, scheduleUnit, clipNorm, topK, augmentation, checkpointing, onNonFiniteLoss, reuseBuffers); }
    public FitConfig withSeed(long v) { return new FitConfig(budget, batchSize, v, schedule, scheduleUnit, clipNorm, topK, augmentation, checkpointing, onNonFiniteLoss, reuseBuffers); }
    /** A schedule applied at the start of each epoch. */
    public FitConfig withSchedule(LrSchedule v) { return new FitConfig(budget, batchSize, seed, v, ScheduleUnit.EPOCH, clipNorm, topK, augmentation, checkpointing, onNonFiniteLoss, reuseBuffers); }
    /** A schedule applied before every step. */
    public FitConfig withStepSchedule(LrSchedule v) { return new FitConfig(budget, batchSize, seed, v, ScheduleUnit.STEP, clipNorm, topK, augmentation, checkpointing, onNonFiniteLoss, reuseBuffers); }
    public FitConfig withClipNorm(double v) { return new FitConfig(budget, batchSize, seed, schedule, scheduleUnit, v, topK, augmentation, checkpointing, onNonFiniteLoss, reuseBuffers); }
    public FitConfig withTopK(int v) { return new FitConfig(budget, batchSize, seed, schedule, scheduleUnit, clipNorm, v, augmentation, checkpointing, onNonFiniteLoss, reuseBuffers); }
    public FitConfig withAugmentation(ImageAugmentation v) { return new FitConfig(budget, batchSize, seed, schedule, scheduleUnit, clipNorm, topK, v, checkpointing, onNonFiniteLoss, reuseBuffers); }
    public FitConfig withCheckpointing(Checkpointing v) { return new FitConfig(budget, batchSize, seed, schedule, scheduleUnit, clipNorm, topK, augmentation, v, onNonFiniteLoss, reuseBuffers); }
    public FitConfig withOnNonFiniteLoss(NonFiniteLoss v) { return new FitConfig(budget, batchSize, seed, schedule, scheduleUnit, clipNorm, topK, augmentation, checkpointing, v, reuseBuffers); }
    /** Whether steps reuse the previous step's activation and gradient buffers (see {@link dev.backprop.tensor.StepMemory}). */
    public FitConfig withReusedBuffers(boolean v) { return new FitConfig(budget, batchSize, seed, schedule, scheduleUnit, clipNorm, topK, augmentation, checkpointing, onNonFiniteLoss, v); }
}
