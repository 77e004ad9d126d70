package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backends;
import dev.backprop.backend.Layout;
import dev.backprop.backend.UnaryOp;

/**
 * Softmax cross-entropy as one op over logits {@code [N, C]} and class indices {@code [N]}: per
 * row, {@code loss = logsumexp(x) - ((1 - eps) x[t] + eps/C sum(x))}, computed with the row
 * maximum subtracted; the gradient is {@code dloss * (softmax(x) - q)} with
 * {@code q = (1 - eps) onehot(t) + eps/C}. One pass each way instead of the chain log_softmax,
 * gather, mean, whose intermediate tensors it never builds.
 */
final class LossOps {
    private LossOps() {
    }

    /** Per-sample losses {@code [N]}. */
    static Tensor softmaxCrossEntropy(Tensor logits, Tensor target, float smoothing) {
        int n = logits.size(0);
        int c = logits.size(1);
        int[] classes = Indexing.toIndices("crossEntropy", target, c, 1, logits.shape);
        float[] x = Creation.readable(logits.contiguous());
        float[] probabilities = StepMemory.uninitialized(n * c);
        float[] loss = new float[n];
        float[] max = new float[n];
        double[] sumX = new double[n];
        for (int r = 0; r < n; r++) {
            int base = r * c;
            float m = Float.NEGATIVE_INFINITY;
            double s = 0;
            for (int j = 0; j < c; j++) {
                m = Math.max(m, x[base + j]);
                s += x[base + j];
            }
            max[r] = m;
            sumX[r] = s;
            for (int j = 0; j < c; j++) {
                probabilities[base + j] = x[base + j] - m;
            }
        }
        // The exponentials of all rows in one backend pass (vectorised where the backend can).
        Backends.active().map(UnaryOp.EXP, 0f, 0f, probabilities, Layout.contiguous(new int[] {n * c}), probabilities);
        for (int r = 0; r < n; r++) {
            int base = r * c;
            double sumExp = 0;
            for (int j = 0; j < c; j++) {
                sumExp += probabilities[base + j];
            }
            for (int j = 0; j < c; j++) {
                probabilities[base + j] = (float) (probabilities[base + j] / sumExp);
            }
            double logSumExp = max[r] + Math.log(sumExp);
            double picked = (1 - smoothing) * x[base + classes[r]] + smoothing * sumX[r] / c;
            loss[r] = (float) (logSumExp - picked);
        }
        Tensor result = Tensor.wrap(loss, Shape.of(n));
        return Graph.op("cross_entropy", result, logits).backward(g -> {
            float[] up = Creation.readable(g);
            float[] d = StepMemory.uninitialized(n * c);
            float spread = smoothing / c;
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < c; j++) {
                    float q = spread + (j == classes[r] ? 1 - smoothing : 0f);
                    d[r * c + j] = up[r] * (probabilities[r * c + j] - q);
                }
            }
            return grads(Tensor.wrap(d, logits.shape));
        });
    }
}
