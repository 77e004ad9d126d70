package dev.backprop.backend.reference;

/**
 * Visits a strided n-d layout as rows of its last dimension: {@link #rowStart(int)} gives the flat
 * offset where row {@code r} begins (rows in row-major order), and the row's elements follow at
 * {@link #innerStride()}. A rank-0 layout is one row of one element.
 */
final class StridedWalk {
    private final int[] outerShape;
    private final int[] outerStrides;
    private final int offset;
    private final int innerSize;
    private final int innerStride;
    private final int rows;

    StridedWalk(int[] shape, int[] strides, int offset) {
        this.offset = offset;
        int rank = shape.length;
        if (rank == 0) {
            outerShape = new int[0];
            outerStrides = new int[0];
            innerSize = 1;
            innerStride = 0;
        } else {
            outerShape = java.util.Arrays.copyOf(shape, rank - 1);
            outerStrides = java.util.Arrays.copyOf(strides, rank - 1);
            innerSize = shape[rank - 1];
            innerStride = strides[rank - 1];
        }
        int r = 1;
        for (int s : outerShape) {
            r *= s;
        }
        rows = innerSize == 0 ? 0 : r;
    }

    int rows() {
        return rows;
    }

    int innerSize() {
        return innerSize;
    }

    int innerStride() {
        return innerStride;
    }

    int rowStart(int row) {
        int p = offset;
        for (int d = outerShape.length - 1; d >= 0; d--) {
            int size = outerShape[d];
            p += (row % size) * outerStrides[d];
            row /= size;
        }
        return p;
    }

    /** Steps a row-major coordinate odometer by one position. */
    static void advance(int[] coord, int[] shape) {
        for (int d = coord.length - 1; d >= 0; d--) {
            if (++coord[d] < shape[d]) {
                return;
            }
            coord[d] = 0;
        }
    }
}
