package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backends;

/**
 * Batch normalisation in training mode as one op over {@code [N, C, ...]}: per channel c over its
 * M = N x (spatial size) values, {@code xhat = (x - mean) / sqrt(var + eps)} with the biased variance
 * and {@code y = xhat * weight + bias}. Backward (Ioffe and Szegedy 2015, section 3):
 * {@code dbias = sum dy}, {@code dweight = sum dy xhat} and
 * {@code dx = weight / (M sqrt(var + eps)) * (M dy - sum dy - xhat sum(dy xhat))}. The batch mean and
 * biased variance are returned for the running estimates.
 */
final class NormOps {
    private NormOps() {
    }

    /** The output and the per-channel batch statistics. */
    record BatchNormResult(Tensor output, float[] mean, float[] variance) {
    }

    static BatchNormResult batchNormTraining(Tensor x, Tensor weight, Tensor bias, float eps) {
        int n = x.size(0);
        int c = x.size(1);
        int inner = x.numel() / (n * c);
        int m = n * inner;
        float[] xd = Creation.readable(x.contiguous());
        float[] wd = weight == null ? null : Creation.readable(weight);
        float[] bd = bias == null ? null : Creation.readable(bias);
        float[] mean = new float[c];
        float[] var = new float[c];
        float[] invStd = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * inner;
                for (int j = 0; j < inner; j++) {
                    s += xd[base + j];
                }
            }
            double mu = s / m;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * c + ch) * inner;
                for (int j = 0; j < inner; j++) {
                    double d = xd[base + j] - mu;
                    sq += d * d;
                }
            }
            mean[ch] = (float) mu;
            var[ch] = (float) (sq / m);
            invStd[ch] = (float) (1.0 / Math.sqrt(sq / m + eps));
        }
        float[] xhat = new float[xd.length];
        float[] y = new float[xd.length];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (i * c + ch) * inner;
                float scale = wd == null ? 1f : wd[ch];
                float shift = bd == null ? 0f : bd[ch];
                for (int j = 0; j < inner; j++) {
                    float h = (xd[base + j] - mean[ch]) * invStd[ch];
                    xhat[base + j] = h;
                    y[base + j] = h * scale + shift;
                }
            }
        }
        Tensor out = Tensor.wrap(y, x.shape);
        Tensor recorded = Graph.op("batch_norm", out, x, weight, bias).saves(weight == null ? x : weight)
                .backward(g -> {
                    float[] dy = Creation.readable(g.contiguous());
                    float[] sumDy = new float[c];
                    float[] sumDyXhat = new float[c];
                    for (int i = 0; i < n; i++) {
                        for (int ch = 0; ch < c; ch++) {
                            int base = (i * c + ch) * inner;
                            double a = 0;
                            double b = 0;
                            for (int j = 0; j < inner; j++) {
                                a += dy[base + j];
                                b += dy[base + j] * xhat[base + j];
                            }
                            sumDy[ch] += (float) a;
                            sumDyXhat[ch] += (float) b;
                        }
                    }
                    Tensor dx = null;
                    if (x.requiresGrad()) {
                        float[] d = new float[xd.length];
                        for (int i = 0; i < n; i++) {
                            for (int ch = 0; ch < c; ch++) {
                                int base = (i * c + ch) * inner;
                                float k = (wd == null ? 1f : wd[ch]) * invStd[ch] / m;
                                for (int j = 0; j < inner; j++) {
                                    d[base + j] = k * (m * dy[base + j] - sumDy[ch] - xhat[base + j] * sumDyXhat[ch]);
                                }
                            }
                        }
                        dx = Tensor.wrap(d, x.shape);
                    }
                    Tensor dw = weight != null && weight.requiresGrad() ? Tensor.wrap(sumDyXhat.clone(), weight.shape) : null;
                    Tensor db = bias != null && bias.requiresGrad() ? Tensor.wrap(sumDy.clone(), bias.shape) : null;
                    return grads(dx, dw, db);
                });
        return new BatchNormResult(recorded, mean, var);
    }

    /**
     * Layer normalisation over the last {@code width} elements of each row as one op (Ba et al.
     * 2016), run by the backend's {@code layerNorm} kernels: {@code xhat = (x - mean) / sqrt(var + eps)}
     * with the biased variance, {@code y = xhat w + b}. Backward: {@code dw = sum_rows dy xhat},
     * {@code db = sum_rows dy} and, with {@code dh = dy w}, {@code dx = (dh - mean(dh) - xhat mean(dh xhat)) / sqrt(var + eps)}.
     */
    static Tensor layerNorm(Tensor x, int width, Tensor weight, Tensor bias, float eps) {
        int rows = x.numel() / Math.max(1, width);
        float[] xd = Creation.readable(x.contiguous());
        float[] wd = weight == null ? null : Creation.readable(weight.contiguous());
        float[] bd = bias == null ? null : Creation.readable(bias.contiguous());
        float[] mean = new float[rows];
        float[] invStd = new float[rows];
        float[] y = new float[rows * width];
        Backends.active().layerNorm(xd, rows, width, wd, bd, eps, y, mean, invStd);
        Tensor out = Tensor.wrap(y, x.shape);
        return Graph.op("layer_norm", out, x, weight, bias).saves(x, weight == null ? x : weight).backward(g -> {
            float[] dy = Creation.readable(g.contiguous());
            float[] dx = x.requiresGrad() ? new float[rows * width] : null;
            float[] dw = weight != null && weight.requiresGrad() ? new float[width] : null;
            float[] db = bias != null && bias.requiresGrad() ? new float[width] : null;
            Backends.active().layerNormBackward(dy, xd, mean, invStd, wd, rows, width, dx, dw, db);
            return grads(dx == null ? null : Tensor.wrap(dx, x.shape), dw == null ? null : Tensor.wrap(dw, weight.shape),
                    db == null ? null : Tensor.wrap(db, bias.shape));
        });
    }
}
