package dev.backprop.compare;

/**
 * One framework training one network an epoch at a time, so that {@link Compare} can alternate the frameworks' epochs:
 * each framework's best epoch then comes from the same minutes as the others', on machines whose speed moves by
 * 10-30% from one minute to the next.
 */
interface EpochRun extends AutoCloseable {
    /** The framework's name and version, as printed. */
    String framework();

    /** What else to print beside the figure (threads, backend). */
    String note();

    /** Trains one epoch, its batches shuffled with {@code seed}, and returns its seconds. */
    double epoch(int seed) throws Exception;

    /** The training loss of the last epoch (its mean over batches where the framework gives one). */
    double lastLoss();

    @Override
    default void close() throws Exception {
    }
}
