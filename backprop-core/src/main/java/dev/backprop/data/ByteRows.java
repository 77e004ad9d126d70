package dev.backprop.data;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/**
 * Examples kept as one unsigned byte per value (pixels 0..255), a quarter of their size as floats,
 * and turned into floats only a batch at a time, each byte divided by the set's divisor (for MNIST,
 * {@code b / 255f}, bit for bit what dividing the whole set up front gave) by the backend's
 * {@link Backend#bytesToFloats}. A subset is an index list into the same bytes, so splitting a
 * training set into train and validation parts copies nothing.
 */
final class ByteRows {
    private final byte[] data;
    private final int rowLength;
    /** The rows of {@code data} in this set's order; null for all of them in order. */
    private final int[] rows;
    /** What each byte is divided by. */
    private final float divisor;
    /** One example's shape, e.g. {@code [1, 28, 28]}. */
    private final int[] example;
    /** Values from which a batch is decoded in parallel parts: 32,768 bytes in, 128 KB of floats out. */
    private static final int PARALLEL_VALUES = 1 << 15;
    /** Where {@link #touch}'s sums go, so that the JIT keeps its loads; never read. */
    @SuppressWarnings("unused")
    private static int touchSink;

    /**
     * Examples of shape {@code example}, each byte read as {@code b / divisor}; the divisor is finite and non-zero
     * ({@link Dataset#ofBytes}, the one caller, checks it).
     */
    ByteRows(byte[] data, int[] example, float divisor) {
        this(data, rowLength(example), null, divisor, example);
        if (rowLength == 0) {
            throw new IllegalArgumentException("ByteRows: examples of shape " + Arrays.toString(example)
                    + " have no values; each example needs at least one");
        }
        if (data.length % rowLength != 0) {
            throw new IllegalArgumentException("ByteRows: " + data.length + " bytes are not a whole number of examples of "
                    + Arrays.toString(example));
        }
    }

    private ByteRows(byte[] data, int rowLength, int[] rows, float divisor, int[] example) {
        this.data = data;
        this.rowLength = rowLength;
        this.rows = rows;
        this.divisor = divisor;
        this.example = example.clone();
    }

    private static int rowLength(int[] example) {
        int n = 1;
        for (int d : example) {
            n *= d;
        }
        return n;
    }

    int size() {
        return rows == null ? data.length / rowLength : rows.length;
    }

    int[] example() {
        return example.clone();
    }

    /** The same examples with another example shape of as many values ({@code [784]} for {@code [1, 28, 28]}). */
    ByteRows reshaped(int[] newExample) {
        if (rowLength(newExample) != rowLength) {
            throw new IllegalArgumentException("ByteRows: examples of " + Arrays.toString(example) + " cannot be viewed as "
                    + Arrays.toString(newExample));
        }
        return new ByteRows(data, rowLength, rows, divisor, newExample);
    }

    /** The examples at {@code indices} of this set, sharing its bytes. */
    ByteRows subset(int[] indices) {
        int[] picked = new int[indices.length];
        int n = size();
        for (int i = 0; i < indices.length; i++) {
            int k = indices[i];
            if (k < 0 || k >= n) {
                throw new IndexOutOfBoundsException("ByteRows: example " + k + " of a set of " + n);
            }
            picked[i] = rows == null ? k : rows[k];
        }
        return new ByteRows(data, rowLength, picked, divisor, example);
    }

    /** Examples {@code from .. from + count} as floats {@code [count, example...]}. */
    Tensor range(int from, int count) {
        if (from < 0 || count < 0 || from + count > size()) {
            throw new IndexOutOfBoundsException("ByteRows: examples " + from + " .. " + (from + count) + " of a set of "
                    + size());
        }
        return decode(count, i -> from + i);
    }

    /** The examples at {@code indices} as floats {@code [indices.length, example...]}. */
    Tensor gather(int[] indices) {
        int n = size();
        for (int k : indices) {
            if (k < 0 || k >= n) {
                throw new IndexOutOfBoundsException("ByteRows: example " + k + " of a set of " + n);
            }
        }
        return decode(indices.length, i -> indices[i]);
    }

    /**
     * Examples {@code indexOf.applyAsInt(0 .. count - 1)} of this set as floats {@code [count, example...]}, written
     * straight into the tensor's buffer (a step's recycled buffer when a training step is open, so a batch
     * decoded there allocates nothing). A batch of at least {@link #PARALLEL_VALUES} values is decoded in parts,
     * one per thread the backend has: on the calling thread alone a batch of 128 MNIST images was 8% of the main
     * thread's time in the MNIST MLP's training, while the other core waited (the AVX2 machine, 2026-12-05, perf).
     * Each part first {@link #touch touches} its rows, then decodes them.
     */
    private Tensor decode(int count, java.util.function.IntUnaryOperator indexOf) {
        int[] shape = new int[example.length + 1];
        shape[0] = count;
        System.arraycopy(example, 0, shape, 1, example.length);
        return Tensor.written(out -> {
            Backend backend = Backends.active();
            int parts = (int) Math.max(1, Math.min(Math.min(backend.parallelism(), count),
                    (long) count * rowLength / PARALLEL_VALUES));
            backend.parallel(parts, part -> {
                int first = count * part / parts;
                int end = count * (part + 1) / parts;
                touchSink = touch(first, end, indexOf);
                for (int i = first; i < end; i++) {
                    int k = indexOf.applyAsInt(i);
                    int row = rows == null ? k : rows[k];
                    backend.bytesToFloats(data, row * rowLength, divisor, out, i * rowLength, rowLength);
                }
            });
        }, shape);
    }

    /**
     * Reads one byte of every cache line of examples {@code indexOf(first .. end - 1)} and returns their sum. Rows drawn
     * at random from a set of tens of megabytes come from far caches or memory, and decoded one after another each row's
     * lines are waited for a few at a time; these loads depend on nothing, so the core has many of them in flight, and
     * the decoding that follows finds the rows in its own cache. A batch of 128 MNIST images in the MNIST MLP's training
     * (from the 3,000th step, two threads, the Intel Xeon, 2026-12-07): 49-57 us a step against 87-95 decoded straight.
     * Rows of floats copied with {@code System.arraycopy} were slower touched first (a harness: 44-49 us a batch against
     * 36-43; the copy keeps many lines in flight itself).
     */
    private int touch(int first, int end, java.util.function.IntUnaryOperator indexOf) {
        int sum = 0;
        for (int i = first; i < end; i++) {
            int k = indexOf.applyAsInt(i);
            int src = (rows == null ? k : rows[k]) * rowLength;
            for (int q = src, last = src + rowLength - 1; q < last; q += 64) {
                sum += data[q];
            }
            sum += data[src + rowLength - 1];
        }
        return sum;
    }

    /** Every example as floats (for the few uses that need the whole set at once). */
    Tensor all() {
        return range(0, size());
    }
}
