package dev.backprop.data;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * Examples held in memory: features {@code [N, ...]} and targets {@code [N]} (class indices for
 * classification, values for regression) or {@code [N, k]} (several regression outputs). For
 * classification, {@code classNames} names each class index; for regression it is empty.
 *
 * <pre>{@code
 * Dataset.Split s = dataset.split(0.2, new Generator(0));   // 80% train, 20% held out
 * }</pre>
 */
public record Dataset(String name, Tensor features, Tensor targets, List<String> classNames) {

    /** A train part and a held-out part. */
    public record Split(Dataset train, Dataset test) {
    }

    public Dataset {
        classNames = List.copyOf(classNames);
        if (features.rank() == 0 || targets.rank() == 0 || features.size(0) != targets.size(0)) {
            throw new ShapeException("dataset '" + name + "': features " + features.shape() + " and targets "
                    + targets.shape() + " must both have the number of examples as their first dimension");
        }
        if (features.size(0) == 0) {
            throw new IllegalArgumentException("dataset '" + name + "' is empty: it has no examples");
        }
        if (!classNames.isEmpty()) {
            checkLabels(name, targets, classNames.size());
        }
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
        return features.size(0);
    }

    public boolean isClassification() {
        return !classNames.isEmpty();
    }

    public int numClasses() {
        return classNames.size();
    }

    /** Number of input values per example. */
    public int featureCount() {
        return features.numel() / size();
    }

    /** The examples at {@code indices}, in that order. */
    public Dataset subset(int[] indices) {
        Tensor idx = indexTensor(indices);
        return new Dataset(name, features.indexSelect(0, idx), targets.indexSelect(0, idx), classNames);
    }

    /** The same examples with other features (e.g. standardised), keeping targets and names. */
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
        return "Dataset[" + name + ", " + size() + " examples, features " + features.shape()
                + (isClassification() ? ", " + numClasses() + " classes]" : ", regression]");
    }
}
