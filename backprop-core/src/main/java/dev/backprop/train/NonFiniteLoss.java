package dev.backprop.train;

/** What {@link Trainer#fit} does when a batch's loss is NaN or infinite. */
public enum NonFiniteLoss {
    /** Stop with an error naming the epoch and batch, before the bad step changes anything (the default). */
    STOP,
    /** Leave the parameters as they are for that batch, count it in {@link EpochResult#skippedBatches()}, and go on. */
    SKIP_BATCH
}
