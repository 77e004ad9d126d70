package dev.backprop.backend.reference;

/**
 * Batch normalisation as its definition (Ioffe and Szegedy 2015), a channel at a time with sums
 * in double over its {@code M = n x inner} values of {@code [n, channels, inner]}:
 * {@code xhat = (x - mean) / sqrt(var + eps)} with the biased variance, {@code y = xhat w + b};
 * backward, xhat recomputed: {@code db = sum dy}, {@code dw = sum dy xhat},
 * {@code dx = w / (M sqrt(var + eps)) (M dy - sum dy - xhat sum dy xhat)} (section 3 of the paper).
 * With relu the output is {@code max(y, 0)}, as the reference's ReLU (NaN kept), and backward takes dy only
 * where the normalised value, recomputed as the forward computed it, was not at most 0 (NaN passes).
 */
final class ReferenceBatchNorm {
    private ReferenceBatchNorm() {
    }

    static void forward(float[] x, int n, int channels, int inner, float[] weight, float[] bias, float eps,
                        boolean relu, float[] y, float[] means, float[] variances, float[] invStd) {
        int m = n * inner;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * channels + c) * inner;
                for (int j = 0; j < inner; j++) {
                    sum += x[base + j];
                }
            }
            double mean = sum / m;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * channels + c) * inner;
                for (int j = 0; j < inner; j++) {
                    double d = x[base + j] - mean;
                    sq += d * d;
                }
            }
            double rstd = 1 / Math.sqrt(sq / m + eps);
            means[c] = (float) mean;
            variances[c] = (float) (sq / m);
            invStd[c] = (float) rstd;
            double scale = weight == null ? 1 : weight[c];
            double shift = bias == null ? 0 : bias[c];
            for (int i = 0; i < n; i++) {
                int base = (i * channels + c) * inner;
                for (int j = 0; j < inner; j++) {
                    float v = normalised(x[base + j], means[c], invStd[c], scale, shift);
                    y[base + j] = relu ? Math.max(v, 0f) : v;
                }
            }
        }
    }

    /** {@code y = (x - mean) / sqrt(var + eps) * w + b} with fixed statistics, in double. */
    static void inference(float[] x, int n, int channels, int inner, float[] means, float[] variances,
                          float[] weight, float[] bias, float eps, float[] y) {
        for (int c = 0; c < channels; c++) {
            double mean = means[c];
            double scale = (weight == null ? 1 : weight[c]) / Math.sqrt((double) variances[c] + eps);
            double shift = bias == null ? 0 : bias[c];
            for (int i = 0; i < n; i++) {
                int base = (i * channels + c) * inner;
                for (int j = 0; j < inner; j++) {
                    y[base + j] = (float) ((x[base + j] - mean) * scale + shift);
                }
            }
        }
    }

    /**
     * The forward's normalised value of one element from the statistics as stored (float), in
     * double, rounded to float once: backward recomputes it exactly, for ReLU's mask.
     */
    private static float normalised(float x, double mean, double rstd, double scale, double shift) {
        return (float) ((x - mean) * rstd * scale + shift);
    }

    /** dy as ReLU's gradient passes it: 0 where the forward's normalised value of x was at most 0, else dy. */
    private static float passed(float dy, float x, double mean, double rstd, double scale, double shift) {
        return normalised(x, mean, rstd, scale, shift) <= 0f ? 0f : dy;
    }

    static void backward(float[] dy, float[] x, float[] means, float[] invStd, float[] weight, float[] bias,
                         boolean relu, int n, int channels, int inner, float[] dx, float[] dWeight, float[] dBias) {
        int m = n * inner;
        for (int c = 0; c < channels; c++) {
            double mean = means[c];
            double rstd = invStd[c];
            double scale = weight == null ? 1 : weight[c];
            double shift = bias == null ? 0 : bias[c];
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * channels + c) * inner;
                for (int j = 0; j < inner; j++) {
                    float g = relu ? passed(dy[base + j], x[base + j], mean, rstd, scale, shift) : dy[base + j];
                    sumDy += g;
                    sumDyXhat += g * ((x[base + j] - mean) * rstd);
                }
            }
            if (dWeight != null) {
                dWeight[c] = (float) sumDyXhat;
            }
            if (dBias != null) {
                dBias[c] = (float) sumDy;
            }
            if (dx == null) {
                continue;
            }
            double k = (weight == null ? 1 : weight[c]) * rstd / m;
            for (int i = 0; i < n; i++) {
                int base = (i * channels + c) * inner;
                for (int j = 0; j < inner; j++) {
                    double xhat = (x[base + j] - mean) * rstd;
                    float g = relu ? passed(dy[base + j], x[base + j], mean, rstd, scale, shift) : dy[base + j];
                    dx[base + j] = (float) (k * (m * (double) g - sumDy - xhat * sumDyXhat));
                }
            }
        }
    }
}
