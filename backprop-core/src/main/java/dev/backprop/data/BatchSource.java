package dev.backprop.data;

import dev.backprop.tensor.Generator;
import java.util.Iterator;

/**
 * Where a training loop takes its mini-batches from, one pass (an epoch) at a time: a
 * {@link DataLoader} over a {@link Dataset} (a pass visits every example once), random windows of a
 * {@link TextCorpus} (a pass is a fixed number of draws, the steps between two loss estimates),
 * or any other source a user writes. Every random choice a source makes comes from its
 * {@link #generator()}; together with a pass's {@link #drawOrder() order} and the number of batches
 * already taken, the generator's state lets a checkpoint continue a pass exactly.
 *
 * <pre>{@code
 * BatchSource source = new DataLoader(train, 64, true, false, new Generator(0));
 * Iterator<Batch> pass = source.pass(source.drawOrder(), 0);
 * }</pre>
 */
public interface BatchSource {

    /** Batches in one pass. */
    int batchesPerEpoch();

    /** The generator behind this source's random choices (its state goes into checkpoints), or null if it makes none. */
    Generator generator();

    /**
     * Draws the order of a new pass from the generator: a permutation of the examples, or null
     * for a source whose passes need no order (random windows draw their positions as they go).
     */
    int[] drawOrder();

    /**
     * The batches of a pass with this {@code order} (as {@link #drawOrder()} made it), from batch {@code first} on.
     * The training loop takes each batch inside its step's {@link dev.backprop.tensor.StepMemory} scope, so a batch
     * the source computes there (decoded from bytes, gathered, augmented) lives in the step's buffers and ends with
     * the step; a source must not hand out a batch it made in an earlier step.
     */
    Iterator<Batch> pass(int[] order, int first);

    /** What the rows of a batch are counted in when a loop reports its speed. */
    Unit unit();

    /**
     * The data and their batching in words; a checkpoint records it, and resuming with a source
     * that describes itself differently is refused.
     */
    String describe();

    /**
     * A unit of throughput: a batch of {@code n} rows is {@code n * perRow} units called
     * {@code name} (examples, or the tokens of a window).
     */
    record Unit(String name, int perRow) {
        /** One unit per example, shown as "ex". */
        public static final Unit EXAMPLES = new Unit("ex", 1);

        public Unit {
            if (name == null || name.isBlank() || perRow <= 0) {
                throw new IllegalArgumentException("BatchSource.Unit: need a name and a positive count per row, got '"
                        + name + "' and " + perRow);
            }
        }

        /** Windows of {@code length} tokens, counted in tokens. */
        public static Unit tokens(int length) {
            return new Unit("tokens", length);
        }
    }
}
