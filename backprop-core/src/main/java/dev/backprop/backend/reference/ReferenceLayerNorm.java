package dev.backprop.backend.reference;

/**
 * Layer normalisation as its definition (Ba et al. 2016), a row at a time with sums in double:
 * {@code xhat = (x - mean) / sqrt(var + eps)}, {@code y = xhat w + b}; backward, xhat recomputed, with
 * {@code dh = dy w}: {@code dx = (dh - mean(dh) - xhat mean(dh xhat)) / sqrt(var + eps)},
 * {@code dw = sum_rows dy xhat}, {@code db = sum_rows dy}.
 */
final class ReferenceLayerNorm {
    private ReferenceLayerNorm() {
    }

    static void forward(float[] x, int rows, int width, float[] weight, float[] bias, float eps,
                        float[] y, float[] means, float[] invStd) {
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            double sum = 0;
            for (int j = 0; j < width; j++) {
                sum += x[base + j];
            }
            double mean = sum / width;
            double sq = 0;
            for (int j = 0; j < width; j++) {
                double d = x[base + j] - mean;
                sq += d * d;
            }
            double rstd = 1 / Math.sqrt(sq / width + eps);
            means[r] = (float) mean;
            invStd[r] = (float) rstd;
            for (int j = 0; j < width; j++) {
                float h = (float) ((x[base + j] - mean) * rstd);
                y[base + j] = h * (weight == null ? 1f : weight[j]) + (bias == null ? 0f : bias[j]);
            }
        }
    }

    static void backward(float[] dy, float[] x, float[] mean, float[] invStd, float[] weight, int rows, int width,
                         float[] dx, float[] dWeight, float[] dBias) {
        double[] dw = new double[width];
        double[] db = new double[width];
        double[] xhat = new double[width];
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            for (int j = 0; j < width; j++) {
                xhat[j] = ((double) x[base + j] - mean[r]) * invStd[r];
            }
            double sumDh = 0;
            double sumDhXhat = 0;
            for (int j = 0; j < width; j++) {
                double dh = (double) dy[base + j] * (weight == null ? 1f : weight[j]);
                sumDh += dh;
                sumDhXhat += dh * xhat[j];
                dw[j] += dy[base + j] * xhat[j];
                db[j] += dy[base + j];
            }
            if (dx != null) {
                double meanDh = sumDh / width;
                double meanDhXhat = sumDhXhat / width;
                for (int j = 0; j < width; j++) {
                    double dh = (double) dy[base + j] * (weight == null ? 1f : weight[j]);
                    dx[base + j] = (float) ((dh - meanDh - xhat[j] * meanDhXhat) * invStd[r]);
                }
            }
        }
        for (int j = 0; j < width; j++) {
            if (dWeight != null) {
                dWeight[j] = (float) dw[j];
            }
            if (dBias != null) {
                dBias[j] = (float) db[j];
            }
        }
    }
}
