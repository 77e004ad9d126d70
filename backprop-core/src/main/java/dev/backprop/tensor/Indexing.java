package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;

/**
 * Reading and adding at integer positions: {@code indexSelect}, {@code gather} and
 * {@code scatterAdd}, the building blocks of embeddings and classification losses. Index tensors
 * hold whole numbers as float32 (exact up to 2^24); each is validated before any kernel runs. The
 * gradient of a read is an add at the same positions, and the other way round.
 */
final class Indexing {
    /** Floats from which {@link #selectRows} splits its copies across threads (as a byte-held data set's batches). */
    private static final int PARALLEL_FLOATS = 1 << 15;

    private Indexing() {
    }

    static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        int d = x.shape.normalizeDim("indexSelect", dim);
        if (index.rank() > 1) {
            throw new ShapeException("indexSelect: index must be 1-D, got shape " + index.shape);
        }
        int[] picks = toIndices("indexSelect", index, x.shape.raw()[d], d, x.shape);
        int[] dims = x.shape.dims();
        dims[d] = picks.length;
        if (d == 0 && x.isContiguous()) {
            // Whole rows (a mini-batch, an embedding lookup): copied as blocks, and the gradient
            // added back row by row in index order.
            Tensor rows = selectRows(x, picks, dims);
            int row = x.numel() / Math.max(1, x.shape.raw()[0]);
            return Graph.op("indexSelect", rows, x).backward(g -> {
                float[] dy = Creation.readable(g.contiguous());
                float[] acc = StepMemory.zeroed(x.numel());
                Backends.active().addRows(acc, picks, dy, row);
                return grads(Tensor.wrap(acc, x.shape));
            });
        }
        int[] expanded = expandAlong(picks, dims, d);
        float[] out = StepMemory.uninitialized(expanded.length);
        Backends.active().gather(x.storage.data(), x.layout(), d, expanded, dims, out);
        Tensor result = Tensor.wrap(out, Shape.of(dims));
        return Graph.op("indexSelect", result, x).backward(g -> {
            float[] acc = StepMemory.zeroed(x.numel());
            Backends.active().scatterAdd(acc, x.shape.raw(), d, expanded, dims, g.storage.data(), g.layout());
            return grads(Tensor.wrap(acc, x.shape));
        });
    }

    /**
     * Whole rows {@code picks} of a contiguous {@code x}; from {@link #PARALLEL_FLOATS} copied floats the rows are
     * split across the backend's threads. A mini-batch drawn at random from a data set held as floats reads rows far
     * apart in memory: on the calling thread alone, a batch of 128 MNIST images (401 KB from a 188 MB array) was 9% of
     * the main thread's time in the MNIST MLP's training while the other core waited (Zen 4, 2026-12-06, JFR).
     */
    private static Tensor selectRows(Tensor x, int[] picks, int[] dims) {
        int row = x.numel() / Math.max(1, x.shape.raw()[0]);
        float[] out = StepMemory.uninitialized(picks.length * row);
        float[] src = x.storage.data();
        int base = x.offset;
        Backend backend = Backends.active();
        int parts = (int) Math.max(1, Math.min(Math.min(backend.parallelism(), picks.length),
                (long) picks.length * row / PARALLEL_FLOATS));
        backend.parallel(parts, part -> {
            for (int i = picks.length * part / parts, end = picks.length * (part + 1) / parts; i < end; i++) {
                System.arraycopy(src, base + picks[i] * row, out, i * row, row);
            }
        });
        return Tensor.wrap(out, Shape.of(dims));
    }

    static Tensor gather(Tensor x, int dim, Tensor index) {
        int d = x.shape.normalizeDim("gather", dim);
        checkIndexShape("gather", x, index, d, "input");
        int[] idx = toIndices("gather", index, x.shape.raw()[d], d, x.shape);
        float[] out = StepMemory.uninitialized(idx.length);
        Backends.active().gather(x.storage.data(), x.layout(), d, idx, index.shape.raw(), out);
        Tensor result = Tensor.wrap(out, index.shape);
        return Graph.op("gather", result, x).backward(g -> {
            float[] acc = StepMemory.zeroed(x.numel());
            Backends.active().scatterAdd(acc, x.shape.raw(), d, idx, index.shape.raw(), g.storage.data(), g.layout());
            return grads(Tensor.wrap(acc, x.shape));
        });
    }

    static Tensor scatterAdd(Tensor self, int dim, Tensor index, Tensor source) {
        int d = self.shape.normalizeDim("scatterAdd", dim);
        checkIndexShape("scatterAdd", self, index, d, "self");
        if (source.rank() != index.rank()) {
            throw new ShapeException("scatterAdd: index of shape " + index.shape + " and source of shape "
                    + source.shape + " need the same number of dimensions");
        }
        for (int i = 0; i < index.rank(); i++) {
            if (index.shape.raw()[i] > source.shape.raw()[i]) {
                throw new ShapeException("scatterAdd: index of shape " + index.shape
                        + " is larger than source of shape " + source.shape + " in dimension " + i);
            }
        }
        int[] idx = toIndices("scatterAdd", index, self.shape.raw()[d], d, self.shape);
        float[] acc = Creation.copyOut(self);
        Backends.active().scatterAdd(acc, self.shape.raw(), d, idx, index.shape.raw(),
                source.storage.data(), source.layout());
        Tensor result = Tensor.wrap(acc, self.shape);
        return Graph.op("scatterAdd", result, self, source).backward(g -> {
            Tensor gSource = null;
            if (source.requiresGrad()) {
                Tensor picked = g.gather(d, index);
                gSource = picked.shape.equals(source.shape) ? picked : padTo(picked, source.shape);
            }
            return grads(g, gSource);
        });
    }

    /** {@code small} placed at the origin of a zero tensor of {@code shape}. */
    private static Tensor padTo(Tensor small, Shape shape) {
        Tensor full = Tensor.zeros(shape.raw());
        new Tensor(full.storage, small.shape, full.strides, 0).copyInPlace(small);
        return full;
    }

    /** PyTorch's rule: same rank, and no larger than {@code x} outside {@code dim}. */
    private static void checkIndexShape(String op, Tensor x, Tensor index, int d, String what) {
        if (index.rank() != x.rank()) {
            throw new ShapeException(op + ": index of shape " + index.shape + " and " + what + " of shape "
                    + x.shape + " need the same number of dimensions");
        }
        for (int i = 0; i < x.rank(); i++) {
            if (i != d && index.shape.raw()[i] > x.shape.raw()[i]) {
                throw new ShapeException(op + ": index of shape " + index.shape + " is larger than " + what
                        + " of shape " + x.shape + " in dimension " + i + " (only dimension " + d
                        + " may differ freely)");
            }
        }
    }

    /** The index values as ints, each checked to be a whole number in {@code [-size, size)}. */
    static int[] toIndices(String op, Tensor index, int size, int dim, Shape of) {
        float[] values = Creation.readable(index);
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            if (v != Math.rint(v) || Float.isInfinite(v)) {
                throw new IllegalArgumentException(op + ": index value " + v + " at flat position " + i
                        + " is not a whole number");
            }
            int k = (int) v;
            if (k < -size || k >= size) {
                throw new IndexOutOfBoundsException(op + ": index " + k + " at flat position " + i
                        + " is out of range for dimension " + dim + " of size " + size + " (shape " + of + ")");
            }
            out[i] = k < 0 ? k + size : k;
        }
        return out;
    }

    /** A full index array of shape {@code dims} whose entry at any position is {@code picks[coord[d]]}. */
    private static int[] expandAlong(int[] picks, int[] dims, int d) {
        int inner = 1;
        for (int i = d + 1; i < dims.length; i++) {
            inner *= dims[i];
        }
        int total = Shape.of(dims).numel();
        int[] out = new int[total];
        for (int p = 0; p < total; p++) {
            out[p] = picks[(p / inner) % picks.length];
        }
        return out;
    }
}
