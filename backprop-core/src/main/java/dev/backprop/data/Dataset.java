package dev.backprop.data;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Shape;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * Examples held in memory: features {@code [N, ...]} and targets {@code [N]} (class indices for
 * classification, values for regression) or {@code [N, k]} (several regression outputs). For
 * classification, {@code classNames} names each class index; for regression it is empty.
 *
 * <p>Images can be held compactly, one byte per pixel ({@link #ofBytes}): a quarter of the memory of
 * floats, decoded a batch at a time by {@link #rows} and {@link #range}, and split or subset without
 * copying. {@link #features()} gives every example as floats either way.
 *
 * <pre>{@code
 * Dataset.Split s = dataset.split(0.2, new Generator(0));   // 80% train, 20% held out
 * Tensor batch = s.train().rows(new int[] {3, 1, 4});        // [3, ...] as floats
 * }</pre>
 */
public final class Dataset {
    private final String name;
    /** The features as floats; null when they are kept as bytes. */
    private final Tensor features;
    /** The features as bytes; null when they are floats. */
    private final ByteRows bytes;
    private final Tensor targets;
    private final List<String> classNames;

    /** A train part and a held-out part. */
    public record Split(Dataset train, Dataset test) {
    }

    public Dataset(String name, Tensor features, Tensor targets, List<String> classNames) {
        this(name, features, null, targets, classNames);
    }

    private Dataset(String name, Tensor features, ByteRows bytes, Tensor targets, List<String> classNames) {
        this.name = name;
        this.features = features;
        this.bytes = bytes;
        this.targets = targets;
        this.classNames = List.copyOf(classNames);
        Shape shape = featureShape();
        if (shape.rank() == 0 || targets.rank() == 0 || shape.size(0) != targets.size(0)) {
            throw new ShapeException("dataset '" + name + "': features " + shape + " and targets "
                    + targets.shape() + " must both have the number of examples as their first dimension");
        }
        if (shape.size(0) == 0) {
            throw new IllegalArgumentException("dataset '" + name + "' is empty: it has no examples");
        }
        if (!this.classNames.isEmpty()) {
            checkLabels(name, targets, this.classNames.size());
        }
    }

    /**
     * A dataset whose examples of shape {@code example} are stored as unsigned bytes, row after row
     * in {@code values}, and read as {@code b / divisor} (255 maps pixels to [0, 1]).
     */
    public static Dataset ofBytes(String name, byte[] values, int[] example, float divisor, Tensor targets,
                                  List<String> classNames) {
        if (!(divisor != 0 && Float.isFinite(divisor))) {
            throw new IllegalArgumentException("dataset '" + name + "': the divisor must be finite and non-zero, got "
                    + divisor);
        }
        return new Dataset(name, null, new ByteRows(values, example, divisor), targets, classNames);
    }

    public String name() {
        return name;
    }

    /**
     * Every example's features as floats {@code [N, ...]}. For a set kept as bytes this decodes all of
     * it into a new tensor (four times the bytes); training and evaluation read {@link #rows} instead.
     */
    public Tensor features() {
        return bytes == null ? features : bytes.all();
    }

    public Tensor targets() {
        return targets;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The shape of {@link #features()}, {@code [N, ...]}, without decoding anything. */
    public Shape featureShape() {
        if (bytes == null) {
            return features.shape();
        }
        int[] example = bytes.example();
        int[] dims = new int[example.length + 1];
        dims[0] = bytes.size();
        System.arraycopy(example, 0, dims, 1, example.length);
        return Shape.of(dims);
    }

    /** Whether the features are kept as bytes ({@link #ofBytes}). */
    public boolean isCompact() {
        return bytes != null;
    }

    /** The features of the examples at {@code indices}, in that order, as a new float tensor. */
    public Tensor rows(int[] indices) {
        return bytes == null ? features.indexSelect(0, indexTensor(indices)) : bytes.gather(indices);
    }

    /** The examples at {@code indices} as a batch: their features (as {@link #rows}) and their targets. */
    public Batch batch(int[] indices) {
        Tensor idx = indexTensor(indices);
        Tensor x = bytes == null ? features.indexSelect(0, idx) : bytes.gather(indices);
        return new Batch(x, targets.indexSelect(0, idx));
    }

    /** Examples {@code from .. from + count} as a batch (views of float features and targets; decoded bytes otherwise). */
    public Batch batch(int from, int count) {
        return new Batch(range(from, count), targets.narrow(0, from, count));
    }

    /** The features of examples {@code from .. from + count} (a view of float features, decoded bytes otherwise). */
    public Tensor range(int from, int count) {
        return bytes == null ? features.narrow(0, from, count) : bytes.range(from, count);
    }

    /** The same examples with each one's features in one row: {@code [N, F]}. */
    public Dataset flattened() {
        if (featureShape().rank() == 2) {
            return this;
        }
        return bytes == null ? withFeatures(features.reshape(size(), -1))
                : new Dataset(name, null, bytes.reshaped(new int[] {featureCount()}), targets, classNames);
    }

    private static void checkLabels(String name, Tensor targets, int classes) {
        float[] labels = targets.toFloatArray();
        for (int i = 0; i < labels.length; i++) {
            float v = labels[i];
            if (v != Math.rint(v) || v < 0 || v >= classes) {
                throw new IllegalArgumentException("dataset '" + name + "': label " + v + " of example " + i
                        + " is not a class index in [0, " + classes + ")");
            }
        }
    }

    public int size() {
        return targets.size(0);
    }

    public boolean isClassification() {
        return !classNames.isEmpty();
    }

    public int numClasses() {
        return classNames.size();
    }

    /** Number of input values per example. */
    public int featureCount() {
        return featureShape().numel() / size();
    }

    /** The examples at {@code indices}, in that order. */
    public Dataset subset(int[] indices) {
        Tensor idx = indexTensor(indices);
        return bytes == null ? new Dataset(name, features.indexSelect(0, idx), targets.indexSelect(0, idx), classNames)
                : new Dataset(name, null, bytes.subset(indices), targets.indexSelect(0, idx), classNames);
    }

    /** The same examples with other features (e.g. standardised; as floats), keeping targets and names. */
    public Dataset withFeatures(Tensor newFeatures) {
        return new Dataset(name, newFeatures, targets, classNames);
    }

    /**
     * A seeded random split with {@code testFraction} of the examples held out. Classification
     * data is split per class (stratified), so both parts keep the class proportions, which
     * matters for small sets such as iris.
     */
    public Split split(double testFraction, Generator generator) {
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("split: test fraction must be in (0, 1), got " + testFraction);
        }
        int[] order = permutation(size(), generator);
        int[] groups = new int[size()];
        int groupCount = 1;
        if (isClassification()) {
            float[] labels = targets.toFloatArray();
            for (int i = 0; i < groups.length; i++) {
                groups[i] = (int) labels[i];
            }
            groupCount = numClasses();
        }
        int[] perGroup = new int[groupCount];
        for (int g : groups) {
            perGroup[g]++;
        }
        int[] testQuota = new int[groupCount];
        for (int g = 0; g < groupCount; g++) {
            testQuota[g] = (int) Math.round(perGroup[g] * testFraction);
        }
        int[] train = new int[size()];
        int[] test = new int[size()];
        int nTrain = 0;
        int nTest = 0;
        for (int i : order) {
            if (testQuota[groups[i]] > 0) {
                testQuota[groups[i]]--;
                test[nTest++] = i;
            } else {
                train[nTrain++] = i;
            }
        }
        if (nTest == 0 || nTrain == 0) {
            throw new IllegalArgumentException("split: " + size() + " examples cannot be split with test fraction "
                    + testFraction);
        }
        return new Split(subset(java.util.Arrays.copyOf(train, nTrain)), subset(java.util.Arrays.copyOf(test, nTest)));
    }

    /**
     * Stratified k-fold cross-validation: the examples are shuffled once, dealt into {@code k}
     * folds class by class, and split {@code i} holds fold {@code i} out for testing. Every
     * example is tested exactly once, which gives a steadier estimate than one split of a small set.
     */
    public java.util.List<Split> folds(int k, Generator generator) {
        if (k < 2 || k > size()) {
            throw new IllegalArgumentException("folds: k must be in [2, " + size() + "], got " + k);
        }
        int[] order = permutation(size(), generator);
        float[] labels = isClassification() ? targets.toFloatArray() : new float[size()];
        int[] fold = new int[size()];
        int[] dealt = new int[Math.max(1, numClasses())];
        for (int i : order) {
            int g = (int) labels[i];
            fold[i] = dealt[g]++ % k;
        }
        java.util.List<Split> splits = new java.util.ArrayList<>();
        for (int f = 0; f < k; f++) {
            int[] train = new int[size()];
            int[] test = new int[size()];
            int nTrain = 0;
            int nTest = 0;
            for (int i : order) {
                if (fold[i] == f) {
                    test[nTest++] = i;
                } else {
                    train[nTrain++] = i;
                }
            }
            splits.add(new Split(subset(java.util.Arrays.copyOf(train, nTrain)), subset(java.util.Arrays.copyOf(test, nTest))));
        }
        return splits;
    }

    /** A uniformly random permutation of {@code 0 .. n-1} (Fisher-Yates). */
    static int[] permutation(int n, Generator generator) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = generator.nextInt(0, i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return order;
    }

    static Tensor indexTensor(int[] indices) {
        float[] f = new float[indices.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = indices[i];
        }
        return Tensor.fromArray(f, f.length);
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ", " + size() + " examples, features " + featureShape() + (bytes == null ? "" : " as bytes")
                + (isClassification() ? ", " + numClasses() + " classes]" : ", regression]");
    }
}
