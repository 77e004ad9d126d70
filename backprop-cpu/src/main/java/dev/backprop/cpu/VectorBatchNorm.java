package dev.backprop.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch normalisation of {@code [n, channels, inner]} in float32 vectors, channels split across
 * the workers (each channel's statistics and gradients are its own, so parts never meet): forward
 * takes a channel's mean and biased variance in two passes over its n blocks of {@code inner}
 * contiguous values and writes y in a third; backward forms the channel's two sums with xhat
 * recomputed, then writes dx. Lane sums are added in a fixed order, so results do not depend on
 * thread timing. Same formulas as {@code ReferenceBatchNorm}, whose sums are in double. With relu,
 * forward writes ReLU of its output as {@link VectorLoops#map} computes it, and backward takes dy only
 * where the normalised value, recomputed from x exactly as forward computed it, is not at most 0 (NaN passes).
 */
final class VectorBatchNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** Elements per worker below which a normalisation is not split. */
    private static final int PART_ELEMENTS = 16_384;

    private VectorBatchNorm() {
    }

    static void forward(float[] x, int n, int channels, int inner, float[] weight, float[] bias, float eps,
                        boolean relu, float[] y, float[] means, float[] variances, float[] invStd) {
        int m = n * inner;
        int parts = parts(n, channels, inner);
        float floor = floor(relu);
        WorkerPool.run(parts, part -> {
            for (int c = channels * part / parts, end = channels * (part + 1) / parts; c < end; c++) {
                float mean = sum(x, n, channels, inner, c) / m;
                float var = squares(x, n, channels, inner, c, mean) / m;
                float rstd = (float) (1 / Math.sqrt((double) var + eps));
                means[c] = mean;
                variances[c] = var;
                invStd[c] = rstd;
                float scale = (weight == null ? 1f : weight[c]) * rstd;
                float shift = bias == null ? 0f : bias[c];
                for (int i = 0; i < n; i++) {
                    normalize(x, (i * channels + c) * inner, inner, mean, scale, shift, floor, y);
                }
            }
        });
    }

    /**
     * {@code y = max((x - mean) scale + shift, floor)} over one block of {@code inner} values from {@code base}:
     * training's last pass and evaluation's only one, ReLU with a floor of 0 and none with -infinity (the maximum
     * then returns every value as it is, -0 and NaN included). The floor is a value, not a branch, so the loop
     * keeps one profile: evaluation runs the loop training compiled, where a flag taken one way in training and
     * the other way in the first test pass sent it back to the interpreter (-XX:+PrintCompilation).
     */
    private static void normalize(float[] x, int base, int inner, float mean, float scale, float shift, float floor,
                                  float[] y) {
        FloatVector scales = FloatVector.broadcast(S, scale);
        FloatVector shifts = FloatVector.broadcast(S, shift);
        int upper = vectorEnd(inner);
        for (int j = 0; j < upper; j += V) {
            FloatVector.fromArray(S, x, base + j).sub(mean).fma(scales, shifts).max(floor).intoArray(y, base + j);
        }
        for (int j = upper; j < inner; j++) {
            y[base + j] = Math.max(Math.fma(x[base + j] - mean, scale, shift), floor);
        }
    }

    /** The floor of {@link #normalize}: 0 for ReLU, else none. */
    private static float floor(boolean relu) {
        return relu ? 0f : Float.NEGATIVE_INFINITY;
    }

    /**
     * {@code y = (x - mean) scale + shift} with {@code scale = w / sqrt(var + eps)} and {@code shift = b}
     * from fixed statistics: one pass, the images split across the workers.
     */
    static void inference(float[] x, int n, int channels, int inner, float[] means, float[] variances,
                          float[] weight, float[] bias, float eps, float[] y) {
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            scales[c] = (float) ((weight == null ? 1 : weight[c]) / Math.sqrt((double) variances[c] + eps));
        }
        long elements = (long) n * channels * inner;
        int parts = (int) Math.max(1, Math.min(Math.min(WorkerPool.threads(), n), elements / PART_ELEMENTS));
        WorkerPool.run(parts, part -> {
            for (int i = n * part / parts, end = n * (part + 1) / parts; i < end; i++) {
                for (int c = 0; c < channels; c++) {
                    normalize(x, (i * channels + c) * inner, inner, means[c], scales[c], bias == null ? 0f : bias[c],
                            Float.NEGATIVE_INFINITY, y);
                }
            }
        });
    }

    static void backward(float[] dy, float[] x, float[] means, float[] invStd, float[] weight, float[] bias,
                         boolean relu, int n, int channels, int inner, float[] dx, float[] dWeight, float[] dBias) {
        int m = n * inner;
        int parts = parts(n, channels, inner);
        WorkerPool.run(parts, part -> {
            float[] sums = new float[2];
            for (int c = channels * part / parts, end = channels * (part + 1) / parts; c < end; c++) {
                float rstd = invStd[c];
                // The forward's scale and shift, for ReLU's mask (dy blocked where the forward's output was at most 0).
                float scale = (weight == null ? 1f : weight[c]) * rstd;
                float shift = bias == null ? 0f : bias[c];
                gradientSums(dy, x, n, channels, inner, c, means[c], rstd, relu, scale, shift, sums);
                float sDy = sums[0];
                float sDyXhat = sums[1];
                if (dWeight != null) {
                    dWeight[c] = sDyXhat;
                }
                if (dBias != null) {
                    dBias[c] = sDy;
                }
                if (dx != null) {
                    // dx = k (M dy - sum dy - xhat sum dy xhat) = a dy - xhat e + f, with xhat = (x - mean) rstd.
                    float k = (weight == null ? 1f : weight[c]) * rstd / m;
                    inputGradient(dy, x, n, channels, inner, c, means[c], rstd, relu, scale, shift, k * m, k * sDyXhat,
                            -k * sDy, dx);
                }
            }
        });
    }

    // Backward's two passes over a channel are methods of their own, not one loop body: smaller methods reach C2
    // sooner and compile sooner, and C2 keeps each one's vector operations in line (in the time-to-99% command
    // the one body was 39% of what the Vector API's Java fallback allocated in the first seconds, JFR, 2026-12-05).

    /** {@code sums[0] = sum dy} and {@code sums[1] = sum dy xhat} over channel c (dy masked by ReLU when relu). */
    private static void gradientSums(float[] dy, float[] x, int n, int channels, int inner, int c, float mean, float rstd,
                                     boolean relu, float scale, float shift, float[] sums) {
        int upper = vectorEnd(inner);
        FloatVector scales = FloatVector.broadcast(S, scale);
        FloatVector shifts = FloatVector.broadcast(S, shift);
        FloatVector sumDy = FloatVector.zero(S);
        FloatVector sumDyXhat = FloatVector.zero(S);
        float sDy = 0;
        float sDyXhat = 0;
        for (int i = 0; i < n; i++) {
            int base = (i * channels + c) * inner;
            for (int j = 0; j < upper; j += V) {
                FloatVector g = FloatVector.fromArray(S, dy, base + j);
                FloatVector xc = FloatVector.fromArray(S, x, base + j).sub(mean);
                if (relu) {
                    g = g.blend(0f, xc.fma(scales, shifts).compare(VectorOperators.LE, 0f));
                }
                FloatVector h = xc.mul(rstd);
                sumDy = sumDy.add(g);
                sumDyXhat = g.fma(h, sumDyXhat);
            }
            for (int j = upper; j < inner; j++) {
                float g = relu ? passed(dy[base + j], x[base + j], mean, scale, shift) : dy[base + j];
                sDy += g;
                sDyXhat += g * ((x[base + j] - mean) * rstd);
            }
        }
        sums[0] = sDy + VectorLoops.laneSum(sumDy);
        sums[1] = sDyXhat + VectorLoops.laneSum(sumDyXhat);
    }

    /** {@code dx = a dy - xhat e + f} over channel c (dy masked by ReLU when relu). */
    private static void inputGradient(float[] dy, float[] x, int n, int channels, int inner, int c, float mean, float rstd,
                                      boolean relu, float scale, float shift, float a, float e, float f, float[] dx) {
        int upper = vectorEnd(inner);
        FloatVector scales = FloatVector.broadcast(S, scale);
        FloatVector shifts = FloatVector.broadcast(S, shift);
        FloatVector as = FloatVector.broadcast(S, a);
        FloatVector fs = FloatVector.broadcast(S, f);
        for (int i = 0; i < n; i++) {
            int base = (i * channels + c) * inner;
            for (int j = 0; j < upper; j += V) {
                FloatVector xc = FloatVector.fromArray(S, x, base + j).sub(mean);
                FloatVector g = FloatVector.fromArray(S, dy, base + j);
                if (relu) {
                    g = g.blend(0f, xc.fma(scales, shifts).compare(VectorOperators.LE, 0f));
                }
                FloatVector h = xc.mul(rstd);
                g.fma(as, fs).sub(h.mul(e)).intoArray(dx, base + j);
            }
            for (int j = upper; j < inner; j++) {
                float h = (x[base + j] - mean) * rstd;
                float g = relu ? passed(dy[base + j], x[base + j], mean, scale, shift) : dy[base + j];
                dx[base + j] = Math.fma(g, a, f) - h * e;
            }
        }
    }

    /** dy as ReLU's gradient passes it: 0 where forward's value of x, {@code (x - mean) scale + shift}, was at most 0. */
    private static float passed(float dy, float x, float mean, float scale, float shift) {
        return Math.fma(x - mean, scale, shift) <= 0f ? 0f : dy;
    }

    /** Sum of channel c's values. */
    private static float sum(float[] x, int n, int channels, int inner, int c) {
        int upper = vectorEnd(inner);
        FloatVector acc = FloatVector.zero(S);
        float tail = 0;
        for (int i = 0; i < n; i++) {
            int base = (i * channels + c) * inner;
            for (int j = 0; j < upper; j += V) {
                acc = acc.add(FloatVector.fromArray(S, x, base + j));
            }
            for (int j = upper; j < inner; j++) {
                tail += x[base + j];
            }
        }
        return VectorLoops.laneSum(acc) + tail;
    }

    /** Sum of channel c's squared distances from {@code mean}. */
    private static float squares(float[] x, int n, int channels, int inner, int c, float mean) {
        int upper = vectorEnd(inner);
        FloatVector acc = FloatVector.zero(S);
        float tail = 0;
        for (int i = 0; i < n; i++) {
            int base = (i * channels + c) * inner;
            for (int j = 0; j < upper; j += V) {
                FloatVector d = FloatVector.fromArray(S, x, base + j).sub(mean);
                acc = d.fma(d, acc);
            }
            for (int j = upper; j < inner; j++) {
                float d = x[base + j] - mean;
                tail += d * d;
            }
        }
        return VectorLoops.laneSum(acc) + tail;
    }

    /**
     * Where a block of {@code inner} values stops taking whole vectors: always short of its end, so the scalar
     * loop after the vectors runs for every geometry (1 to V values). A tail that runs for some layers and not
     * others is a branch whose profile flips when the next layer arrives, and C2 compiled the first layer's
     * profile: each flip was an uncommon trap that finished the kernel's call in the interpreter (batch norm's
     * kernels trapped 17-23 times in the first seconds of training cnn:7, at 28 x 28 and then 14 x 14: JFR's
     * deoptimization events, the AVX2 machine, 2026-12-05).
     */
    private static int vectorEnd(int inner) {
        return inner == 0 ? 0 : S.loopBound(inner - 1);
    }

    /** Worker count: one per thread, each with at least {@link #PART_ELEMENTS} elements. */
    private static int parts(int n, int channels, int inner) {
        long elements = (long) n * channels * inner;
        return (int) Math.max(1, Math.min(Math.min(WorkerPool.threads(), channels), elements / PART_ELEMENTS));
    }
}
