package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.AttentionGeometry;
import dev.backprop.backend.Backends;
import dev.backprop.backend.Layout;

/**
 * Scaled dot-product attention as one autograd op: {@code softmax(Q K^T / sqrt(D) + mask) V} over
 * {@code [B, H, L, D]} query, key and value, run by the backend's fused kernel
 * ({@link dev.backprop.backend.Backend#attention}), which keeps each query row's log-sum-exp, and the
 * {@code L x L} probabilities only where the backend asks to and a gradient will be taken (otherwise backward
 * recomputes them). Inputs are read in place when their
 * last dimension is contiguous (the per-head slices of one packed QKV projection are); the output
 * is a {@code [B, H, L, D]} view of a {@code [B, L, H, D]} buffer, so merging heads costs no copy.
 */
final class AttentionOps {
    private AttentionOps() {
    }

    static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor keyPadding, boolean causal) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
            throw new ShapeException("scaled_dot_product_attention: query " + q.shape() + ", key " + k.shape()
                    + " and value " + v.shape() + " must be [batch, heads, length, dim]");
        }
        int b = q.size(0);
        int h = q.size(1);
        int lq = q.size(2);
        int lk = k.size(2);
        int d = q.size(3);
        boolean fits = k.size(0) == b && k.size(1) == h && k.size(3) == d
                && v.size(0) == b && v.size(1) == h && v.size(2) == lk && v.size(3) == d;
        if (!fits) {
            throw new ShapeException("scaled_dot_product_attention: query " + q.shape() + ", key " + k.shape()
                    + " and value " + v.shape() + " do not fit: key and value need the query's batch, heads and"
                    + " width, and as many values as keys");
        }
        if (keyPadding != null && (keyPadding.rank() != 2 || keyPadding.size(0) != b || keyPadding.size(1) != lk)) {
            throw new ShapeException("scaled_dot_product_attention: key padding mask " + keyPadding.shape()
                    + " must be [batch, keys] = [" + b + ", " + lk + "]");
        }
        Tensor qr = unitLastStride(q);
        Tensor kr = unitLastStride(k);
        Tensor vr = unitLastStride(v);
        AttentionGeometry g = new AttentionGeometry(b, h, lq, lk, d, (float) (1 / Math.sqrt(d)), causal,
                qr.layout(), kr.layout(), vr.layout());
        float[] mask = keyPadding == null ? null : Creation.readable(keyPadding.contiguous());
        float[] out = StepMemory.uninitialized(b * lq * h * d);
        float[] lse = StepMemory.uninitialized(b * h * lq);
        float[] kept = keptProbabilities(g, q, k, v);
        Backends.active().attention(g, qr.storage.data(), kr.storage.data(), vr.storage.data(), mask, out, lse, kept);
        Tensor result = headsView(out, b, lq, h, d);
        return Graph.op("scaled_dot_product_attention", result, q, k, v).saves(qr, kr, vr).backward(dy -> {
            float[] dOut = Creation.readable(dy.transpose(1, 2).contiguous());
            // The backend writes every entry of the three (Backend.attentionBackward).
            float[] dq = StepMemory.uninitialized(out.length);
            float[] dk = StepMemory.uninitialized(b * lk * h * d);
            float[] dv = StepMemory.uninitialized(dk.length);
            Backends.active().attentionBackward(g, qr.storage.data(), kr.storage.data(), vr.storage.data(), mask, out, lse,
                    kept, dOut, dq, dk, dv);
            return grads(headsView(dq, b, lq, h, d), headsView(dk, b, lk, h, d), headsView(dv, b, lk, h, d));
        });
    }

    /**
     * Self-attention over a packed projection {@code qkv [B, T, 3 C]} (query, key and value side by
     * side, heads of width {@code C / heads} inside each), returning {@code [B, T, C]} with the heads
     * merged. Same values as splitting the heads and calling {@link #attention}; as one op its
     * gradient is written into a single {@code [B, T, 3 C]} buffer, where three slice views would
     * each build a full-size zero gradient to be added up.
     */
    static Tensor packed(Tensor qkv, int heads, Tensor keyPadding, boolean causal) {
        if (qkv.rank() != 3 || heads <= 0 || qkv.size(2) % (3 * heads) != 0) {
            throw new ShapeException("self_attention: a packed projection must be [batch, length, 3 x width] with the"
                    + " width a multiple of " + heads + " heads, got " + qkv.shape);
        }
        int b = qkv.size(0);
        int t = qkv.size(1);
        int width = qkv.size(2) / 3;
        int d = width / heads;
        if (keyPadding != null && (keyPadding.rank() != 2 || keyPadding.size(0) != b || keyPadding.size(1) != t)) {
            throw new ShapeException("self_attention: key padding mask " + keyPadding.shape
                    + " must be [batch, keys] = [" + b + ", " + t + "]");
        }
        Tensor packed = qkv.contiguous();
        int[] shape = {b, heads, t, d};
        int[] strides = {t * 3 * width, d, 3 * width, 1};
        Layout q = new Layout(shape, strides, packed.offset);
        Layout k = new Layout(shape, strides, packed.offset + width);
        Layout v = new Layout(shape, strides, packed.offset + 2 * width);
        AttentionGeometry g = new AttentionGeometry(b, heads, t, t, d, (float) (1 / Math.sqrt(d)), causal, q, k, v, true);
        float[] data = packed.storage.data();
        float[] mask = keyPadding == null ? null : Creation.readable(keyPadding.contiguous());
        float[] out = StepMemory.uninitialized(b * t * width);
        float[] lse = StepMemory.uninitialized(b * heads * t);
        float[] kept = keptProbabilities(g, qkv);
        Backends.active().attention(g, data, data, data, mask, out, lse, kept);
        Tensor result = Tensor.wrap(out, Shape.of(b, t, width));
        return Graph.op("self_attention", result, qkv).saves(packed).backward(dy -> {
            float[] dOut = Creation.readable(dy.contiguous());
            // The gradients land where q, k and v lie in the packed buffer: one array, no interleaving. The backend
            // writes every one of those entries (Backend.attentionBackward), so the array is not cleared first: as a
            // serial pass over [B, T, 3C] on the calling thread, that was 482-489 us of the GPT recipe's backward a step
            // (four layers, 1.2 MB each; Intel Xeon, 2026-12-07).
            float[] dqkv = StepMemory.uninitialized(data.length);
            Backends.active().attentionBackward(g, data, data, data, mask, out, lse, kept, dOut, dqkv, dqkv, dqkv);
            Tensor grad = new Tensor(new Storage(dqkv), packed.shape, packed.strides, packed.offset);
            return grads(grad);
        });
    }

    /**
     * The step's array for the probabilities the backend keeps for backward, or null where it keeps none or no
     * gradient will be taken (evaluation, generation).
     */
    private static float[] keptProbabilities(AttentionGeometry g, Tensor... inputs) {
        if (!Graph.needsGrad(inputs)) {
            return null;
        }
        int size = Backends.active().attentionProbabilities(g);
        return size == 0 ? null : StepMemory.uninitialized(size);
    }

    private static Tensor unitLastStride(Tensor t) {
        return t.strides[3] == 1 ? t : t.contiguous();
    }

    /** The {@code [B, H, L, D]} view of a contiguous {@code [B, L, H, D]} buffer. */
    private static Tensor headsView(float[] data, int b, int l, int h, int d) {
        return new Tensor(new Storage(data), Shape.of(b, h, l, d), new int[] {l * h * d, d, h * d, 1}, 0);
    }
}
