package dev.backprop.train;

/**
 * What one epoch of {@link Trainer#fit} produced: mean training loss, the evaluation on the
 * validation data (null without validation data), the learning rate used, the time taken, and
 * how many batches were skipped for a non-finite loss ({@link NonFiniteLoss#SKIP_BATCH}).
 */
public record EpochResult(int epoch, double trainLoss, Evaluation validation, double lr, double seconds, int examples,
                          int skippedBatches) {
    public double examplesPerSecond() {
        return seconds > 0 ? examples / seconds : 0;
    }
}
