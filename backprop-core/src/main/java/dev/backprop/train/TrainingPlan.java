package dev.backprop.train;

import dev.backprop.data.BatchSource;

/**
 * What a {@link Trainer#fit} run is about to do, told to {@link Callback#onTrainBegin}: its budget,
 * the batches in one pass of its source, the steps it takes in all, the epochs those steps span,
 * where it starts (after a resumption, later than epoch 1 and step 0), and the unit the source
 * counts its rows in.
 */
public record TrainingPlan(Budget budget, int batchesPerEpoch, long totalSteps, int startEpoch, long startStep,
                           BatchSource.Unit unit) {
    /** The number of epochs the run spans (the last may be partial when the budget is in steps). */
    public int epochs() {
        return (int) ((totalSteps + batchesPerEpoch - 1) / batchesPerEpoch);
    }
}
