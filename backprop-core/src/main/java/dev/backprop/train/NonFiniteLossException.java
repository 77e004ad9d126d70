package dev.backprop.train;

/**
 * Training stopped because a batch's loss was NaN or infinite ({@link NonFiniteLoss#STOP}): the
 * parameters, the optimizer and the last checkpoint are as they were before that batch. Names
 * the epoch, the batch within it, the step and the learning rate.
 */
public final class NonFiniteLossException extends ArithmeticException {
    private final int epoch;
    private final int batch;
    private final long step;
    private final float loss;

    NonFiniteLossException(int epoch, int batch, long step, float loss, double lr) {
        super("training diverged: loss is " + loss + " at epoch " + epoch + ", batch " + batch + " (step " + step
                + ", learning rate " + lr + "); the parameters and the last checkpoint are as they were before this"
                + " batch. Lower the learning rate, clip gradients, skip such batches (NonFiniteLoss.SKIP_BATCH) or find"
                + " the op that produced it with anomaly detection (Module.detectAnomalies)");
        this.epoch = epoch;
        this.batch = batch;
        this.step = step;
        this.loss = loss;
    }

    /** The epoch, from 1. */
    public int epoch() {
        return epoch;
    }

    /** The batch within the epoch, from 1. */
    public int batch() {
        return batch;
    }

    /** The optimizer step the batch would have made, from 1. */
    public long step() {
        return step;
    }

    public float loss() {
        return loss;
    }
}
