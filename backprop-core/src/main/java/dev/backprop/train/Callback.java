package dev.backprop.train;

/**
 * Hooks into {@link Trainer#fit}: each method has a default that does nothing, so a callback
 * overrides only what it needs. Returning {@code true} from {@link #onEpochEnd} stops training.
 */
public interface Callback {
    default void onTrainBegin(int epochs, int batchesPerEpoch) {
    }

    default void onBatchEnd(int epoch, int batch, double loss, int examplesSoFar) {
    }

    /** Called after each epoch's validation; return true to stop training. */
    default boolean onEpochEnd(EpochResult result) {
        return false;
    }

    default void onTrainEnd(History history) {
    }
}
