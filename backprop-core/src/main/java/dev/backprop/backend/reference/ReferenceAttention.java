package dev.backprop.backend.reference;

import dev.backprop.backend.AttentionGeometry;

/**
 * Scaled dot-product attention written as its definition, one (batch, head) and one query row at a
 * time, in double precision: scores {@code s_j = scale q . k_j} over the keys the row may see,
 * {@code p = softmax(s)}, {@code out = sum_j p_j v_j}. Backward, with {@code D = dOut . out}:
 * {@code dv_j += p_j dOut}, {@code ds_j = p_j (dOut . v_j - D)}, {@code dq = scale sum_j ds_j k_j},
 * {@code dk_j += scale ds_j q}. The fast backends are tested against this.
 */
final class ReferenceAttention {
    private ReferenceAttention() {
    }

    static void forward(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                        float[] logSumExp) {
        double[] s = new double[g.keys()];
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < g.heads(); h++) {
                for (int i = 0; i < g.queries(); i++) {
                    double lse = scores(g, q, k, keyPadding, b, h, i, s);
                    logSumExp[(b * g.heads() + h) * g.queries() + i] = (float) lse;
                    int o = g.packedRow(g.queries(), b, h, i);
                    for (int d = 0; d < g.dim(); d++) {
                        double acc = 0;
                        for (int j = 0; j < g.keyEnd(i); j++) {
                            acc += Math.exp(s[j] - lse) * v[g.row(g.value(), b, h, j) + d];
                        }
                        out[o + d] = lse == Double.NEGATIVE_INFINITY ? 0f : (float) acc;
                    }
                }
            }
        }
    }

    static void backward(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                         float[] logSumExp, float[] dOut, float[] dq, float[] dk, float[] dv) {
        // The gradients are sums over the other side's rows: every row starts from zero.
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < g.heads(); h++) {
                for (int i = 0; i < g.queries(); i++) {
                    int at = g.queryGradientRow(b, h, i);
                    java.util.Arrays.fill(dq, at, at + g.dim(), 0f);
                }
                for (int j = 0; j < g.keys(); j++) {
                    int at = g.keyGradientRow(b, h, j);
                    java.util.Arrays.fill(dk, at, at + g.dim(), 0f);
                    at = g.valueGradientRow(b, h, j);
                    java.util.Arrays.fill(dv, at, at + g.dim(), 0f);
                }
            }
        }
        double[] s = new double[g.keys()];
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < g.heads(); h++) {
                for (int i = 0; i < g.queries(); i++) {
                    double lse = scores(g, q, k, keyPadding, b, h, i, s);
                    if (lse == Double.NEGATIVE_INFINITY) {
                        continue;
                    }
                    int o = g.packedRow(g.queries(), b, h, i);
                    int gq = g.queryGradientRow(b, h, i);
                    int qi = g.row(g.query(), b, h, i);
                    double dot = 0;
                    for (int d = 0; d < g.dim(); d++) {
                        dot += (double) dOut[o + d] * out[o + d];
                    }
                    for (int j = 0; j < g.keyEnd(i); j++) {
                        double p = Math.exp(s[j] - lse);
                        if (p == 0) {
                            continue;
                        }
                        int kj = g.row(g.key(), b, h, j);
                        int vj = g.row(g.value(), b, h, j);
                        int gk = g.keyGradientRow(b, h, j);
                        int gv = g.valueGradientRow(b, h, j);
                        double dp = 0;
                        for (int d = 0; d < g.dim(); d++) {
                            dp += (double) dOut[o + d] * v[vj + d];
                        }
                        double ds = p * (dp - dot) * g.scale();
                        for (int d = 0; d < g.dim(); d++) {
                            dq[gq + d] += (float) (ds * k[kj + d]);
                            dk[gk + d] += (float) (ds * q[qi + d]);
                            dv[gv + d] += (float) (p * dOut[o + d]);
                        }
                    }
                }
            }
        }
    }

    /** Fills {@code s[0 .. keyEnd(i))} with row i's scaled scores (masked: -inf) and returns their log-sum-exp. */
    private static double scores(AttentionGeometry g, float[] q, float[] k, float[] keyPadding, int b, int h, int i,
                                 double[] s) {
        int qi = g.row(g.query(), b, h, i);
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < g.keyEnd(i); j++) {
            if (keyPadding != null && keyPadding[b * g.keys() + j] != 0) {
                s[j] = Double.NEGATIVE_INFINITY;
                continue;
            }
            int kj = g.row(g.key(), b, h, j);
            double dot = 0;
            for (int d = 0; d < g.dim(); d++) {
                dot += (double) q[qi + d] * k[kj + d];
            }
            s[j] = dot * g.scale();
            max = Math.max(max, s[j]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (int j = 0; j < g.keyEnd(i); j++) {
            sum += Math.exp(s[j] - max);
        }
        return max + Math.log(sum);
    }
}
