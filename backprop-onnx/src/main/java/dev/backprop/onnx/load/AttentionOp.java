package dev.backprop.onnx.load;

import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * The attention pattern of an imported graph, {@code softmax(Q K^T * multiplier + mask) V} with
 * Q and V {@code [B, H, L, D]}, K^T {@code [B, H, D, L]} and an additive mask, run as the core's fused
 * attention when that computes the same: the multiplier is {@code 1 / sqrt(D)} and the mask is a
 * key-padding mask, broadcast over heads and queries ({@code [B, 1, 1, L]}), of zeros and of values
 * so negative that they zero their keys' weights (HuggingFace exports the float minimum), with at
 * least one key left in every row. Anything else runs as the graph's own ops.
 */
record AttentionOp(double multiplier) implements Op {
    /** An additive mask value at or below this removes its key: exp(-10^4) underflows float. */
    private static final float MASKED = -1e4f;

    @Override
    public List<Value> run(Node node, List<Value> in) {
        Tensor q = Inputs.floats(in, 0);
        Tensor kt = Inputs.floats(in, 1);
        Tensor mask = Inputs.floats(in, 2);
        Tensor v = Inputs.floats(in, 3);
        if (q.rank() == 4 && kt.rank() == 4 && v.rank() == 4
                && Math.abs(multiplier * Math.sqrt(q.size(3)) - 1) < 1e-5) {
            Tensor padding = keyPadding(mask, q.size(0), kt.size(3));
            if (padding != null) {
                return Inputs.one(q.scaledDotProductAttention(kt.transpose(2, 3), v,
                        padding.numel() == 0 ? null : padding, false));
            }
        }
        return Inputs.one(q.matmul(kt).mul((float) multiplier).add(mask).softmax(-1).matmul(v));
    }

    /**
     * The key-padding mask {@code [B, L]} (1 where masked) equal to the additive mask, an empty tensor
     * when nothing is masked, or null when the additive mask is not of that kind.
     */
    private static Tensor keyPadding(Tensor mask, int batch, int keys) {
        int[] dims = mask.shape().dims();
        if (mask.requiresGrad() || dims.length != 4 || dims[1] != 1 || dims[2] != 1 || dims[3] != keys
                || (dims[0] != batch && dims[0] != 1)) {
            return null;
        }
        float[] m;
        try (var off = GradMode.noGrad()) {
            m = mask.contiguous().toFloatArray();
        }
        float[] padding = new float[batch * keys];
        boolean any = false;
        for (int b = 0; b < batch; b++) {
            int kept = 0;
            for (int k = 0; k < keys; k++) {
                float x = m[(dims[0] == 1 ? 0 : b) * keys + k];
                if (x == 0f) {
                    kept++;
                } else if (x <= MASKED) {
                    padding[b * keys + k] = 1f;
                    any = true;
                } else {
                    return null;
                }
            }
            if (kept == 0) {
                return null;
            }
        }
        return any ? Tensor.fromArray(padding, batch, keys) : Tensor.zeros(0);
    }
}
