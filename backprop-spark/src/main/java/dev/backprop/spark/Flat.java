package dev.backprop.spark;

import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * Tensors laid end to end in one float array, as the all-reduce moves them: {@link #gather} copies
 * them in (a missing one as zeros), {@link #scatter} divides the array and copies it back out with
 * one tensor for the whole array, viewed piece by piece (no array per tensor).
 */
final class Flat {
    private Flat() {
    }

    /** The floats {@code slots} take end to end. */
    static int size(List<Tensor> slots) {
        int total = 0;
        for (Tensor t : slots) {
            total += t.numel();
        }
        return total;
    }

    /** Writes {@code values.get(i)} times {@code factor} into {@code slots.get(i)}'s place in {@code buffer}; null: zeros. */
    static void gather(List<Tensor> slots, List<Tensor> values, float factor, float[] buffer) {
        int offset = 0;
        for (int s = 0; s < slots.size(); s++) {
            int n = slots.get(s).numel();
            Tensor v = values.get(s);
            if (v == null) {
                java.util.Arrays.fill(buffer, offset, offset + n, 0f);
            } else {
                float[] g = v.toFloatArray();
                for (int i = 0; i < n; i++) {
                    buffer[offset + i] = g[i] * factor;
                }
            }
            offset += n;
        }
    }

    /**
     * Divides the first {@code size(slots)} floats of {@code buffer} by {@code divisor} in place and
     * copies each slot's part into {@code targets.get(i)} (null: skipped).
     */
    static void scatter(float[] buffer, float divisor, List<Tensor> slots, List<Tensor> targets) {
        int total = size(slots);
        for (int i = 0; i < total; i++) {
            buffer[i] = buffer[i] / divisor;
        }
        Tensor all = Tensor.fromArray(buffer, buffer.length);   // one copy of the whole array; the parts are views
        int offset = 0;
        try (var off = GradMode.noGrad()) {
            for (int s = 0; s < slots.size(); s++) {
                Tensor slot = slots.get(s);
                Tensor target = targets.get(s);
                if (target != null) {
                    target.copyInPlace(all.narrow(0, offset, slot.numel()).reshape(slot.shape().dims()));
                }
                offset += slot.numel();
            }
        }
    }
}
