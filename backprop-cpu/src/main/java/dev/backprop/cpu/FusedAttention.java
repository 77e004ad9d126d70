package dev.backprop.cpu;

import dev.backprop.backend.AttentionGeometry;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention without a score matrix: each (batch, head) is one task, and within
 * it one query row at a time holds only its own scores. K (and in backward V) is first transposed
 * into a {@code [D, Lk]} scratch block so that a row's scores are FMAs across keys, a vector of keys
 * at a time; weighted sums of value rows and the key and value gradients are FMAs across the head
 * width. Backward recomputes each row's probabilities from its saved log-sum-exp (as
 * FlashAttention does) instead of storing them. Same arithmetic as {@code ReferenceAttention}, in float.
 */
final class FusedAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();

    private FusedAttention() {
    }

    static void forward(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                        float[] logSumExp) {
        int problems = g.batch() * g.heads();
        WorkerPool.run(Math.min(problems, WorkerPool.threads()), part -> {
            Scratch w = new Scratch(g);
            for (int p = part; p < problems; p += WorkerPool.threads()) {
                int b = p / g.heads();
                int h = p % g.heads();
                transpose(g, k, g.key(), b, h, w.kt, w.stride);
                int vBase = g.row(g.value(), b, h, 0);
                int vStride = g.value().strides()[2];
                for (int i = 0; i < g.queries(); i++) {
                    float lse = probabilities(g, q, keyPadding, b, h, i, w, w.p, 0, Float.NaN);
                    logSumExp[p * g.queries() + i] = lse;
                    if (lse != Float.NEGATIVE_INFINITY) {
                        weightedRows(w.p, 0, 1, 0, g.keyEnd(i), v, vBase, vStride, out, g.packedRow(g.queries(), b, h, i),
                                g.dim());
                    }
                }
            }
        });
    }

    /**
     * Per (batch, head), blocks of {@link #BLOCK} query rows: their probabilities P and score
     * gradients dS = P (dP - rowsum(dOut out)) scale are kept for the block only, then
     * dQ = dS K row by row, and dK += dS^T Q, dV += P^T dOut key by key.
     */
    static void backward(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                         float[] logSumExp, float[] dOut, float[] dq, float[] dk, float[] dv) {
        int problems = g.batch() * g.heads();
        WorkerPool.run(Math.min(problems, WorkerPool.threads()), part -> {
            Scratch w = new Scratch(g);
            int stride = w.stride;
            for (int p = part; p < problems; p += WorkerPool.threads()) {
                int b = p / g.heads();
                int h = p % g.heads();
                transpose(g, k, g.key(), b, h, w.kt, stride);
                transpose(g, v, g.value(), b, h, w.vt, stride);
                int kBase = g.row(g.key(), b, h, 0);
                int kStride = g.key().strides()[2];
                int qBase = g.row(g.query(), b, h, 0);
                int qStride = g.query().strides()[2];
                int dBase = g.packedRow(g.queries(), b, h, 0);
                int dStride = g.heads() * g.dim();
                for (int i0 = 0; i0 < g.queries(); i0 += BLOCK) {
                    int i1 = Math.min(i0 + BLOCK, g.queries());
                    for (int i = i0; i < i1; i++) {
                        int row = (i - i0) * stride;
                        float lse = logSumExp[p * g.queries() + i];
                        if (lse == Float.NEGATIVE_INFINITY) {
                            java.util.Arrays.fill(w.p, row, row + stride, 0f);
                            java.util.Arrays.fill(w.ds, row, row + stride, 0f);
                            continue;
                        }
                        int o = dBase + i * dStride;
                        probabilities(g, q, keyPadding, b, h, i, w, w.p, row, lse);
                        java.util.Arrays.fill(w.ds, row, row + stride, 0f);
                        rowTimesTransposed(dOut, o, 1f, w.vt, stride, g.dim(), g.keyEnd(i), w.ds, row);
                        float dot = 0f;
                        for (int d = 0; d < g.dim(); d++) {
                            dot += dOut[o + d] * out[o + d];
                        }
                        scoreGradients(w.p, w.ds, row, g.keyEnd(i), dot, g.scale());
                        weightedRows(w.ds, row, 1, 0, g.keyEnd(i), k, kBase, kStride, dq, o, g.dim());
                    }
                    for (int j = 0, keys = g.keyEnd(i1 - 1); j < keys; j++) {
                        int from = g.causal() ? Math.max(i0, j) : i0;
                        int gj = g.packedRow(g.keys(), b, h, j);
                        int local = (from - i0) * stride + j;
                        weightedRows(w.ds, local, stride, from, i1, q, qBase, qStride, dk, gj, g.dim());
                        weightedRows(w.p, local, stride, from, i1, dOut, dBase, dStride, dv, gj, g.dim());
                    }
                }
            }
        });
    }

    /** Query rows whose probabilities and score gradients backward keeps at once. */
    private static final int BLOCK = 64;

    /**
     * Per-task buffers: K and V transposed to {@code [D, keys]}, and the probabilities and score
     * gradients of up to {@link #BLOCK} query rows; rows padded to a whole number of vectors.
     */
    private static final class Scratch {
        final int stride;
        final float[] kt;
        final float[] vt;
        final float[] p;
        final float[] ds;

        Scratch(AttentionGeometry g) {
            stride = (g.keys() + V - 1) / V * V;
            kt = new float[g.dim() * stride];
            vt = new float[g.dim() * stride];
            int rows = Math.min(BLOCK, g.queries());
            p = new float[rows * stride];
            ds = new float[rows * stride];
        }
    }

    private static void transpose(AttentionGeometry g, float[] src, dev.backprop.backend.Layout l, int b, int h,
                                  float[] dst, int stride) {
        for (int j = 0; j < g.keys(); j++) {
            int r = g.row(l, b, h, j);
            for (int d = 0; d < g.dim(); d++) {
                dst[d * stride + j] = src[r + d];
            }
        }
    }

    /**
     * Leaves row i's probabilities in {@code s[off .. off + keyEnd(i))} (masked keys 0, the rest of
     * the padded row 0) and returns the scores' log-sum-exp. With a known log-sum-exp (backward) it
     * is used instead of the row's own maximum and sum, so the probabilities are the forward pass's.
     */
    private static float probabilities(AttentionGeometry g, float[] q, float[] keyPadding, int b, int h, int i, Scratch w,
                                       float[] s, int off, float knownLse) {
        int end = g.keyEnd(i);
        java.util.Arrays.fill(s, off, off + w.stride, 0f);
        rowTimesTransposed(q, g.row(g.query(), b, h, i), g.scale(), w.kt, w.stride, g.dim(), end, s, off);
        if (keyPadding != null) {
            for (int j = 0; j < end; j++) {
                if (keyPadding[b * g.keys() + j] != 0) {
                    s[off + j] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        if (!Float.isNaN(knownLse)) {
            expShifted(s, off, end, knownLse);
            return knownLse;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < end; j++) {
            max = Math.max(max, s[off + j]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(s, off, off + w.stride, 0f);
            return max;
        }
        float sum = expShifted(s, off, end, max);
        float inv = 1f / sum;
        for (int j = 0; j < end; j++) {
            s[off + j] *= inv;
        }
        return max + (float) Math.log(sum);
    }

    /** {@code s[off + j] = exp(s[off + j] - shift)} for j below n (whole vectors; lanes past n are cleared), returning the sum. */
    private static float expShifted(float[] s, int off, int n, float shift) {
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < n; j += V) {
            FloatVector e = FloatVector.fromArray(S, s, off + j).sub(shift).lanewise(VectorOperators.EXP);
            e = e.blend(0f, S.indexInRange(j, n).not());
            e.intoArray(s, off + j);
            sum = sum.add(e);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /** {@code ds[j] = p[j] (ds[j] - dot) scale} over a row's first n keys: on entry ds holds dOut . v_j. */
    private static void scoreGradients(float[] p, float[] ds, int off, int n, float dot, float scale) {
        for (int j = 0; j < n; j += V) {
            FloatVector dp = FloatVector.fromArray(S, ds, off + j);
            FloatVector.fromArray(S, p, off + j).mul(dp.sub(dot)).mul(scale).intoArray(ds, off + j);
        }
    }

    /** {@code acc[off + j] += scale sum_d x[xOff + d] t[d, j]} for j below n, whole vectors at a time. */
    private static void rowTimesTransposed(float[] x, int xOff, float scale, float[] t, int stride, int dim, int n,
                                           float[] acc, int off) {
        for (int j = 0; j < n; j += V) {
            FloatVector a = FloatVector.fromArray(S, acc, off + j);
            for (int d = 0; d < dim; d++) {
                a = FloatVector.fromArray(S, t, d * stride + j).fma(FloatVector.broadcast(S, x[xOff + d] * scale), a);
            }
            a.intoArray(acc, off + j);
        }
    }

    /**
     * {@code y[yOff + d] += sum_{r in [from, to)} w[wOff + (r - from) wStride] x[xBase + r xStride + d]}
     * for d below dim: a weighted sum of rows kept in registers, a vector of the width at a time.
     */
    private static void weightedRows(float[] w, int wOff, int wStride, int from, int to, float[] x, int xBase,
                                     int xStride, float[] y, int yOff, int dim) {
        int d = 0;
        for (int upper = S.loopBound(dim); d < upper; d += V) {
            FloatVector acc = FloatVector.fromArray(S, y, yOff + d);
            for (int r = from, wi = wOff; r < to; r++, wi += wStride) {
                acc = FloatVector.fromArray(S, x, xBase + r * xStride + d).fma(FloatVector.broadcast(S, w[wi]), acc);
            }
            acc.intoArray(y, yOff + d);
        }
        for (; d < dim; d++) {
            float acc = y[yOff + d];
            for (int r = from, wi = wOff; r < to; r++, wi += wStride) {
                acc += w[wi] * x[xBase + r * xStride + d];
            }
            y[yOff + d] = acc;
        }
    }
}
