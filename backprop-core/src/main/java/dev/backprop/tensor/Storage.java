package dev.backprop.tensor;

/**
 * The flat float buffer that a tensor and all its views share, with a version counter that
 * every in-place write bumps, so that backward can detect a saved tensor modified after use and
 * a weight's {@linkplain PackedWeights packed copy} is known to be stale.
 */
final class Storage {
    final float[] data;
    private int version;
    /** The backend's layout of this buffer as a dense layer's weight, for inference; see {@link PackedWeights}. */
    volatile PackedWeights.Entry packed;

    Storage(float[] data) {
        this.data = data;
    }

    int version() {
        return version;
    }

    void bumpVersion() {
        version++;
    }
}
