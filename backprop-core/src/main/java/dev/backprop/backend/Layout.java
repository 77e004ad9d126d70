package dev.backprop.backend;

import java.util.Arrays;

/**
 * Where the elements of an n-dimensional array sit in a flat {@code float[]}: element
 * {@code (i0, i1, ...)} is at {@code offset + i0*strides[0] + i1*strides[1] + ...}. A stride of 0
 * repeats an element along that dimension (broadcasting). Kernels see only buffers and layouts,
 * never tensors or the autograd graph.
 */
public record Layout(int[] shape, int[] strides, int offset) {

    public Layout {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("layout: shape " + Arrays.toString(shape)
                    + " and strides " + Arrays.toString(strides) + " differ in rank");
        }
    }

    /** The row-major contiguous layout of {@code shape} starting at offset 0. */
    public static Layout contiguous(int[] shape) {
        return new Layout(shape, contiguousStrides(shape), 0);
    }

    /** Row-major strides: the last dimension varies fastest. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int step = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = step;
            step *= shape[d];
        }
        return strides;
    }

    public int rank() {
        return shape.length;
    }

    /** Number of elements this layout addresses. */
    public int size() {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    /** True when the elements are stored row-major without gaps from {@link #offset()}. */
    public boolean isContiguous() {
        int step = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != step) {
                return false;
            }
            step *= shape[d];
        }
        return true;
    }

    /**
     * The dimensions from the largest stride to the smallest (ties in their own order): the order in which a dense
     * layout's buffer holds them, so that this layout permuted by it is row-major ({@link #isDense()}).
     */
    public int[] dimensionsByStride() {
        int[] order = new int[shape.length];
        for (int d = 0; d < order.length; d++) {
            order[d] = d;
        }
        // insertion sort (ranks are small), stable
        for (int i = 1; i < order.length; i++) {
            int d = order[i];
            int j = i - 1;
            for (; j >= 0 && strides[order[j]] < strides[d]; j--) {
                order[j + 1] = order[j];
            }
            order[j + 1] = d;
        }
        return order;
    }

    /**
     * True when the elements fill {@link #size()} consecutive slots from {@link #offset()}, each slot once, in some
     * order of the dimensions: row-major, or a weight stored input-major ({@code [out, in]} with strides {@code [1,
     * out]}). Two dense layouts with equal strides put every element at the same slot, so elementwise kernels (an
     * optimizer's update of a parameter from its gradient and state) can run over the flat slots.
     */
    public boolean isDense() {
        // Dense when each dimension that moves (size above 1) steps over exactly the dimensions of smaller stride,
        // and no two such dimensions share a stride: sorted by stride, the strides run 1, n0, n0 n1, ... Checked
        // pair by pair rather than by sorting (dimensionsByStride), so that the optimizers' check of every
        // parameter at every step allocates nothing.
        if (size() == 0) {
            return true;
        }
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) {
                continue;   // any stride: it never moves
            }
            long below = 1;
            for (int e = 0; e < shape.length; e++) {
                if (e == d || shape[e] == 1) {
                    continue;
                }
                if (strides[e] == strides[d]) {
                    return false;
                }
                if (strides[e] < strides[d]) {
                    below *= shape[e];
                }
            }
            if (strides[d] != below) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Layout l && offset == l.offset
                && Arrays.equals(shape, l.shape) && Arrays.equals(strides, l.strides);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(shape) + Arrays.hashCode(strides)) + offset;
    }

    @Override
    public String toString() {
        return "Layout[shape=" + Arrays.toString(shape) + ", strides=" + Arrays.toString(strides)
                + ", offset=" + offset + "]";
    }
}
