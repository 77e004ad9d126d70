package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backends;
import dev.backprop.backend.ReduceOp;
import java.util.Arrays;

/**
 * Reductions over any set of dimensions, with or without keeping them as size 1. The reduced
 * dimensions are moved innermost (a view), copied into a {@code [rows, cols]} block and reduced
 * row by row by the backend. Gradients broadcast back over the reduced dimensions.
 */
final class Reductions {
    private Reductions() {
    }

    static int[] allDims(Tensor x) {
        int[] dims = new int[x.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i;
        }
        return dims;
    }

    /** Sorted, de-duplicated, non-negative dims; fails naming {@code op} on a bad one. */
    static boolean[] reducedMask(String op, Tensor x, int[] dims) {
        boolean[] reduced = new boolean[x.rank()];
        for (int dim : dims) {
            int d = x.shape.normalizeDim(op, dim);
            if (reduced[d]) {
                throw new IllegalArgumentException(op + ": dimension " + dim + " appears twice in "
                        + Arrays.toString(dims));
            }
            reduced[d] = true;
        }
        return reduced;
    }

    /** The result shape with reduced dimensions removed, or kept as 1. */
    static Shape resultShape(Tensor x, boolean[] reduced, boolean keepDim) {
        int[] old = x.shape.raw();
        int[] out = new int[old.length];
        int n = 0;
        for (int d = 0; d < old.length; d++) {
            if (!reduced[d]) {
                out[n++] = old[d];
            } else if (keepDim) {
                out[n++] = 1;
            }
        }
        return Shape.of(Arrays.copyOf(out, n));
    }

    /** Applies a row reduction over the dimensions marked in {@code reduced}; no graph. */
    static Tensor reduce(String op, ReduceOp kind, Tensor x, boolean[] reduced, boolean keepDim) {
        int rank = x.rank();
        int[] order = new int[rank];
        int n = 0;
        int cols = 1;
        for (int d = 0; d < rank; d++) {
            if (!reduced[d]) {
                order[n++] = d;
            }
        }
        for (int d = 0; d < rank; d++) {
            if (reduced[d]) {
                order[n++] = d;
                cols *= x.shape.raw()[d];
            }
        }
        Shape shape = resultShape(x, reduced, keepDim);
        int rows = shape.numel();
        if (cols == 0 && kind != ReduceOp.SUM) {
            throw new ShapeException(op + ": cannot reduce over an empty dimension of shape " + x.shape
                    + " (there is no maximum or minimum of zero elements)");
        }
        if (kind == ReduceOp.SUM && x.isContiguous() && leadingOnly(reduced) && cols > 1) {
            // A sum over leading dimensions (a bias gradient): column sums, no transpose.
            int width = x.numel() / Math.max(1, cols);
            float[] out = StepMemory.zeroed(width);
            Backends.active().sumColumns(Creation.readable(x), 0, cols, width, out);
            return Tensor.wrap(out, shape);
        }
        float[] block;
        try (var scope = GradMode.noGrad()) {
            block = Creation.readable(Views.permute(x, order));
        }
        float[] out = StepMemory.zeroed(rows);
        Backends.active().reduceRows(kind, block, rows, cols, out);
        return Tensor.wrap(out, shape);
    }

    /** True when the reduced dimensions are exactly a leading run (a bias gradient's sum over examples). */
    private static boolean leadingOnly(boolean[] reduced) {
        int d = 0;
        while (d < reduced.length && reduced[d]) {
            d++;
        }
        for (int e = d; e < reduced.length; e++) {
            if (reduced[e]) {
                return false;
            }
        }
        return d > 0 && d < reduced.length;
    }

    /** Views a reduced-shape gradient as the input's shape by re-inserting and expanding size-1 dims. */
    static Tensor expandBack(Tensor g, Tensor x, boolean[] reduced, boolean keepDim) {
        Tensor kept = keepDim ? g : g.reshape(resultShape(x, reduced, true).raw());
        return kept.expand(x.shape.raw());
    }

    static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        boolean[] reduced = reducedMask("sum", x, dims);
        Tensor out = reduce("sum", ReduceOp.SUM, x, reduced, keepDim);
        return Graph.op("sum", out, x).backward(g -> grads(expandBack(g, x, reduced, keepDim)));
    }

    static Tensor mean(Tensor x, int[] dims, boolean keepDim) {
        boolean[] reduced = reducedMask("mean", x, dims);
        int count = x.numel() / Math.max(1, resultShape(x, reduced, true).numel());
        Tensor out = reduce("mean", ReduceOp.SUM, x, reduced, keepDim);
        float scale = 1f / count;
        Tensor mean = Elementwise.unary(dev.backprop.backend.UnaryOp.AFFINE, scale, 0f, out);
        return Graph.op("mean", mean, x).backward(g -> grads(expandBack(g.mul(scale), x, reduced, keepDim)));
    }

    /** Variance as {@code sum((x - mean)^2) / (N - correction)}; its gradient comes from those ops. */
    static Tensor var(Tensor x, int[] dims, int correction, boolean keepDim) {
        boolean[] reduced = reducedMask("var", x, dims);
        int count = x.numel() / Math.max(1, resultShape(x, reduced, true).numel());
        if (count - correction <= 0) {
            throw new IllegalArgumentException("var: " + count + " elements per group leave no degrees of"
                    + " freedom with correction " + correction + " (shape " + x.shape + ")");
        }
        Tensor centered = x.sub(mean(x, dims, true));
        return sum(centered.mul(centered), dims, keepDim).div((float) (count - correction));
    }

    /** max/min over dims; tied elements share the gradient equally, as in PyTorch's amax. */
    static Tensor amax(Tensor x, int[] dims, boolean keepDim, boolean largest) {
        String name = largest ? "amax" : "amin";
        boolean[] reduced = reducedMask(name, x, dims);
        Tensor out = reduce(name, largest ? ReduceOp.MAX : ReduceOp.MIN, x, reduced, keepDim);
        return Graph.op(name, out, x).saves(x, out).backward(g -> {
            Tensor hit = x.eq(expandBack(out, x, reduced, keepDim));
            Tensor count = reduce(name, ReduceOp.SUM, hit, reduced, true);
            return grads(hit.mul(expandBack(g, x, reduced, keepDim)).div(count));
        });
    }

    /** Values and first indices of the extreme along one dimension; the gradient goes to that index. */
    static ValuesAndIndices maxAlong(Tensor x, int dim, boolean keepDim, boolean largest) {
        String name = largest ? "max" : "min";
        int d = x.shape.normalizeDim(name, dim);
        boolean[] reduced = new boolean[x.rank()];
        reduced[d] = true;
        Tensor indices = reduce(name, largest ? ReduceOp.ARGMAX : ReduceOp.ARGMIN, x, reduced, keepDim);
        Tensor values = reduce(name, largest ? ReduceOp.MAX : ReduceOp.MIN, x, reduced, keepDim);
        Graph.op(name, values, x).backward(g -> {
            Tensor gKept = keepDim ? g : g.unsqueeze(d);
            Tensor iKept = keepDim ? indices : indices.unsqueeze(d);
            return grads(Tensor.zerosLike(x).scatterAdd(d, iKept, gKept));
        });
        return new ValuesAndIndices(values, indices);
    }

    /** Stable: {@code m + log(sum(exp(x - m)))} with m the maximum; d/dx = exp(x - out). */
    static Tensor logsumexp(Tensor x, int[] dims, boolean keepDim) {
        boolean[] reduced = reducedMask("logsumexp", x, dims);
        Tensor out;
        try (var scope = GradMode.noGrad()) {
            Tensor m = reduce("logsumexp", ReduceOp.MAX, x, reduced, true);
            Tensor finiteM = Tensor.where(m.abs().lt(Tensor.scalar(Float.POSITIVE_INFINITY)), m, Tensor.scalar(0f));
            Tensor s = reduce("logsumexp", ReduceOp.SUM, x.sub(finiteM).exp(), reduced, true);
            out = s.log().add(finiteM);
            if (!keepDim) {
                out = Tensor.wrap(Creation.readable(out), resultShape(x, reduced, false));
            }
        }
        Tensor result = out;
        return Graph.op("logsumexp", result, x).saves(x, result).backward(g -> grads(
                expandBack(g, x, reduced, keepDim).mul(x.sub(expandBack(result, x, reduced, keepDim)).exp())));
    }
}
