package dev.backprop.data;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Mini-batches of a dataset, one pass per {@link #iterator()} call. With shuffling, each pass
 * draws a new order from the loader's generator, so the sequence of batches is the same on
 * every run with the same seed.
 *
 * <pre>{@code
 * DataLoader loader = new DataLoader(train, 128, true, false, new Generator(0));
 * for (DataLoader.Batch b : loader) { ... b.features() ... b.targets() ... }
 * }</pre>
 */
public final class DataLoader implements Iterable<DataLoader.Batch> {

    /** One mini-batch: features {@code [B, ...]} and targets {@code [B]}. */
    public record Batch(Tensor features, Tensor targets) {
        public int size() {
            return features.size(0);
        }
    }

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final Generator generator;

    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, Generator generator) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("DataLoader: batch size must be positive, got " + batchSize);
        }
        if (shuffle && generator == null) {
            throw new IllegalArgumentException("DataLoader: shuffling needs a generator");
        }
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.generator = generator;
    }

    /** An in-order loader without shuffling, for evaluation. */
    public static DataLoader sequential(Dataset dataset, int batchSize) {
        return new DataLoader(dataset, batchSize, false, false, null);
    }

    /** Number of batches in one pass. */
    public int batchCount() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
    }

    @Override
    public Iterator<Batch> iterator() {
        int n = dataset.size();
        int[] order = shuffle ? Dataset.permutation(n, generator) : identity(n);
        int batches = batchCount();
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batches;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("DataLoader: no more batches in this pass");
                }
                int start = next * batchSize;
                int end = Math.min(start + batchSize, n);
                next++;
                if (!shuffle) {
                    return new Batch(dataset.features().narrow(0, start, end - start),
                            dataset.targets().narrow(0, start, end - start));
                }
                Tensor idx = Dataset.indexTensor(java.util.Arrays.copyOfRange(order, start, end));
                return new Batch(dataset.features().indexSelect(0, idx), dataset.targets().indexSelect(0, idx));
            }
        };
    }

    private static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }
}
