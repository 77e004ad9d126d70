package dev.backprop.train;

/**
 * What one epoch of {@link Trainer#fit} produced: mean training loss, the evaluation on the
 * validation data (null without validation data), the learning rate used and the time taken.
 */
public record EpochResult(int epoch, double trainLoss, Evaluation validation, double lr, double seconds, int examples) {
    public double examplesPerSecond() {
        return seconds > 0 ? examples / seconds : 0;
    }
}
