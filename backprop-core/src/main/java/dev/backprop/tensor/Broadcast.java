package dev.backprop.tensor;

/**
 * Broadcasting in both directions: expanding an operand to a result shape (forward) and summing a
 * gradient back down to an operand's shape (backward), the two halves of every broadcasting op.
 */
final class Broadcast {
    private Broadcast() {
    }

    /** {@code t} viewed with {@code shape}, using stride 0 for broadcast dimensions (no copy, no graph). */
    static Tensor to(String op, Tensor t, Shape shape) {
        if (t.shape.equals(shape)) {
            return t;
        }
        Shape.broadcast(op, t.shape, shape);  // validates, names the op on failure
        int rank = shape.rank();
        int lead = rank - t.rank();
        if (lead < 0) {
            throw new ShapeException(op + ": shape " + t.shape + " cannot be broadcast to " + shape);
        }
        int[] strides = new int[rank];
        int[] target = shape.raw();
        for (int d = 0; d < rank; d++) {
            if (d < lead) {
                strides[d] = 0;
            } else {
                int size = t.shape.raw()[d - lead];
                if (size != target[d] && size != 1) {
                    throw new ShapeException(op + ": shape " + t.shape + " cannot be broadcast to " + shape);
                }
                strides[d] = size == 1 && target[d] != 1 ? 0 : t.strides[d - lead];
            }
        }
        return new Tensor(t.storage, shape, strides, t.offset);
    }

    /** Sums {@code grad} over the dimensions that broadcasting added or stretched, giving {@code shape}. */
    static Tensor sumTo(Tensor grad, Shape shape) {
        if (grad.shape.equals(shape)) {
            return grad;
        }
        int lead = grad.rank() - shape.rank();
        int[] g = grad.shape.raw();
        int[] s = shape.raw();
        int count = 0;
        int[] dims = new int[grad.rank()];
        for (int d = 0; d < grad.rank(); d++) {
            if (d < lead || (s[d - lead] == 1 && g[d] != 1)) {
                dims[count++] = d;
            }
        }
        Tensor summed = Reductions.sum(grad, java.util.Arrays.copyOf(dims, count), true);
        return summed.reshape(s);
    }
}
