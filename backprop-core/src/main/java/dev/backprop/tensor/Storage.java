package dev.backprop.tensor;

/**
 * The flat float buffer that a tensor and all its views share, with a version counter that
 * every in-place write bumps, so that backward can detect a saved tensor modified after use.
 */
final class Storage {
    final float[] data;
    private int version;

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
