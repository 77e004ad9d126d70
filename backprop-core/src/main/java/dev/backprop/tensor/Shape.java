package dev.backprop.tensor;

import java.util.Arrays;

/**
 * The immutable size of each dimension of a tensor, outermost first, as in PyTorch's
 * {@code torch.Size}. A rank-0 shape {@code []} is a scalar with one element.
 *
 * <pre>{@code
 * Shape s = Shape.of(2, 3, 4);
 * s.size(-1);  // 4
 * s.numel();   // 24
 * }</pre>
 */
public final class Shape {
    private static final Shape SCALAR = new Shape(new int[0]);
    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    /** A shape from its dimension sizes; every size must be zero or positive. */
    public static Shape of(int... dims) {
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims)
                        + ": dimension " + i + " has negative size " + dims[i]);
            }
        }
        long n = 1;
        for (int d : dims) {
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims)
                        + " has more than 2^31-1 elements; split the tensor");
            }
        }
        return dims.length == 0 ? SCALAR : new Shape(dims.clone());
    }

    /** The rank-0 shape of a scalar. */
    public static Shape scalar() {
        return SCALAR;
    }

    public int rank() {
        return dims.length;
    }

    /** Size of dimension {@code dim}; negative values count from the end. */
    public int size(int dim) {
        return dims[normalizeDim("size", dim)];
    }

    /** A copy of the sizes. */
    public int[] dims() {
        return dims.clone();
    }

    /** Direct access for this package, which never mutates the array. */
    int[] raw() {
        return dims;
    }

    /** Total number of elements. */
    public int numel() {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /**
     * Turns a possibly negative dimension into its index in {@code [0, rank)}, or fails with a
     * message naming {@code op}.
     */
    public int normalizeDim(String op, int dim) {
        int rank = dims.length;
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " is out of range for shape "
                    + this + " (expected " + (rank == 0 ? "no dimension: the tensor is a scalar"
                    : "a value in [" + (-rank) + ", " + (rank - 1) + "]") + ")");
        }
        return d;
    }

    /** The shape both operands broadcast to under NumPy/PyTorch rules, or a failure naming {@code op}. */
    public static Shape broadcast(String op, Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.rank() ? 1 : a.dims[i - (rank - a.rank())];
            int db = i < rank - b.rank() ? 1 : b.dims[i - (rank - b.rank())];
            if (da != db && da != 1 && db != 1) {
                throw new ShapeException(op + ": shapes " + a + " and " + b
                        + " cannot be broadcast: dimension " + i + " of the result would need size "
                        + da + " and " + db + " (sizes must be equal, or one of them 1)");
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
