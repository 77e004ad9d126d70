package dev.backprop.train;

/**
 * Hooks into {@link Trainer#fit}: each method has a default that does nothing, so a callback
 * overrides only what it needs. Returning {@code true} from {@link #onEpochEnd} stops training.
 */
public interface Callback {
    /** Called once before the first step, with what the run will do. */
    default void onTrainBegin(TrainingPlan plan) {
    }

    /**
     * Called after each batch's step (the gradients are still in place), with the epoch and the
     * batch within it (both from 1), its loss (NaN for a skipped batch) and the examples of the
     * epoch so far.
     */
    default void onBatchEnd(int epoch, int batch, double loss, int examplesSoFar) {
    }

    /** Called after each epoch's validation; return true to stop training. */
    default boolean onEpochEnd(EpochResult result) {
        return false;
    }

    default void onTrainEnd(History history) {
    }

    /** Called after each checkpoint file is written whole (and older ones pruned), with its path. */
    default void onCheckpoint(java.nio.file.Path file) {
    }
}
