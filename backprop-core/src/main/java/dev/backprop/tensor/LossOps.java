package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

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
        float[] probabilities = new float[n * c];
        float[] loss = new float[n];
        for (int r = 0; r < n; r++) {
            int base = r * c;
            float max = Float.NEGATIVE_INFINITY;
            double sumX = 0;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, x[base + j]);
                sumX += x[base + j];
            }
            double sumExp = 0;
            for (int j = 0; j < c; j++) {
                double e = Math.exp(x[base + j] - max);
                probabilities[base + j] = (float) e;
                sumExp += e;
            }
            for (int j = 0; j < c; j++) {
                probabilities[base + j] = (float) (probabilities[base + j] / sumExp);
            }
            double logSumExp = max + Math.log(sumExp);
            double picked = (1 - smoothing) * x[base + classes[r]] + smoothing * sumX / c;
            loss[r] = (float) (logSumExp - picked);
        }
        Tensor result = Tensor.wrap(loss, Shape.of(n));
        return Graph.op("cross_entropy", result, logits).backward(g -> {
            float[] up = Creation.readable(g);
            float[] d = new float[n * c];
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
