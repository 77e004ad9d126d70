package dev.backprop.backend.reference;

/**
 * Softmax cross-entropy as its definition, a row at a time with sums in double: {@code m = max_j x_j},
 * {@code p_j = exp(x_j - m) / sum_k exp(x_k - m)}, {@code loss = m + log sum_k exp(x_k - m) - ((1 - eps) x_t
 * + eps / C sum_j x_j)}; backward {@code dx_j = dLoss (p_j - q_j)} with {@code q = (1 - eps) onehot(t) + eps / C}.
 */
final class ReferenceCrossEntropy {
    private ReferenceCrossEntropy() {
    }

    static void forward(float[] x, int rows, int classes, int[] targets, float smoothing, float[] probabilities,
                        float[] loss) {
        for (int r = 0; r < rows; r++) {
            int base = r * classes;
            float m = Float.NEGATIVE_INFINITY;
            double sumX = 0;
            for (int j = 0; j < classes; j++) {
                m = Math.max(m, x[base + j]);
                sumX += x[base + j];
            }
            double sumExp = 0;
            for (int j = 0; j < classes; j++) {
                float e = (float) Math.exp(x[base + j] - m);
                probabilities[base + j] = e;
                sumExp += e;
            }
            for (int j = 0; j < classes; j++) {
                probabilities[base + j] = (float) (probabilities[base + j] / sumExp);
            }
            double logSumExp = m + Math.log(sumExp);
            // Without smoothing the sum takes no part (a row with a -inf logit, a masked class, has a finite loss).
            double picked = (1 - smoothing) * x[base + targets[r]] + (smoothing == 0f ? 0 : smoothing * sumX / classes);
            loss[r] = (float) (logSumExp - picked);
        }
    }

    static void backward(float[] probabilities, int rows, int classes, int[] targets, float smoothing, float[] dLoss,
                         float[] dx) {
        float spread = smoothing / classes;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < classes; j++) {
                float q = spread + (j == targets[r] ? 1 - smoothing : 0f);
                dx[r * classes + j] = dLoss[r] * (probabilities[r * classes + j] - q);
            }
        }
    }
}
