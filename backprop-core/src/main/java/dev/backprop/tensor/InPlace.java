package dev.backprop.tensor;

import dev.backprop.backend.Backends;
import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.Layout;
import dev.backprop.backend.UnaryOp;

/**
 * The few in-place writes the library allows: optimizer updates and gradient accumulation. Each
 * bumps the storage version, so a backward that saved the old values fails loudly instead of
 * computing a wrong gradient.
 */
final class InPlace {
    private InPlace() {
    }

    static void zip(Tensor target, Tensor other, BinaryOp op, String name) {
        checkWritable(target, name);
        Tensor b = Broadcast.to(name, other, target.shape);
        if (!direct(target, other) && inStorageOrder(target, other)) {
            // the whole buffer in another order (an input-major weight): both read in the buffer's order, written in place
            int[] order = target.layout().dimensionsByStride();
            Tensor t = permuted(target, order);
            Tensor bp = permuted(b, order);
            Backends.active().zip(op, t.storage.data(), t.layout(), bp.storage.data(), bp.layout(), t.storage.data());
            target.storage.bumpVersion();
            return;
        }
        float[] result = direct(target, other) ? target.storage.data() : new float[target.numel()];
        Backends.active().zip(op, target.storage.data(), target.layout(), b.storage.data(), b.layout(), result);
        writeBack(target, result);
    }

    static void affine(Tensor target, float alpha, float beta, String name) {
        checkWritable(target, name);
        if (!direct(target, null) && inStorageOrder(target, null)) {
            Backends.active().map(UnaryOp.AFFINE, alpha, beta, target.storage.data(),
                    Layout.contiguous(new int[] {target.numel()}), target.storage.data());
            target.storage.bumpVersion();
            return;
        }
        float[] result = direct(target, null) ? target.storage.data() : new float[target.numel()];
        Backends.active().map(UnaryOp.AFFINE, alpha, beta, target.storage.data(), target.layout(), result);
        writeBack(target, result);
    }

    static void copy(Tensor target, Tensor source, String name) {
        checkWritable(target, name);
        Tensor b = Broadcast.to(name, source, target.shape);
        if (!direct(target, source) && inStorageOrder(target, source)) {
            Tensor bp = permuted(b, target.layout().dimensionsByStride());
            Backends.active().copy(bp.storage.data(), bp.layout(), target.storage.data(), 0);
            target.storage.bumpVersion();
            return;
        }
        float[] result = direct(target, source) ? target.storage.data() : new float[target.numel()];
        Backends.active().copy(b.storage.data(), b.layout(), result, 0);
        writeBack(target, result);
    }

    /**
     * True when the target is the whole of its buffer in an order other than row-major ({@link Tensor#fillsStorage()}:
     * an input-major weight, its gradient or an optimizer's state for it) and the other operand does not share that
     * buffer: then the kernel can walk the target's buffer in its own order, reading the other operand through the
     * same permutation of its strides, with no temporary array and no scatter back.
     */
    private static boolean inStorageOrder(Tensor target, Tensor other) {
        return target.fillsStorage() && (other == null || other.storage != target.storage);
    }

    /** A view of t with its dimensions in the given order, outside the graph. */
    private static Tensor permuted(Tensor t, int[] order) {
        int[] dims = t.shape.raw();
        int[] shape = new int[order.length];
        int[] strides = new int[order.length];
        for (int d = 0; d < order.length; d++) {
            shape[d] = dims[order[d]];
            strides[d] = t.strides[order[d]];
        }
        return new Tensor(t.storage, Shape.of(shape), strides, t.offset);
    }

    /**
     * True when the kernel may write straight into the target's buffer: the target is the whole
     * buffer in row-major order, and the other operand does not share it (elementwise kernels read
     * element i before writing element i, so only a differently laid-out alias could go wrong).
     */
    private static boolean direct(Tensor target, Tensor other) {
        return target.offset == 0 && target.storage.data().length == target.numel() && target.isContiguous()
                && (other == null || other.storage != target.storage);
    }

    private static void checkWritable(Tensor target, String name) {
        if (GradMode.isEnabled() && target.requiresGrad()) {
            throw new IllegalStateException(name + ": tensor of shape " + target.shape
                    + " requires grad, and changing it in place while the graph is recorded would make"
                    + " its gradients wrong; do the update inside GradMode.noGrad()");
        }
        if (hasBroadcastStride(target)) {
            throw new IllegalArgumentException(name + ": tensor of shape " + target.shape
                    + " is an expanded view whose elements share memory; write to a contiguous() copy");
        }
    }

    private static boolean hasBroadcastStride(Tensor t) {
        int[] dims = t.shape.raw();
        for (int d = 0; d < dims.length; d++) {
            if (t.strides[d] == 0 && dims[d] > 1) {
                return true;
            }
        }
        return false;
    }

    /** Scatters row-major {@code values} into the (possibly strided) view {@code target}. */
    private static void writeBack(Tensor target, float[] values) {
        Layout layout = target.layout();
        if (values == target.storage.data()) {
            target.storage.bumpVersion();   // the kernel wrote straight into the buffer
            return;
        }
        if (layout.isContiguous()) {
            System.arraycopy(values, 0, target.storage.data(), target.offset, values.length);
        } else {
            // Row by row: the last dimension is one run (a copy when its stride is 1), the rest an odometer.
            int[] dims = target.shape.raw();
            int last = dims.length - 1;
            int run = dims[last];
            int step = target.strides[last];
            int[] coord = new int[last];
            for (int src = 0; src < values.length; src += run) {
                int p = target.offset;
                for (int d = 0; d < last; d++) {
                    p += coord[d] * target.strides[d];
                }
                if (step == 1) {
                    System.arraycopy(values, src, target.storage.data(), p, run);
                } else {
                    for (int i = 0; i < run; i++) {
                        target.storage.data()[p + i * step] = values[src + i];
                    }
                }
                for (int d = last - 1; d >= 0; d--) {
                    if (++coord[d] < dims[d]) {
                        break;
                    }
                    coord[d] = 0;
                }
            }
        }
        target.storage.bumpVersion();
    }
}
