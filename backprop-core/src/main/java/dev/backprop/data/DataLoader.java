package dev.backprop.data;

import dev.backprop.tensor.Generator;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Mini-batches of a dataset, one pass per {@link #iterator()} call. With shuffling, each pass
 * draws a new order from the loader's generator, so the sequence of batches is the same on
 * every run with the same seed.
 *
 * <pre>{@code
 * DataLoader loader = new DataLoader(train, 128, true, false, new Generator(0));
 * for (Batch b : loader) { ... b.inputs() ... b.targets() ... }
 * }</pre>
 */
public final class DataLoader implements Iterable<Batch>, BatchSource {

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final Generator generator;
    private final ImageAugmentation augmentation;

    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, Generator generator) {
        this(dataset, batchSize, shuffle, dropLast, generator, ImageAugmentation.NONE);
    }

    /**
     * A loader whose batches are augmented (training only): the augmentation's draws come from
     * {@code generator} after each pass's shuffle, so a seed fixes them too.
     */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, boolean dropLast, Generator generator,
                      ImageAugmentation augmentation) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("DataLoader: batch size must be positive, got " + batchSize);
        }
        if ((shuffle || !augmentation.isIdentity()) && generator == null) {
            throw new IllegalArgumentException("DataLoader: shuffling and augmentation need a generator");
        }
        if (!augmentation.isIdentity() && dataset.featureShape().rank() != 4) {
            throw new IllegalArgumentException("DataLoader: augmentation needs images [N, C, H, W], but "
                    + dataset.name() + " has features of shape " + dataset.featureShape());
        }
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.generator = generator;
        this.augmentation = augmentation;
    }

    /** An in-order loader without shuffling, for evaluation. */
    public static DataLoader sequential(Dataset dataset, int batchSize) {
        return new DataLoader(dataset, batchSize, false, false, null);
    }

    /** Number of batches in one pass. */
    @Override
    public int batchesPerEpoch() {
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
        return pass(drawOrder(), 0);
    }

    /** The example order of a new pass: a permutation drawn from the generator when shuffling, else 0..n-1. */
    @Override
    public int[] drawOrder() {
        int n = dataset.size();
        return shuffle ? Dataset.permutation(n, generator) : identity(n);
    }

    /** The generator shuffles and augmentations draw from (null for a sequential loader). */
    @Override
    public Generator generator() {
        return generator;
    }

    /**
     * The batches of one pass over the examples in {@code order}, starting at batch {@code first}:
     * with the order and the generator's state saved mid-pass, a checkpoint resumes the pass exactly.
     */
    @Override
    public Iterator<Batch> pass(int[] order, int first) {
        int n = dataset.size();
        if (order == null || order.length != n) {
            throw new IllegalArgumentException("DataLoader: an order of " + (order == null ? "no" : order.length) + " examples for a dataset of " + n);
        }
        int batches = batchesPerEpoch();
        if (first < 0 || first > batches) {
            throw new IllegalArgumentException("DataLoader: batch " + first + " is outside the pass of " + batches + " batches");
        }
        boolean inOrder = isIdentity(order);   // then batches are views, not copies
        return new Iterator<>() {
            private int next = first;

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
                Batch batch;
                if (inOrder) {
                    batch = dataset.batch(start, end - start);
                } else {
                    batch = dataset.batch(java.util.Arrays.copyOfRange(order, start, end));
                }
                return augmentation.isIdentity() ? batch
                        : new Batch(augmentation.apply(batch.inputs(), generator), batch.targets());
            }
        };
    }

    @Override
    public Unit unit() {
        return Unit.EXAMPLES;
    }

    @Override
    public String describe() {
        return dataset.size() + " examples of " + dataset.featureShape() + " in batches of " + batchSize
                + (shuffle ? ", shuffled" : "") + (dropLast ? ", last partial batch dropped" : "")
                + (augmentation.isIdentity() ? "" : ", " + augmentation);
    }

    private static boolean isIdentity(int[] order) {
        for (int i = 0; i < order.length; i++) {
            if (order[i] != i) {
                return false;
            }
        }
        return true;
    }

    private static int[] identity(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        return order;
    }
}
