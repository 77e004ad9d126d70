package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import java.util.Arrays;

/**
 * Shape operations. Most return views that share storage with their input (new shape, strides
 * and offset over the same buffer), as PyTorch's do; each gradient rule undoes the view.
 */
final class Views {
    private Views() {
    }

    static Tensor reshape(Tensor x, int[] requested) {
        Shape shape = inferShape("reshape", x, requested);
        int[] strides = viewStrides(x, shape);
        Tensor base = strides == null ? contiguous(x) : x;
        return view(base, shape, strides == null ? dev.backprop.backend.Layout.contiguousStrides(shape.raw()) : strides,
                "reshape");
    }

    static Tensor view(Tensor x, int[] requested) {
        Shape shape = inferShape("view", x, requested);
        int[] strides = viewStrides(x, shape);
        if (strides == null) {
            throw new ShapeException("view: shape " + shape + " is not compatible with the strides "
                    + Arrays.toString(x.strides) + " of a tensor of shape " + x.shape
                    + " (a transposed or narrowed view); use reshape(), which copies when it must");
        }
        return view(x, shape, strides, "view");
    }

    private static Tensor view(Tensor x, Shape shape, int[] strides, String name) {
        Tensor out = new Tensor(x.storage, shape, strides, x.offset);
        return Graph.op(name, out, x).backward(g -> grads(g.reshape(x.shape.raw())));
    }

    /** Resolves one -1 entry and checks the element count. */
    private static Shape inferShape(String op, Tensor x, int[] requested) {
        int[] dims = requested.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1) {
                if (unknown >= 0) {
                    throw new IllegalArgumentException(op + ": only one size may be -1, got "
                            + Arrays.toString(requested));
                }
                unknown = i;
            } else if (dims[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid size " + dims[i] + " in "
                        + Arrays.toString(requested));
            } else {
                known *= dims[i];
            }
        }
        int n = x.numel();
        if (unknown >= 0) {
            if (known == 0 || n % known != 0) {
                throw new ShapeException(op + ": shape " + Arrays.toString(requested)
                        + " is invalid for a tensor of shape " + x.shape + " with " + n + " elements");
            }
            dims[unknown] = (int) (n / known);
        } else if (known != n) {
            throw new ShapeException(op + ": shape " + Arrays.toString(requested)
                    + " holds " + known + " elements, but the tensor of shape " + x.shape + " has " + n);
        }
        return Shape.of(dims);
    }

    /**
     * Strides that show {@code x}'s elements with {@code shape} without copying, or null if none
     * exist. Walks both shapes from the innermost dimension, merging runs of old dimensions that
     * are contiguous with each other into chunks that the new dimensions must tile exactly.
     */
    private static int[] viewStrides(Tensor x, Shape shape) {
        int[] oldShape = x.shape.raw();
        int[] oldStrides = x.strides;
        int[] newShape = shape.raw();
        int[] newStrides = new int[newShape.length];
        if (x.numel() == 0 || oldShape.length == 0) {
            return dev.backprop.backend.Layout.contiguousStrides(newShape);
        }
        int viewD = newShape.length - 1;
        int chunkBaseStride = oldStrides[oldStrides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
            tensorNumel *= oldShape[tensorD];
            boolean chunkEnds = tensorD == 0 || (oldShape[tensorD - 1] != 1
                    && oldStrides[tensorD - 1] != tensorNumel * chunkBaseStride);
            if (chunkEnds) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    newStrides[viewD] = (int) (viewNumel * chunkBaseStride);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (tensorD > 0) {
                    chunkBaseStride = oldStrides[tensorD - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? newStrides : null;
    }

    static Tensor permute(Tensor x, int[] order) {
        int rank = x.rank();
        if (order.length != rank) {
            throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " has "
                    + order.length + " entries for a tensor of shape " + x.shape + " (rank " + rank + ")");
        }
        int[] dims = new int[rank];
        int[] strides = new int[rank];
        int[] inverse = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int d = x.shape.normalizeDim("permute", order[i]);
            if (seen[d]) {
                throw new IllegalArgumentException("permute: dimension " + order[i] + " appears twice in "
                        + Arrays.toString(order));
            }
            seen[d] = true;
            dims[i] = x.shape.raw()[d];
            strides[i] = x.strides[d];
            inverse[d] = i;
        }
        Tensor out = new Tensor(x.storage, Shape.of(dims), strides, x.offset);
        return Graph.op("permute", out, x).backward(g -> grads(g.permute(inverse)));
    }

    static Tensor transpose(Tensor x, int dim0, int dim1) {
        int a = x.shape.normalizeDim("transpose", dim0);
        int b = x.shape.normalizeDim("transpose", dim1);
        int[] order = new int[x.rank()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        order[a] = b;
        order[b] = a;
        return permute(x, order);
    }

    static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = x.shape.normalizeDim("narrow", dim);
        int size = x.shape.raw()[d];
        if (start < 0 || length < 0 || start + length > size) {
            throw new IndexOutOfBoundsException("narrow: start " + start + " and length " + length
                    + " do not fit in dimension " + dim + " of size " + size + " (shape " + x.shape + ")");
        }
        int[] dims = x.shape.dims();
        dims[d] = length;
        Tensor out = new Tensor(x.storage, Shape.of(dims), x.strides, x.offset + start * x.strides[d]);
        return Graph.op("narrow", out, x).backward(g -> {
            Tensor full = Tensor.zerosLike(x);
            new Tensor(full.storage, g.shape, full.strides, start * full.strides[d]).copyInPlace(g);
            return grads(full);
        });
    }

    static Tensor select(Tensor x, int dim, int index) {
        int d = x.shape.normalizeDim("select", dim);
        int size = x.shape.raw()[d];
        int i = index < 0 ? index + size : index;
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("select: index " + index + " is out of range for dimension "
                    + dim + " of size " + size + " (shape " + x.shape + ")");
        }
        return squeeze(narrow(x, d, i, 1), d);
    }

    static Tensor expand(Tensor x, int[] requested) {
        int rank = requested.length;
        if (rank < x.rank()) {
            throw new ShapeException("expand: cannot expand shape " + x.shape + " to " + Arrays.toString(requested)
                    + ", which has fewer dimensions");
        }
        int[] dims = requested.clone();
        int lead = rank - x.rank();
        for (int d = lead; d < rank; d++) {
            int own = x.shape.raw()[d - lead];
            if (dims[d] == -1) {
                dims[d] = own;
            } else if (own != 1 && own != dims[d]) {
                throw new ShapeException("expand: cannot expand shape " + x.shape + " to "
                        + Arrays.toString(requested) + ": dimension " + d + " has size " + own
                        + ", which is neither 1 nor " + dims[d]);
            }
        }
        Tensor out = Broadcast.to("expand", x, Shape.of(dims));
        if (out == x) {
            out = new Tensor(x.storage, x.shape, x.strides, x.offset);
        }
        return Graph.op("expand", out, x).backward(g -> grads(Broadcast.sumTo(g, x.shape)));
    }

    static Tensor unsqueeze(Tensor x, int dim) {
        int rank = x.rank();
        int d = dim < 0 ? dim + rank + 1 : dim;
        if (d < 0 || d > rank) {
            throw new IllegalArgumentException("unsqueeze: dimension " + dim + " is out of range for shape "
                    + x.shape + " (expected a value in [" + (-rank - 1) + ", " + rank + "])");
        }
        int[] dims = new int[rank + 1];
        int[] strides = new int[rank + 1];
        for (int i = 0, j = 0; i <= rank; i++) {
            if (i == d) {
                dims[i] = 1;
                strides[i] = d < rank ? x.shape.raw()[d] * x.strides[d] : 1;
            } else {
                dims[i] = x.shape.raw()[j];
                strides[i] = x.strides[j++];
            }
        }
        Tensor out = new Tensor(x.storage, Shape.of(dims), strides, x.offset);
        return Graph.op("unsqueeze", out, x).backward(g -> grads(g.squeeze(d)));
    }

    static Tensor squeeze(Tensor x, int dim) {
        int d = x.shape.normalizeDim("squeeze", dim);
        if (x.shape.raw()[d] != 1) {
            throw new ShapeException("squeeze: dimension " + dim + " of shape " + x.shape
                    + " has size " + x.shape.raw()[d] + "; only a size-1 dimension can be removed");
        }
        int rank = x.rank();
        int[] dims = new int[rank - 1];
        int[] strides = new int[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != d) {
                dims[j] = x.shape.raw()[i];
                strides[j++] = x.strides[i];
            }
        }
        Tensor out = new Tensor(x.storage, Shape.of(dims), strides, x.offset);
        return Graph.op("squeeze", out, x).backward(g -> grads(g.unsqueeze(d)));
    }

    static Tensor flatten(Tensor x, int startDim, int endDim) {
        if (x.rank() == 0) {
            return reshape(x, new int[] {1});
        }
        int s = x.shape.normalizeDim("flatten", startDim);
        int e = x.shape.normalizeDim("flatten", endDim);
        if (s > e) {
            throw new IllegalArgumentException("flatten: start dimension " + startDim
                    + " comes after end dimension " + endDim + " for shape " + x.shape);
        }
        int[] old = x.shape.raw();
        int[] dims = new int[old.length - (e - s)];
        int merged = 1;
        for (int i = s; i <= e; i++) {
            merged *= old[i];
        }
        System.arraycopy(old, 0, dims, 0, s);
        dims[s] = merged;
        System.arraycopy(old, e + 1, dims, s + 1, old.length - e - 1);
        return reshape(x, dims);
    }

    static Tensor contiguous(Tensor x) {
        return x.isContiguous() ? x : cloneTensor(x, "contiguous");
    }

    static Tensor cloneTensor(Tensor x) {
        return cloneTensor(x, "clone");
    }

    private static Tensor cloneTensor(Tensor x, String name) {
        Tensor out = Creation.copy(x);
        return Graph.op(name, out, x).backward(g -> grads(g));
    }
}
