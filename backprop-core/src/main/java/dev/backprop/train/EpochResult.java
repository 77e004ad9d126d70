package dev.backprop.train;

import dev.backprop.data.BatchSource;

/**
 * What one epoch of {@link Trainer#fit} produced (a pass of the batch source, or its part up to the
 * end of a budget in steps): the steps done by its end, the mean training loss, the evaluation on
 * the validation data (null without validation), the learning rate at its end, the training time
 * (validation excluded), the examples seen, how many batches were skipped for a non-finite loss
 * ({@link NonFiniteLoss#SKIP_BATCH}), and the unit the source counts rows in.
 */
public record EpochResult(int epoch, long step, double trainLoss, Evaluation validation, double lr, double seconds,
                          int examples, int skippedBatches, BatchSource.Unit unit) {
    public double examplesPerSecond() {
        return seconds > 0 ? examples / seconds : 0;
    }

    /** Throughput in the source's unit: examples per second, or tokens per second for text windows. */
    public double unitsPerSecond() {
        return examplesPerSecond() * unit.perRow();
    }
}
