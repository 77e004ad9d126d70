package dev.backprop.tensor;

import dev.backprop.backend.Backends;
import java.util.Arrays;

/** Factories for new tensors (constants, ranges, random draws) and copying values in and out. */
final class Creation {
    private Creation() {
    }

    static Tensor full(Shape shape, float value) {
        float[] data = new float[shape.numel()];
        if (value != 0f) {
            Arrays.fill(data, value);
        }
        return Tensor.wrap(data, shape);
    }

    static Tensor fromArray(float[] data, Shape shape) {
        if (data.length != shape.numel()) {
            throw new ShapeException("fromArray: " + data.length + " values cannot fill shape " + shape
                    + ", which holds " + shape.numel());
        }
        return Tensor.wrap(data.clone(), shape);
    }

    static Tensor written(Shape shape, java.util.function.Consumer<float[]> writer) {
        float[] data = StepMemory.uninitialized(shape.numel());
        writer.accept(data);
        return Tensor.wrap(data, shape);
    }

    static Tensor fromRows(float[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        float[] data = new float[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new ShapeException("of: row " + i + " has " + rows[i].length
                        + " values, row 0 has " + cols + "; all rows must have the same length");
            }
            System.arraycopy(rows[i], 0, data, i * cols, cols);
        }
        return Tensor.wrap(data, Shape.of(rows.length, cols));
    }

    static Tensor arange(float start, float end, float step) {
        if (step == 0f || Float.isNaN(step)) {
            throw new IllegalArgumentException("arange: step must be non-zero, got " + step);
        }
        int n = (int) Math.max(0, Math.ceil((end - (double) start) / step));
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = (float) (start + (double) i * step);
        }
        return Tensor.wrap(data, Shape.of(n));
    }

    static Tensor linspace(float start, float end, int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("linspace: steps must be >= 0, got " + steps);
        }
        float[] data = new float[steps];
        double step = steps > 1 ? ((double) end - start) / (steps - 1) : 0;
        for (int i = 0; i < steps; i++) {
            data[i] = (float) (start + i * step);
        }
        if (steps > 1) {
            data[steps - 1] = end;
        }
        return Tensor.wrap(data, Shape.of(steps));
    }

    static Tensor eye(int n) {
        float[] data = new float[n * n];
        for (int i = 0; i < n; i++) {
            data[i * n + i] = 1f;
        }
        return Tensor.wrap(data, Shape.of(n, n));
    }

    static Tensor rand(Generator g, Shape shape) {
        float[] data = new float[shape.numel()];
        for (int i = 0; i < data.length; i++) {
            data[i] = g.nextFloat();
        }
        return Tensor.wrap(data, shape);
    }

    static Tensor randn(Generator g, Shape shape) {
        float[] data = new float[shape.numel()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) g.nextGaussian();
        }
        return Tensor.wrap(data, shape);
    }

    static Tensor randint(Generator g, int low, int high, Shape shape) {
        float[] data = new float[shape.numel()];
        for (int i = 0; i < data.length; i++) {
            data[i] = g.nextInt(low, high);
        }
        return Tensor.wrap(data, shape);
    }

    /** The values of {@code t} in row-major order, in a new array. */
    static float[] copyOut(Tensor t) {
        float[] out = new float[t.numel()];
        Backends.active().copy(t.storage.data(), t.layout(), out, 0);
        return out;
    }

    /** A contiguous copy in a buffer of its own, never a step's, and no graph: one that outlives any step. */
    static Tensor ownCopy(Tensor t) {
        return Tensor.wrap(copyOut(t), t.shape);
    }

    /**
     * {@link #ownCopy} of {@code source}, but stored in {@code like}'s order when {@code like} is the whole of its
     * buffer in an order other than row-major ({@link Tensor#fillsStorage()}: a weight stored input-major), so a
     * gradient or an optimizer's state has the same slots as its parameter; row-major otherwise.
     */
    static Tensor ownCopyInLayoutOf(Tensor source, Tensor like) {
        if (like.isContiguous() || !like.fillsStorage()) {
            return ownCopy(source);
        }
        Tensor out = zerosInLayoutOf(like);
        InPlace.copy(out, source, "ownCopyInLayoutOf");
        return out;
    }

    /** Zeros of {@code like}'s shape in an array of their own, in like's order when like fills its buffer in another. */
    static Tensor zerosInLayoutOf(Tensor like) {
        if (like.isContiguous() || !like.fillsStorage()) {
            return full(like.shape, 0f);
        }
        return new Tensor(new Storage(new float[like.numel()]), like.shape, like.strides.clone(), 0);
    }

    /** A contiguous copy with its own storage and no graph (a step's buffer while a {@link StepMemory} step is open). */
    static Tensor copy(Tensor t) {
        float[] out = StepMemory.uninitialized(t.numel());
        Backends.active().copy(t.storage.data(), t.layout(), out, 0);
        return Tensor.wrap(out, t.shape);
    }

    /**
     * The values of {@code t} in row-major order: its own buffer when that already is exactly
     * those values, else a copy. Callers must only read the result.
     */
    static float[] readable(Tensor t) {
        if (t.offset == 0 && t.storage.data().length == t.numel() && t.isContiguous()) {
            return t.storage.data();
        }
        return copyOut(t);
    }

    static int flatIndex(Tensor t, int[] index) {
        if (index.length != t.rank()) {
            throw new IllegalArgumentException("get: " + index.length + " coordinates given for a tensor of shape "
                    + t.shape + ", which needs " + t.rank());
        }
        int p = t.offset;
        for (int d = 0; d < index.length; d++) {
            int size = t.shape.raw()[d];
            int i = index[d] < 0 ? index[d] + size : index[d];
            if (i < 0 || i >= size) {
                throw new IndexOutOfBoundsException("get: coordinate " + index[d] + " is out of range for dimension "
                        + d + " of shape " + t.shape);
            }
            p += i * t.strides[d];
        }
        return p;
    }
}
