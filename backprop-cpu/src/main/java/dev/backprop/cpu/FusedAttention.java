package dev.backprop.cpu;

import dev.backprop.backend.AttentionGeometry;
import dev.backprop.backend.BinaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention without a full score matrix: each thread takes a contiguous range
 * of the (batch, head) problems, and within one, blocks of up to {@link #BLOCK} query rows keep
 * their probabilities (and in backward their score gradients) for the block only. Every product is
 * a small matrix multiply run by {@link DirectSgemm}'s register tile: scores {@code Q K^T} against a
 * transposed copy of K, {@code out = P V}, and in backward {@code dP = dOut V^T}, {@code dQ = dS K},
 * {@code dK += dS^T Q}, {@code dV += P^T dOut}, reading Q, K, V and the gradients in place. With a
 * causal mask the products stop, per chunk of {@link #CHUNK} rows, at the last key the chunk sees.
 * Softmax runs in three plain passes over the block (shift, exp, normalise). Backward recomputes the
 * probabilities from the saved log-sum-exp (as FlashAttention does), except where a call's probabilities are
 * few enough to keep ({@link #keptProbabilities}): then forward computes them into the caller's array
 * instead of the block and backward reads them there. Forward for up to
 * {@link #FEW_QUERIES} query rows (a token being generated) skips the copy of K and runs row by
 * row against K and V in place. Same arithmetic as {@code ReferenceAttention}, in float.
 */
final class FusedAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** Query rows whose probabilities and score gradients are kept at once. */
    private static final int BLOCK = 64;
    /** Rows (or, for dK and dV, keys) per product under a causal mask. */
    private static final int CHUNK = 32;

    /**
     * The most probabilities a call keeps for backward (4 MB): the GPT recipe's layer keeps 196,608 (48 heads'
     * 64 x 64); MiniLM's batch of 16 at 128 tokens would keep 3.1 million a layer and recomputes them instead.
     */
    private static final long MOST_KEPT = 1 << 20;

    private FusedAttention() {
    }

    /**
     * How many floats {@link #forward} would fill with the probabilities for {@link #backward} to read instead of
     * recomputing them (the scores' product, their exp and K's transposed copy: backward took 0.67x the time in the
     * GPT recipe's attention, 309-375 us against 453-478, forward within the noise, Zen 4, 2026-12-06), or 0 where it
     * recomputes: above {@link #MOST_KEPT}, or for the few query rows forward takes row by row.
     */
    static int keptProbabilities(AttentionGeometry g) {
        long size = (long) g.batch() * g.heads() * g.queries() * rowStride(g.keys());
        return g.queries() <= FEW_QUERIES || size > MOST_KEPT ? 0 : (int) size;
    }

    /** Floats from one row of probabilities to the next: the keys rounded up to whole vectors. */
    private static int rowStride(int keys) {
        return Math.max(V, (keys + V - 1) / V * V);
    }

    /**
     * Forward; with {@code kept} (of {@link #keptProbabilities} floats) each problem's probabilities are
     * computed there, {@code [problem][query][rowStride]}, rather than in the thread's block, and stay for backward.
     */
    static void forward(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                        float[] logSumExp, float[] kept) {
        int problems = g.batch() * g.heads();
        if (g.queries() <= FEW_QUERIES) {
            fewQueries(g, q, k, v, keyPadding, out, logSumExp);
            return;
        }
        int parts = Math.min(problems, WorkerPool.threads());
        WorkerPool.run(parts, part -> {
            Scratch w = Scratch.of(g);
            int checkedRow = -1;   // a batch row's heads follow each other: its padding is looked at once
            float[] padding = null;
            for (int p = problems * part / parts; p < problems * (part + 1) / parts; p++) {
                Head hd = new Head(g, p);
                if (hd.b != checkedRow) {
                    checkedRow = hd.b;
                    padding = padded(keyPadding, hd.b, g.keys()) ? keyPadding : null;
                }
                transpose(k, hd.k, hd.kStride, g.keys(), g.dim(), w.kt, w.stride);
                rows(v, hd.v, hd.vStride, g.keys(), g.dim(), w.vr);
                for (int i0 = 0; i0 < g.queries(); i0 += BLOCK) {
                    int i1 = Math.min(i0 + BLOCK, g.queries());
                    float[] probs = kept != null ? kept : w.p;
                    int at = kept != null ? (p * g.queries() + i0) * w.stride : 0;
                    scores(g, q, hd.q, hd.qStride, w.kt, w.stride, i0, i1, probs, at);
                    probabilities(g, padding, hd.b, i0, i1, probs, at, w.stride, logSumExp, p * g.queries(), false);
                    // out rows = P V (rows that see no key have all-zero P and get zeros).
                    for (int r0 = i0; r0 < i1; r0 += CHUNK) {
                        int r1 = Math.min(r0 + CHUNK, i1);
                        DirectSgemm.multiply(r1 - r0, g.dim(), g.keyEnd(r1 - 1),
                                probs, at + (r0 - i0) * w.stride, w.stride, 1,
                                w.vr, 0, g.dim(), 1,
                                out, hd.packed + r0 * hd.packedStride, hd.packedStride, false);
                    }
                }
            }
        });
    }

    /**
     * Query rows up to which forward runs row by row against K and V in place: a generated token's
     * one row (or a few) would otherwise pay for a transposed copy of all of K, as large as the work.
     */
    private static final int FEW_QUERIES = 4;
    /** Multiply-adds (problems x queries x keys x dim) from which the row-by-row path splits its problems across the threads. */
    private static final long FEW_QUERIES_SPLIT = 1 << 18;

    /**
     * Forward for a few query rows: each row's scores are dot products with K's rows in place, the
     * softmax runs over that one row, and the output row is the probability-weighted sum of V's rows.
     */
    private static void fewQueries(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding,
                                   float[] out, float[] logSumExp) {
        int problems = g.batch() * g.heads();
        long work = (long) problems * g.queries() * g.keys() * g.dim();
        int parts = work >= FEW_QUERIES_SPLIT ? Math.min(problems, WorkerPool.threads()) : 1;
        WorkerPool.run(parts, part -> {
            float[] s = new float[rowStride(g.keys())];
            for (int p = problems * part / parts; p < problems * (part + 1) / parts; p++) {
                Head hd = new Head(g, p);
                for (int i = 0; i < g.queries(); i++) {
                    int end = g.keyEnd(i);
                    int qAt = hd.q + i * hd.qStride;
                    for (int j = 0; j < end; j++) {
                        s[j] = keyPadding != null && keyPadding[hd.b * g.keys() + j] != 0 ? Float.NEGATIVE_INFINITY
                                : dot(q, qAt, k, hd.k + j * hd.kStride, g.dim());
                    }
                    int outAt = hd.packed + i * hd.packedStride;
                    logSumExp[p * g.queries() + i] = softmax(s, end, g.scale());
                    weightedRows(s, end, v, hd.v, hd.vStride, g.dim(), out, outAt);
                }
            }
        });
    }

    /**
     * {@code s[0..end) = softmax(s[0..end) scale)} in place; returns the log-sum-exp of the scaled
     * scores, or -inf (with s all 0) when no key is seen.
     */
    private static float softmax(float[] s, int end, float scale) {
        float shift = rowMax(s, 0, end) * scale;
        if (shift == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(s, 0, end, 0f);
            return Float.NEGATIVE_INFINITY;
        }
        for (int j = 0; j < end; j++) {
            s[j] = s[j] * scale - shift;
        }
        VectorMath.exp(s, 0, s, 0, (end + V - 1) / V * V);   // whole vectors: s is padded
        float total = 0f;
        for (int j = 0; j < end; j++) {
            total += s[j];
        }
        float inv = 1f / total;
        for (int j = 0; j < end; j++) {
            s[j] *= inv;
        }
        return shift + (float) Math.log(total);
    }

    /** {@code out[at .. at + dim) = sum_j p[j] v_j} over the rows {@code v[base + j * stride ..]}, {@code j < end}. */
    private static void weightedRows(float[] p, int end, float[] v, int base, int stride, int dim, float[] out, int at) {
        java.util.Arrays.fill(out, at, at + dim, 0f);
        int upper = S.loopBound(dim);
        for (int j = 0; j < end; j++) {
            float w = p[j];
            if (w == 0f) {
                continue;
            }
            int row = base + j * stride;
            FloatVector wv = FloatVector.broadcast(S, w);
            int d = 0;
            for (; d < upper; d += V) {
                wv.fma(FloatVector.fromArray(S, v, row + d), FloatVector.fromArray(S, out, at + d)).intoArray(out, at + d);
            }
            for (; d < dim; d++) {
                out[at + d] += w * v[row + d];
            }
        }
    }

    /**
     * Per (batch, head) and block of query rows: P from the log-sum-exp (or, with {@code kept}, as forward left
     * it there), dS = P (dOut V^T - rowsum(dOut out)) scale, then dQ = dS K for the block's rows, and dK += dS^T Q,
     * dV += P^T dOut for the keys they see.
     */
    static void backward(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                         float[] logSumExp, float[] kept, float[] dOut, float[] dq, float[] dk, float[] dv) {
        int problems = g.batch() * g.heads();
        int parts = Math.min(problems, WorkerPool.threads());
        WorkerPool.run(parts, part -> {
            Scratch w = Scratch.of(g);
            int stride = w.stride;
            for (int p = problems * part / parts; p < problems * (part + 1) / parts; p++) {
                Head hd = new Head(g, p);
                if (kept == null) {
                    transpose(k, hd.k, hd.kStride, g.keys(), g.dim(), w.kt, stride);
                }
                transpose(v, hd.v, hd.vStride, g.keys(), g.dim(), w.vt, stride);
                int ps = hd.packedStride;
                int dqAt = g.queryGradientRow(hd.b, hd.h, 0);
                int dkAt = g.keyGradientRow(hd.b, hd.h, 0);
                int dvAt = g.valueGradientRow(hd.b, hd.h, 0);
                int dqs = g.queryGradientStride();
                int dks = g.keyGradientStride();
                int dvs = g.valueGradientStride();
                // dK and dV gather over the blocks of queries: the first block to reach a chunk of keys writes its
                // rows, later ones add to them, and rows no query sees are cleared at the end, by the thread that
                // owns them (dQ's rows are each written once, by their block's product). The blocks reach the keys
                // as a growing prefix, whole chunks at a time: the causal ones up to their last row, the others all.
                int written = 0;
                for (int i0 = 0; i0 < g.queries(); i0 += BLOCK) {
                    int i1 = Math.min(i0 + BLOCK, g.queries());
                    float[] probs = kept != null ? kept : w.p;
                    int pAt = kept != null ? (p * g.queries() + i0) * stride : 0;
                    if (kept == null) {
                        scores(g, q, hd.q, hd.qStride, w.kt, stride, i0, i1, w.p, 0);
                        probabilities(g, keyPadding, hd.b, i0, i1, w.p, 0, stride, logSumExp, p * g.queries(), true);
                    }
                    scores(g, dOut, hd.packed, ps, w.vt, stride, i0, i1, w.ds, 0);
                    for (int i = i0; i < i1; i++) {
                        int o = hd.packed + i * ps;
                        scoreGradients(probs, pAt, w.ds, (i - i0) * stride, stride, g.keyEnd(i),
                                dot(dOut, o, out, o, g.dim()), g.scale());
                    }
                    for (int r0 = i0; r0 < i1; r0 += CHUNK) {
                        int r1 = Math.min(r0 + CHUNK, i1);
                        DirectSgemm.multiply(r1 - r0, g.dim(), g.keyEnd(r1 - 1),
                                w.ds, (r0 - i0) * stride, stride, 1,
                                k, hd.k, hd.kStride, 1,
                                dq, dqAt + r0 * dqs, dqs, false);
                    }
                    // Keys [j0, j1) gather from the block's rows; under a causal mask only rows i >= j0 see them, and
                    // the block has such rows for every chunk it reaches (keyEnd(i1 - 1) is at most i1).
                    int keys = g.keyEnd(i1 - 1);
                    int before = written;
                    written = Math.max(written, keys);
                    for (int j0 = 0; j0 < keys; j0 += CHUNK) {
                        int j1 = Math.min(j0 + CHUNK, keys);
                        int from = g.causal() ? Math.max(i0, j0) : i0;
                        boolean add = j0 < before;
                        int at = (from - i0) * stride + j0;
                        DirectSgemm.multiply(j1 - j0, g.dim(), i1 - from, w.ds, at, 1, stride,
                                q, hd.q + from * hd.qStride, hd.qStride, 1, dk, dkAt + j0 * dks, dks, add);
                        DirectSgemm.multiply(j1 - j0, g.dim(), i1 - from, probs, pAt + at, 1, stride,
                                dOut, hd.packed + from * ps, ps, 1, dv, dvAt + j0 * dvs, dvs, add);
                    }
                }
                for (int j = written; j < g.keys(); j++) {
                    java.util.Arrays.fill(dk, dkAt + j * dks, dkAt + j * dks + g.dim(), 0f);
                    java.util.Arrays.fill(dv, dvAt + j * dvs, dvAt + j * dvs + g.dim(), 0f);
                }
            }
        });
    }

    /** Where one (batch, head)'s rows start in Q, K, V and in the packed {@code [B, L, H, D]} outputs, and their strides. */
    private record Head(int b, int h, int q, int qStride, int k, int kStride, int v, int vStride,
                        int packed, int packedStride) {
        Head(AttentionGeometry g, int problem) {
            this(problem / g.heads(), problem % g.heads(), g);
        }

        private Head(int b, int h, AttentionGeometry g) {
            this(b, h, g.row(g.query(), b, h, 0), g.query().strides()[2], g.row(g.key(), b, h, 0), g.key().strides()[2],
                    g.row(g.value(), b, h, 0), g.value().strides()[2], g.packedRow(g.queries(), b, h, 0), g.heads() * g.dim());
        }
    }

    /**
     * Per-thread buffers: K and V transposed to {@code [D, keys]}; P and dS of a block; rows padded to whole vectors.
     * A thread keeps its last one for the next call of the same keys, queries and width (every layer of a model,
     * every step), as it already serves head after head within a call: P and dS are rewritten for every block,
     * and the columns of K and V past the keys are never written, so they stay zero.
     */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> LAST = new ThreadLocal<>();

        final int keys;
        final int queries;
        final int dim;
        final int stride;
        final float[] kt;
        final float[] vt;
        final float[] vr;
        final float[] p;
        final float[] ds;

        private Scratch(AttentionGeometry g) {
            keys = g.keys();
            queries = g.queries();
            dim = g.dim();
            stride = rowStride(g.keys());
            kt = new float[g.dim() * stride];
            vt = new float[g.dim() * stride];
            vr = new float[g.keys() * g.dim()];
            int rows = Math.min(BLOCK, g.queries());
            p = new float[rows * stride];
            ds = new float[rows * stride];
        }

        /** This thread's scratch for {@code g}: the last one when it fits exactly, else a new one. */
        static Scratch of(AttentionGeometry g) {
            Scratch last = LAST.get();
            if (last != null && last.keys == g.keys() && last.queries == g.queries() && last.dim == g.dim()) {
                return last;
            }
            Scratch fresh = new Scratch(g);
            LAST.set(fresh);
            return fresh;
        }
    }

    /**
     * {@code dst[d * stride + j] = src[base + j * rowStride + d]}: one head's K or V as {@code [D, keys]},
     * a vector of keys at a time gathered through the row stride.
     */
    private static void transpose(float[] src, int base, int rowStride, int keys, int dim, float[] dst, int stride) {
        int[] rows = new int[V];
        for (int l = 0; l < V; l++) {
            rows[l] = l * rowStride;
        }
        int j = 0;
        for (int upper = S.loopBound(keys); j < upper; j += V) {
            int at = base + j * rowStride;
            for (int d = 0; d < dim; d++) {
                FloatVector.fromArray(S, src, at + d, rows, 0).intoArray(dst, d * stride + j);
            }
        }
        for (; j < keys; j++) {
            int row = base + j * rowStride;
            for (int d = 0; d < dim; d++) {
                dst[d * stride + j] = src[row + d];
            }
        }
    }

    /**
     * Unscaled products of the block's rows of x (from {@code x[base + i * xStride]}) with the
     * columns of t ({@code [D, keys]}) into rows of {@code out} from {@code outAt}, per chunk of rows only up to the
     * last key the chunk sees; entries past that are left as they are and masked by the callers.
     */
    private static void scores(AttentionGeometry g, float[] x, int base, int xStride, float[] t, int stride,
                               int i0, int i1, float[] out, int outAt) {
        for (int r0 = i0; r0 < i1; r0 += CHUNK) {
            int r1 = Math.min(r0 + CHUNK, i1);
            DirectSgemm.multiply(r1 - r0, g.keyEnd(r1 - 1), g.dim(), x, base + r0 * xStride, xStride, 1,
                    t, 0, stride, 1, out, outAt + (r0 - i0) * stride, stride, false);
        }
    }

    /**
     * Turns the block's raw scores (rows of {@code s} from {@code sAt}, {@code stride} wide) into probabilities over
     * the keys each row sees, with masked keys and the rest of the row 0. Forward computes each
     * row's log-sum-exp into {@code lse[lseAt + i]}; backward ({@code known}) shifts by the stored
     * one instead, so the probabilities are exactly the forward pass's. A row that sees no key
     * becomes all zeros, with a log-sum-exp of -inf. Three passes: shift (and mask), exp over the
     * whole block, normalise.
     */
    private static void probabilities(AttentionGeometry g, float[] keyPadding, int b, int i0, int i1, float[] s,
                                      int sAt, int stride, float[] lse, int lseAt, boolean known) {
        float scale = g.scale();
        for (int i = i0; i < i1; i++) {
            int off = sAt + (i - i0) * stride;
            int end = g.keyEnd(i);
            if (keyPadding != null) {
                mask(keyPadding, b * g.keys(), s, off, end);
            }
            float shift = known ? lse[lseAt + i] : rowMax(s, off, end) * scale;
            if (!known) {
                lse[lseAt + i] = shift;   // the shift now; the log-sum-exp once the row's total is known
            }
            if (shift == Float.NEGATIVE_INFINITY) {
                java.util.Arrays.fill(s, off, off + stride, Float.NEGATIVE_INFINITY);
                continue;
            }
            int j = 0;
            for (int upper = S.loopBound(end); j < upper; j += V) {
                FloatVector.fromArray(S, s, off + j).mul(scale).sub(shift).intoArray(s, off + j);
            }
            if (j < end) {
                FloatVector.fromArray(S, s, off + j).mul(scale).sub(shift)
                        .blend(Float.NEGATIVE_INFINITY, S.indexInRange(j, end).not()).intoArray(s, off + j);
                j += V;
            }
            java.util.Arrays.fill(s, off + j, off + stride, Float.NEGATIVE_INFINITY);
        }
        VectorMath.exp(s, sAt, s, sAt, (i1 - i0) * stride);
        if (known) {
            return;
        }
        for (int i = i0; i < i1; i++) {
            int off = sAt + (i - i0) * stride;
            int width = Math.min(stride, (g.keyEnd(i) + V - 1) / V * V);
            float total = sumOfVectors(s, off, width);
            if (total == 0f) {
                lse[lseAt + i] = Float.NEGATIVE_INFINITY;
                continue;
            }
            VectorLoops.zipScalar(BinaryOp.MUL, s, off, 1f / total, false, s, off, width);
            lse[lseAt + i] += (float) Math.log(total);
        }
    }

    /**
     * The sum of {@code s[off .. off + width)}, width a multiple of V, lanes added in a fixed order. A method of its
     * own (the row's scaling is {@code VectorLoops.zipScalar}'s): inside {@link #probabilities} C2 left the lane sum
     * out of line (its node budget), boxing the vector passed to it, 14 MB of vectors in 80 steps of the GPT recipe
     * (JFR, the AVX2 machine, 2026-12-05).
     */
    private static float sumOfVectors(float[] s, int off, int width) {
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < width; j += V) {
            sum = sum.add(FloatVector.fromArray(S, s, off + j));
        }
        return VectorLoops.laneSum(sum);
    }

    /** Whether any of batch row b's keys is padding (a nonzero entry of {@code keyPadding}, which may be null). */
    private static boolean padded(float[] keyPadding, int b, int keys) {
        if (keyPadding == null) {
            return false;
        }
        int at = b * keys;
        int j = 0;
        for (int upper = S.loopBound(keys); j < upper; j += V) {
            if (FloatVector.fromArray(S, keyPadding, at + j).compare(VectorOperators.NE, 0f).anyTrue()) {
                return true;
            }
        }
        for (; j < keys; j++) {
            if (keyPadding[at + j] != 0) {
                return true;
            }
        }
        return false;
    }

    /** {@code s[off + j] = -inf} where {@code keyPadding[at + j]} is nonzero, for j below end. */
    private static void mask(float[] keyPadding, int at, float[] s, int off, int end) {
        int j = 0;
        for (int upper = S.loopBound(end); j < upper; j += V) {
            VectorMask<Float> pad = FloatVector.fromArray(S, keyPadding, at + j).compare(VectorOperators.NE, 0f);
            FloatVector.fromArray(S, s, off + j).blend(Float.NEGATIVE_INFINITY, pad).intoArray(s, off + j);
        }
        for (; j < end; j++) {
            if (keyPadding[at + j] != 0) {
                s[off + j] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** {@code dst[j * dim + d] = src[base + j * rowStride + d]}: one head's V rows, contiguous. */
    private static void rows(float[] src, int base, int rowStride, int keys, int dim, float[] dst) {
        int upper = S.loopBound(dim);
        for (int j = 0; j < keys; j++) {
            int from = base + j * rowStride;
            int to = j * dim;
            int d = 0;
            for (; d < upper; d += V) {
                FloatVector.fromArray(S, src, from + d).intoArray(dst, to + d);
            }
            for (; d < dim; d++) {
                dst[to + d] = src[from + d];
            }
        }
    }

    /** The largest of {@code s[off .. off + end)} (-inf when end is 0 or all are masked). */
    private static float rowMax(float[] s, int off, int end) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (int upper = S.loopBound(end); j < upper; j += V) {
            max = max.max(FloatVector.fromArray(S, s, off + j));
        }
        if (j < end) {
            FloatVector x = FloatVector.fromArray(S, s, off + j);
            max = max.max(x.blend(Float.NEGATIVE_INFINITY, S.indexInRange(j, end).not()));
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /** {@code sum_d a[aAt + d] b[bAt + d]} over one row of width dim. */
    private static float dot(float[] a, int aAt, float[] b, int bAt, int dim) {
        FloatVector acc = FloatVector.zero(S);
        int d = 0;
        for (int upper = S.loopBound(dim); d < upper; d += V) {
            acc = FloatVector.fromArray(S, a, aAt + d).fma(FloatVector.fromArray(S, b, bAt + d), acc);
        }
        float sum = VectorLoops.laneSum(acc);
        for (; d < dim; d++) {
            sum += a[aAt + d] * b[bAt + d];
        }
        return sum;
    }

    /**
     * {@code ds[off + j] = p[pAt + off + j] (ds[off + j] - dot) scale} over the keys row sees, 0 past them: on entry
     * ds holds {@code dOut . v_j} (and whatever the block's wider rows left past the keys this one sees).
     */
    private static void scoreGradients(float[] p, int pAt, float[] ds, int off, int stride, int end, float dot,
                                       float scale) {
        for (int j = 0; j < stride; j += V) {
            FloatVector dp = FloatVector.fromArray(S, ds, off + j);
            FloatVector.fromArray(S, p, pAt + off + j).mul(dp.sub(dot)).mul(scale)
                    .blend(0f, S.indexInRange(j, end).not()).intoArray(ds, off + j);
        }
    }
}
