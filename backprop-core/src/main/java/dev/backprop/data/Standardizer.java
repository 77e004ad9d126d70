package dev.backprop.data;

import dev.backprop.tensor.Tensor;

/**
 * Rescales each feature column to mean 0 and standard deviation 1 with statistics fitted on the
 * training split only (fitting on all data would leak the test set into training). Constant
 * columns are left centred with scale 1.
 *
 * <pre>{@code
 * Standardizer s = Standardizer.fit(split.train().features());
 * Tensor xTest = s.apply(split.test().features());
 * }</pre>
 */
public record Standardizer(Tensor mean, Tensor std) {

    /** Fits per-column statistics of a {@code [N, F]} feature matrix. */
    public static Standardizer fit(Tensor features) {
        Tensor x = features.reshape(features.size(0), -1);
        Tensor mean = x.mean(0, false);
        Tensor std = x.var(new int[] {0}, 0, false).sqrt();
        Tensor safe = Tensor.where(std.gt(Tensor.scalar(1e-12f)), std, Tensor.scalar(1f));
        return new Standardizer(mean.detach(), safe.detach());
    }

    public Tensor apply(Tensor features) {
        Tensor x = features.reshape(features.size(0), -1);
        return x.sub(mean).div(std).reshape(features.shape().dims());
    }
}
