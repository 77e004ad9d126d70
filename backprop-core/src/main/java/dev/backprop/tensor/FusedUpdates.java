package dev.backprop.tensor;

import dev.backprop.backend.AdamStep;
import dev.backprop.backend.Backends;

/**
 * Optimizer updates as single fused passes over a parameter and its state, for the optimizers
 * of {@code dev.backprop.optim}: one read and one write of each array per step instead of a
 * chain of temporary tensors. Like every in-place write, they bump the storage version.
 */
public final class FusedUpdates {
    private FusedUpdates() {
    }

    /**
     * Whether both tensors are the whole of their buffers with every element at the same slot (a parameter stored
     * input-major, its gradient and the optimizer's state made for it): an update that treats every element alike can
     * then run over their buffers in order ({@link #inBufferOrder}).
     */
    public static boolean sameSlots(Tensor a, Tensor b) {
        return a.sameSlotsAs(b);
    }

    /**
     * The whole buffer of {@code t}, which must fill it ({@link #sameSlots}), as a one-dimensional tensor in the buffer's
     * order: a view, outside the graph, for updates that treat every element alike.
     */
    public static Tensor inBufferOrder(Tensor t) {
        if (!t.fillsStorage()) {
            throw new IllegalArgumentException("inBufferOrder: a tensor of shape " + t.shape + " and strides "
                    + java.util.Arrays.toString(t.strides) + " from offset " + t.offset + " is not the whole of its buffer");
        }
        return new Tensor(t.storage, Shape.of(t.numel()), new int[] {1}, 0);
    }

    /**
     * The inverse of {@link #inBufferOrder}: the one-dimensional {@code flat}, in a buffer's order, as a tensor of
     * {@code like}'s shape with {@code like}'s strides (a view where {@code flat} is the whole of its buffer, else a copy
     * of its values in a buffer of their own).
     */
    public static Tensor inLayoutOf(Tensor flat, Tensor like) {
        if (flat.rank() != 1 || flat.numel() != like.numel() || !flat.isContiguous() || !like.fillsStorage()) {
            throw new IllegalArgumentException("inLayoutOf: " + flat.shape + " is not the buffer of a tensor of shape "
                    + like.shape);
        }
        Storage storage = flat.fillsStorage() ? flat.storage : new Storage(java.util.Arrays.copyOfRange(
                flat.storage.data(), flat.offset, flat.offset + flat.numel()));
        return new Tensor(storage, like.shape, like.strides.clone(), 0);
    }

    /**
     * Applies one Adam/AdamW step to {@code param} from {@code grad}, updating the moment tensors
     * {@code m}, {@code v} and (with AMSGrad) {@code vMax}, all of the parameter's shape.
     */
    public static void adam(AdamStep step, Tensor param, Tensor grad, Tensor m, Tensor v, Tensor vMax) {
        if (GradMode.isEnabled()) {
            throw new IllegalStateException("adam: optimizer updates must run inside GradMode.noGrad()");
        }
        if (!param.fillsStorage()) {
            throw new IllegalArgumentException("adam: the parameter of shape " + param.shape + " must be the whole of its"
                    + " buffer (row-major, or a weight stored input-major), got strides "
                    + java.util.Arrays.toString(param.strides) + " from offset " + param.offset);
        }
        for (Tensor t : new Tensor[] {m, v, vMax}) {
            if (t != null && !t.sameSlotsAs(param)) {
                throw new IllegalArgumentException("adam: state of shape " + t.shape + " and strides "
                        + java.util.Arrays.toString(t.strides) + " does not line up with its parameter of shape "
                        + param.shape + " and strides " + java.util.Arrays.toString(param.strides)
                        + "; make it with Tensor.zerosInLayoutOf(parameter)");
            }
        }
        if (!grad.shape.equals(param.shape)) {
            throw new ShapeException("adam: gradient of shape " + grad.shape + " for a parameter of shape " + param.shape);
        }
        // The gradient in the parameter's order: as it is when it already is (a leaf's gradient is kept so), else a copy.
        boolean inOrder = grad.offset == 0 && java.util.Arrays.equals(grad.strides, param.strides)
                && grad.layout().isDense();
        float[] gradData = inOrder ? grad.storage.data() : Creation.ownCopyInLayoutOf(grad, param).storage.data();
        Backends.active().adam(step, param.storage.data(), gradData, m.storage.data(), v.storage.data(),
                vMax == null ? null : vMax.storage.data(), 0, param.numel());
        param.storage.bumpVersion();
    }
}
