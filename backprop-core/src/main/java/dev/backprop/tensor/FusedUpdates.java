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
     * Applies one Adam/AdamW step to {@code param} from {@code grad}, updating the moment tensors
     * {@code m}, {@code v} and (with AMSGrad) {@code vMax}, all of the parameter's shape.
     */
    public static void adam(AdamStep step, Tensor param, Tensor grad, Tensor m, Tensor v, Tensor vMax) {
        if (GradMode.isEnabled()) {
            throw new IllegalStateException("adam: optimizer updates must run inside GradMode.noGrad()");
        }
        Tensor g = grad.contiguous();
        for (Tensor t : new Tensor[] {param, m, v, vMax}) {
            if (t != null && (!t.shape.equals(param.shape) || !t.isContiguous() || t.offset != 0
                    || t.storage.data().length != t.numel())) {
                throw new IllegalArgumentException("adam: parameter and state must be whole contiguous tensors of shape "
                        + param.shape + ", got " + t.shape);
            }
        }
        if (!g.shape.equals(param.shape)) {
            throw new ShapeException("adam: gradient of shape " + g.shape + " for a parameter of shape " + param.shape);
        }
        float[] gradData = g.offset == 0 ? g.storage.data() : Creation.copyOut(g);
        Backends.active().adam(step, param.storage.data(), gradData, m.storage.data(), v.storage.data(),
                vMax == null ? null : vMax.storage.data(), 0, param.numel());
        param.storage.bumpVersion();
    }
}
