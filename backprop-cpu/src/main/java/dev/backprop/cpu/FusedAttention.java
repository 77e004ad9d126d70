package dev.backprop.cpu;

import dev.backprop.backend.AttentionGeometry;
import dev.backprop.backend.Layout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention without a full score matrix: each (batch, head) is one task, and
 * within it blocks of up to {@link #BLOCK} query rows keep their probabilities (and in backward
 * their score gradients) for the block only. K (and in backward V) is first transposed into a
 * {@code [D, Lk]} scratch block so that scores are FMAs across keys, a vector of keys at a time;
 * weighted sums of rows are FMAs across the head width. Both kernels work on four rows at once, so
 * each vector loaded from K, V or Q feeds four FMAs. Backward recomputes the probabilities from the
 * saved log-sum-exp (as FlashAttention does). Same arithmetic as {@code ReferenceAttention}, in float.
 */
final class FusedAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** Query rows whose probabilities and score gradients are kept at once. */
    private static final int BLOCK = 64;

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
                Rows qr = new Rows(g.query(), b, h, g);
                Rows vr = new Rows(g.value(), b, h, g);
                int outBase = g.packedRow(g.queries(), b, h, 0);
                int outStride = g.heads() * g.dim();
                transpose(k, new Rows(g.key(), b, h, g), g.keys(), g.dim(), w.kt, w.stride);
                for (int i0 = 0; i0 < g.queries(); i0 += BLOCK) {
                    int i1 = Math.min(i0 + BLOCK, g.queries());
                    scores(q, qr.base + i0 * qr.stride, qr.stride, g.scale(), w.kt, w.stride, g.dim(), g, i0, i1, w.p);
                    for (int i = i0; i < i1; i++) {
                        logSumExp[p * g.queries() + i] = softmaxRow(g, keyPadding, b, i, w.p, (i - i0) * w.stride, w.stride,
                                Float.NaN);
                    }
                    // out rows = P V (rows that see no key have all-zero P and stay zero).
                    weightedSums(w.p, 0, w.stride, 1, i1 - i0, 0, g.keyEnd(i1 - 1), v, vr.base, vr.stride,
                            out, outBase + i0 * outStride, outStride, g.dim());
                }
            }
        });
    }

    /**
     * Per (batch, head) and block of query rows: P from the log-sum-exp, dS = P (dOut V^T - rowsum(dOut out))
     * scale, then dQ = dS K for the block's rows, and dK += dS^T Q, dV += P^T dOut for the keys they see.
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
                Rows qr = new Rows(g.query(), b, h, g);
                Rows kr = new Rows(g.key(), b, h, g);
                transpose(k, kr, g.keys(), g.dim(), w.kt, stride);
                transpose(v, new Rows(g.value(), b, h, g), g.keys(), g.dim(), w.vt, stride);
                int dBase = g.packedRow(g.queries(), b, h, 0);
                int kvBase = g.packedRow(g.keys(), b, h, 0);
                int packed = g.heads() * g.dim();
                for (int i0 = 0; i0 < g.queries(); i0 += BLOCK) {
                    int i1 = Math.min(i0 + BLOCK, g.queries());
                    int rows = i1 - i0;
                    scores(q, qr.base + i0 * qr.stride, qr.stride, g.scale(), w.kt, stride, g.dim(), g, i0, i1, w.p);
                    scores(dOut, dBase + i0 * packed, packed, 1f, w.vt, stride, g.dim(), g, i0, i1, w.ds);
                    for (int i = i0; i < i1; i++) {
                        int row = (i - i0) * stride;
                        softmaxRow(g, keyPadding, b, i, w.p, row, stride, logSumExp[p * g.queries() + i]);
                        int o = dBase + i * packed;
                        float dot = 0f;
                        for (int d = 0; d < g.dim(); d++) {
                            dot += dOut[o + d] * out[o + d];
                        }
                        scoreGradients(w.p, w.ds, row, stride, dot, g.scale());
                    }
                    int keys = g.keyEnd(i1 - 1);
                    weightedSums(w.ds, 0, stride, 1, rows, 0, keys, k, kr.base, kr.stride, dq, dBase + i0 * packed, packed, g.dim());
                    // Key j gathers from the block's query rows; with a causal mask rows before j contribute zeros.
                    for (int j0 = 0; j0 < keys; j0 += 4) {
                        int j1 = Math.min(j0 + 4, keys);
                        int from = g.causal() ? Math.max(0, j0 - i0) : 0;
                        weightedSums(w.ds, j0, 1, stride, j1 - j0, from, rows, q, qr.base + i0 * qr.stride, qr.stride,
                                dk, kvBase + j0 * packed, packed, g.dim());
                        weightedSums(w.p, j0, 1, stride, j1 - j0, from, rows, dOut, dBase + i0 * packed, packed,
                                dv, kvBase + j0 * packed, packed, g.dim());
                    }
                }
            }
        });
    }

    /** Where the rows of one (batch, head) of a {@code [B, H, L, D]} layout start, and their stride. */
    private record Rows(int base, int stride) {
        Rows(Layout l, int b, int h, AttentionGeometry g) {
            this(g.row(l, b, h, 0), l.strides()[2]);
        }
    }

    /** Per-task buffers: K and V transposed to {@code [D, keys]}; P and dS of a block; rows padded to whole vectors. */
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

    private static void transpose(float[] src, Rows r, int keys, int dim, float[] dst, int stride) {
        for (int j = 0; j < keys; j++) {
            int row = r.base + j * r.stride;
            for (int d = 0; d < dim; d++) {
                dst[d * stride + j] = src[row + d];
            }
        }
    }

    /**
     * {@code out[(i - i0) stride + j] = scale sum_d x[xBase + (i - i0) xStride + d] t[d, j]} for the
     * block's rows i and, per group of four rows, the keys the group's last row sees, whole vectors at a time.
     */
    private static void scores(float[] x, int xBase, int xStride, float scale, float[] t, int stride, int dim,
                               AttentionGeometry g, int i0, int i1, float[] out) {
        for (int r0 = i0; r0 < i1; r0 += 4) {
            int rows = Math.min(4, i1 - r0);
            int end = g.keyEnd(r0 + rows - 1);
            int x0 = xBase + (r0 - i0) * xStride;
            int o0 = (r0 - i0) * stride;
            for (int j = 0; j < end; j += V) {
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int d = 0; d < dim; d++) {
                    FloatVector kv = FloatVector.fromArray(S, t, d * stride + j);
                    a0 = kv.fma(FloatVector.broadcast(S, x[x0 + d] * scale), a0);
                    if (rows > 1) {
                        a1 = kv.fma(FloatVector.broadcast(S, x[x0 + xStride + d] * scale), a1);
                    }
                    if (rows > 2) {
                        a2 = kv.fma(FloatVector.broadcast(S, x[x0 + 2 * xStride + d] * scale), a2);
                    }
                    if (rows > 3) {
                        a3 = kv.fma(FloatVector.broadcast(S, x[x0 + 3 * xStride + d] * scale), a3);
                    }
                }
                a0.intoArray(out, o0 + j);
                if (rows > 1) {
                    a1.intoArray(out, o0 + stride + j);
                }
                if (rows > 2) {
                    a2.intoArray(out, o0 + 2 * stride + j);
                }
                if (rows > 3) {
                    a3.intoArray(out, o0 + 3 * stride + j);
                }
            }
        }
    }

    /**
     * Turns row i's scores at {@code s[off ..]} into probabilities over the keys it sees (masked keys
     * and the rest of the padded row 0) and returns their log-sum-exp; with a known log-sum-exp
     * (backward) that is used, so the probabilities are exactly the forward pass's. A row that sees
     * no key becomes all zeros, with a log-sum-exp of -inf.
     */
    private static float softmaxRow(AttentionGeometry g, float[] keyPadding, int b, int i, float[] s, int off, int stride,
                                    float knownLse) {
        int end = g.keyEnd(i);
        if (keyPadding != null) {
            for (int j = 0; j < end; j++) {
                if (keyPadding[b * g.keys() + j] != 0) {
                    s[off + j] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        float shift = knownLse;
        if (Float.isNaN(knownLse)) {
            shift = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < end; j++) {
                shift = Math.max(shift, s[off + j]);
            }
        }
        if (shift == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(s, off, off + stride, 0f);
            return shift;
        }
        FloatVector sum = FloatVector.zero(S);
        int j = 0;
        for (; j < end; j += V) {
            FloatVector e = FloatVector.fromArray(S, s, off + j).sub(shift).lanewise(VectorOperators.EXP);
            e = e.blend(0f, S.indexInRange(j, end).not());
            e.intoArray(s, off + j);
            sum = sum.add(e);
        }
        java.util.Arrays.fill(s, off + j, off + stride, 0f);
        if (!Float.isNaN(knownLse)) {
            return knownLse;
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        FloatVector inv = FloatVector.broadcast(S, 1f / total);
        for (j = 0; j < end; j += V) {
            FloatVector.fromArray(S, s, off + j).mul(inv).intoArray(s, off + j);
        }
        return shift + (float) Math.log(total);
    }

    /** {@code ds[j] = p[j] (ds[j] - dot) scale} over a padded row: on entry ds holds dOut . v_j (zero where p is). */
    private static void scoreGradients(float[] p, float[] ds, int off, int stride, float dot, float scale) {
        for (int j = 0; j < stride; j += V) {
            FloatVector dp = FloatVector.fromArray(S, ds, off + j);
            FloatVector.fromArray(S, p, off + j).mul(dp.sub(dot)).mul(scale).intoArray(ds, off + j);
        }
    }

    /**
     * For each of {@code rows} (at most four) outputs r:
     * {@code y[yBase + r yStride + d] += sum_{k in [from, to)} w[wOff + r wRow + k wElem] x[xBase + k xStride + d]}
     * for d below dim. The four accumulators stay in registers across k, so each vector of x feeds four FMAs.
     */
    private static void weightedSums(float[] w, int wOff, int wRow, int wElem, int rows, int from, int to,
                                     float[] x, int xBase, int xStride, float[] y, int yBase, int yStride, int dim) {
        for (int r0 = 0; r0 < rows; r0 += 4) {
            int n = Math.min(4, rows - r0);
            int w0 = wOff + r0 * wRow;
            int y0 = yBase + r0 * yStride;
            int d = 0;
            for (int upper = S.loopBound(dim); d < upper; d += V) {
                FloatVector a0 = FloatVector.fromArray(S, y, y0 + d);
                FloatVector a1 = n > 1 ? FloatVector.fromArray(S, y, y0 + yStride + d) : a0;
                FloatVector a2 = n > 2 ? FloatVector.fromArray(S, y, y0 + 2 * yStride + d) : a0;
                FloatVector a3 = n > 3 ? FloatVector.fromArray(S, y, y0 + 3 * yStride + d) : a0;
                for (int k = from; k < to; k++) {
                    FloatVector xv = FloatVector.fromArray(S, x, xBase + k * xStride + d);
                    int wk = w0 + k * wElem;
                    a0 = xv.fma(FloatVector.broadcast(S, w[wk]), a0);
                    if (n > 1) {
                        a1 = xv.fma(FloatVector.broadcast(S, w[wk + wRow]), a1);
                    }
                    if (n > 2) {
                        a2 = xv.fma(FloatVector.broadcast(S, w[wk + 2 * wRow]), a2);
                    }
                    if (n > 3) {
                        a3 = xv.fma(FloatVector.broadcast(S, w[wk + 3 * wRow]), a3);
                    }
                }
                a0.intoArray(y, y0 + d);
                if (n > 1) {
                    a1.intoArray(y, y0 + yStride + d);
                }
                if (n > 2) {
                    a2.intoArray(y, y0 + 2 * yStride + d);
                }
                if (n > 3) {
                    a3.intoArray(y, y0 + 3 * yStride + d);
                }
            }
            for (; d < dim; d++) {
                for (int r = 0; r < n; r++) {
                    float acc = y[y0 + r * yStride + d];
                    for (int k = from; k < to; k++) {
                        acc += w[w0 + r * wRow + k * wElem] * x[xBase + k * xStride + d];
                    }
                    y[y0 + r * yStride + d] = acc;
                }
            }
        }
    }
}
