package dev.backprop.tensor;

/**
 * The flat float buffer that a tensor and all its views share, with a version counter that
 * every in-place write bumps, so that backward can detect a saved tensor modified after use and
 * a weight's {@linkplain PackedWeights packed copy} is known to be stale. A buffer taken from a
 * {@link StepMemory} is given back when its step ends; the storage then refuses to be read.
 */
final class Storage {
    private final float[] data;
    private int version;
    private boolean recycled;
    /**
     * The storage made before this one over the same buffer of an open {@link StepMemory} step, or null: the
     * memory's chain of what to recycle with the buffer, kept here so that taking a buffer allocates nothing.
     */
    Storage sameBuffer;
    /** The backend's layout of this buffer as a dense layer's weight, for inference; see {@link PackedWeights}. */
    volatile PackedWeights.Entry packed;

    Storage(float[] data) {
        this.data = data;
        StepMemory.adopt(this, data);
    }

    /** The buffer. */
    float[] data() {
        if (recycled) {
            throw new IllegalStateException("a tensor computed during a training step (inside a StepMemory scope) was"
                    + " used after the step ended, and its buffer now belongs to the next step. Read what you need"
                    + " before the step ends (item(), toFloatArray()), or turn buffer reuse off for the run"
                    + " (FitConfig.withReusedBuffers(false))");
        }
        return data;
    }

    /** The buffer, recycled or not: for {@link StepMemory}'s bookkeeping, which compares buffers and never reads them. */
    float[] raw() {
        return data;
    }

    boolean isRecycled() {
        return recycled;
    }

    int version() {
        return version;
    }

    void bumpVersion() {
        version++;
    }

    /** Marks the buffer as given back to its step's memory. */
    void recycle() {
        recycled = true;
    }
}
