package dev.backprop.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C (+)= A B} where one operand is mostly zeros (a dense layer's input of MNIST pixels, 81% of them 0; a bag
 * of words; a one-hot code): {@link DirectSgemm}'s register tile, run over only the terms of k that some row of the
 * tile has non-zero. A tile of MR rows of C needs {@code B(p, :)} only where one of its rows of A has {@code A(r, p)
 * != 0}; each tile's list of such p is made first, and the tile's loop runs over the list rather than over all k.
 * The tile still reads each row of B once for MR rows of C, so what it skips is whole steps of the dense loop: for
 * 6-row tiles of MNIST images, 57% of them.
 * <ul>
 *   <li><b>A sparse</b> (a layer's forward, {@code x W^T}): tiles of A's rows, lists from a scan of those rows. B's
 *   rows are read in place where they are contiguous (a weight stored input-major); W^T's are first copied out as rows
 *   (as {@link DirectSgemm} does), each thread copying the columns it computes.</li>
 *   <li><b>B sparse</b> (a layer's weight gradient, {@code dy^T x}, where A's columns are contiguous): computed as
 *   {@code C^T = B^T A^T}, so the sparse operand is again the left one: tiles of MR columns of B, each listing the
 *   rows p that have a non-zero among them, and the tiles stored transposed into C.</li>
 *   <li><b>A sparse, given transposed</b> (the weight gradient {@code x^T dy} of a weight stored input-major, A's
 *   columns contiguous): the same tiles, over A's rows as the columns of A^T, stored into C as they are.</li>
 * </ul>
 * Every entry of C is one tile's sum over p in increasing order, as in {@link DirectSgemm}; a skipped step would
 * have added {@code 0 * B(p, j)}, which leaves a sum unchanged, so the results are those of the dense tile bit for
 * bit (and independent of the thread count), except that an infinite or NaN entry of the dense operand facing only
 * zeros does not make the result NaN, as {@code 0 * inf} would.
 *
 * <p>{@link #gemm} takes a product when a sample of the operand's entries is at most {@link #MAX_DENSITY} non-zero
 * and the sizes suit, and leaves every other product to {@link Sgemm}; {@code -Dbackprop.gemm.sparse} or {@link
 * CpuBackend#skipZeros} choose which products it takes ({@link ZeroSkipping}: all, those that need no copy and no
 * transposed store, or none, to measure the dense products or to compare); unset, {@link #DEFAULT}.
 */
final class SparseSgemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    private static final int MR = Sgemm.DIRECT_MR;
    private static final int NR = Sgemm.NR;
    /** Share of non-zero entries up to which an operand is taken as sparse. */
    private static final double MAX_DENSITY = 0.3;
    /** Entries sampled to estimate an operand's density. */
    private static final int SAMPLES = 256;
    /** Fewest rows and columns of C, and terms per sum, for which the path is tried. */
    private static final int MIN_SIZE = 32;
    /**
     * Entries of the tiles' lists made at a time (room for k in each tile: a position and MR values, 28 bytes with
     * 6-row tiles, so 1.8 MB of scratch): a product with more tiles is taken a group of tiles at a time. With room for
     * all of an evaluation batch's tiles at once, training the MNIST MLP peaked 25 MB higher in resident memory.
     */
    private static final int LIST_ENTRIES = 1 << 16;
    /**
     * Tiles whose transposed store {@link #sparseB} stages: 48 columns of C, three 16 x 16 blocks a row of them. The
     * MNIST MLP's first-layer weight gradient, [256 x 128] x [128 x 784], took 193-218 us against 213-239 on two
     * threads and 303-320 against 340-356 on one (medians of 25-30 rounds of 320 products on real batches, the two
     * ways alternating in one JVM, five runs), its store entry by entry having been a fifth of the product (Zen 4,
     * 2026-12-06).
     */
    private static final int STAGED_TILES = 8;
    /**
     * Whether {@link #sparseB}'s stores are staged: the 16 x 16 register blocks need 512-bit vectors, and a run of
     * tiles and a panel as whole multiples of 16 columns.
     */
    private static final boolean STAGED = V == 16 && STAGED_TILES * MR % V == 0 && NR % V == 0;
    /** Whether whole pairs of panels go through {@link #kernelWide}: 32 vector registers (AVX-512) and 6-row tiles. */
    private static final boolean WIDE = V == 16 && MR == 6 && NR == 2 * V;
    /** Most floats of a transposed B copied out as rows (4 MB). */
    private static final int MAX_COPY = 1 << 20;
    /**
     * Which products the path takes when {@code -Dbackprop.gemm.sparse} is unset: {@link ZeroSkipping#IN_PLACE} where
     * {@link Sgemm}'s 12-row tile runs (an Intel core with two 512-bit FMA pipes), whose dense products are fast
     * enough that W^T's copy and the transposed stores cost more than the skipped terms save (the figures are in
     * {@link ZeroSkipping#IN_PLACE}'s javadoc); elsewhere {@link ZeroSkipping#ALL}: on Zen 4 the skipped terms were
     * measured to pay with the copy (the MNIST MLP's epoch 16-22% shorter, its first layer then stored output-major).
     */
    static final ZeroSkipping DEFAULT = Sgemm.MR == 12 ? ZeroSkipping.IN_PLACE : ZeroSkipping.ALL;
    /** Which products {@link #gemm} takes: {@code -Dbackprop.gemm.sparse}, or {@link CpuBackend#skipZeros}. */
    static volatile ZeroSkipping skipping = ZeroSkipping.fromProperty(DEFAULT);

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private SparseSgemm() {
    }

    /**
     * Computes {@code C (+)= A B (+ 1 bias^T)} with {@link Sgemm#gemm}'s conventions and returns true when one
     * operand is sparse enough and laid out for this path; otherwise returns false and touches nothing.
     */
    static boolean gemm(int m, int n, int k,
                        float[] a, int aOff, int aRs, int aCs,
                        float[] b, int bOff, int bRs, int bCs,
                        float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        ZeroSkipping which = skipping;
        if (which == ZeroSkipping.OFF || m < MIN_SIZE || n < MIN_SIZE || k < MIN_SIZE) {
            return false;
        }
        boolean rearranging = which == ZeroSkipping.ALL;   // W^T's columns copied as rows, tiles stored transposed
        if (aCs == 1 && (bCs == 1 || (rearranging && (long) k * n <= MAX_COPY))
                && sampledDensity(a, aOff, m, k, aRs, 1) <= MAX_DENSITY) {
            sparseA(m, n, k, a, aOff, aRs, b, bOff, bRs, bCs, bias, c, cOff, ldc, accumulate);
            return true;
        }
        if (bCs == 1 && aRs == 1 && bias == null) {
            if (rearranging && sampledDensity(b, bOff, k, n, bRs, 1) <= MAX_DENSITY) {
                sparseB(m, n, k, a, aOff, aCs, b, bOff, bRs, c, cOff, ldc, accumulate);
                return true;
            }
            if (sampledDensity(a, aOff, k, m, aCs, 1) <= MAX_DENSITY) {
                // A sparse and given transposed (x^T dy, the weight gradient of a weight stored input-major)
                sparseColumns(m, n, k, a, aOff, aCs, b, bOff, bRs, c, cOff, ldc, accumulate, false);
                return true;
            }
        }
        return false;
    }

    /**
     * The share of non-zeros among {@link #SAMPLES} entries of the {@code rows x cols} matrix at {@code x[off + i rs
     * + j cs]}: rows evenly spaced, columns spread by a multiplicative hash (a fixed set, so the choice is repeatable).
     */
    private static double sampledDensity(float[] x, int off, int rows, int cols, int rs, int cs) {
        int nonZero = 0;
        for (int t = 0; t < SAMPLES; t++) {
            int i = (int) ((long) t * rows / SAMPLES);
            int j = (int) (((t + 1) * 0x9E3779B1L & 0xFFFFFFFFL) % cols);
            if (x[off + i * rs + j * cs] != 0f) {
                nonZero++;
            }
        }
        return (double) nonZero / SAMPLES;
    }

    /**
     * A sparse, a group of row tiles at a time ({@link #LIST_ENTRIES}; a training batch is one group). For each group
     * the threads first split its tiles' lists and, with the first group, the copy of a transposed B's columns as
     * rows (into one buffer of k rows of n, each thread its own columns); then they split C's column panels, each tile
     * of a panel summed over its list.
     */
    private static void sparseA(int m, int n, int k, float[] a, int aOff, int aRs,
                                float[] b, int bOff, int bRs, int bCs,
                                float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        Scratch caller = SCRATCH.get();
        Tiles tiles = caller.tiles;
        int group = Math.max(1, LIST_ENTRIES / k);
        tiles.reserve(Math.min(group, Math.ceilDiv(m, MR)), k);
        int panels = Math.ceilDiv(n, NR);
        boolean transposed = bCs != 1;
        float[] rows = transposed ? caller.rows(k * n) : b;
        int rowsAt = transposed ? 0 : bOff;
        int ldb = transposed ? n : bRs;
        int threads = WorkerPool.threads();
        for (int i0 = 0; i0 < m; i0 += group * MR) {
            int mc = Math.min(group * MR, m - i0);
            int count = Math.ceilDiv(mc, MR);
            int aAt = aOff + i0 * aRs;
            boolean copy = transposed && i0 == 0;
            int listParts = Math.min(threads, Math.max(count, copy ? panels : 1));
            WorkerPool.run(listParts, part -> {
                rowLists(tiles, count * part / listParts, count * (part + 1) / listParts, mc, k, a, aAt, aRs);
                if (copy) {
                    int j0 = Math.min(n, panels * part / listParts * NR);
                    int j1 = Math.min(n, panels * (part + 1) / listParts * NR);
                    DirectSgemm.transpose(k, j1 - j0, b, bOff + j0 * bCs, bRs, bCs, rows, j0, ldb,
                            SCRATCH.get().columns);
                }
            });
            int cAt0 = cOff + i0 * ldc;
            int parts = Math.min(threads, panels);
            WorkerPool.run(parts, part -> {
                Scratch s = SCRATCH.get();
                int pEnd = panels * (part + 1) / parts;
                for (int panel = panels * part / parts; panel < pEnd; panel++) {
                    int jr = panel * NR;
                    int nr = Math.min(NR, n - jr);
                    if (WIDE && panel + 1 < pEnd && jr + 2 * NR <= n) {
                        // Two whole panels at once: the full row tiles in the wide tile, a last short one panel by panel.
                        int full = mc / MR;
                        for (int t = 0; t < full; t++) {
                            kernelWide(tiles.list, tiles.values, t * k, tiles.length[t], rows, rowsAt + jr, ldb, bias,
                                    jr, c, cAt0 + t * MR * ldc + jr, ldc, accumulate);
                        }
                        for (int jh = jr; jh < jr + 2 * NR; jh += NR) {
                            for (int t = full; t < count; t++) {
                                int ir = t * MR;
                                kernel(tiles, t, k, rows, rowsAt + jh, ldb, bias, jh, s.tile, 0, NR, false);
                                Sgemm.copyOut(s.tile, mc - ir, NR, null, 0, c, cAt0 + ir * ldc + jh, ldc, accumulate);
                            }
                        }
                        panel++;
                        continue;
                    }
                    float[] from = rows;
                    int fromAt = rowsAt + jr;
                    int fromLd = ldb;
                    if (nr < NR) {
                        from = s.edgePanel(k, rows, fromAt, ldb, nr);
                        fromAt = 0;
                        fromLd = NR;
                    }
                    for (int t = 0; t < count; t++) {
                        int ir = t * MR;
                        int mr = Math.min(MR, mc - ir);
                        int cAt = cAt0 + ir * ldc + jr;
                        if (nr == NR && mr == MR) {
                            kernel(tiles, t, k, from, fromAt, fromLd, bias, jr, c, cAt, ldc, accumulate);
                        } else if (nr == NR) {
                            // The bias where DirectSgemm puts it for each kind of tile, so the sums round the same way.
                            kernel(tiles, t, k, from, fromAt, fromLd, bias, jr, s.tile, 0, NR, false);
                            Sgemm.copyOut(s.tile, mr, nr, null, 0, c, cAt, ldc, accumulate);
                        } else {
                            kernel(tiles, t, k, from, fromAt, fromLd, null, 0, s.tile, 0, NR, false);
                            Sgemm.copyOut(s.tile, mr, nr, bias, jr, c, cAt, ldc, accumulate);
                        }
                    }
                }
            });
        }
    }

    /**
     * B sparse, as {@code C^T = B^T A^T}: {@link #sparseColumns} over B's columns, against A's columns as rows
     * (contiguous: A's row stride is 1), each tile's result stored transposed.
     */
    private static void sparseB(int m, int n, int k, float[] a, int aOff, int aCs,
                                float[] b, int bOff, int bRs, float[] c, int cOff, int ldc, boolean accumulate) {
        sparseColumns(n, m, k, b, bOff, bRs, a, aOff, aCs, c, cOff, ldc, accumulate, true);
    }

    /**
     * Tiles of MR columns of the sparse {@code k x w} matrix {@code S(p, t) = s[sOff + p sLd + t]}, each listing the
     * rows p with a non-zero among its columns, summed against the dense {@code k x h} matrix {@code D(p, j) = d[dOff
     * + p dLd + j]} into MR x h blocks: {@code sum over p of S(p, tile)^T D(p, :)}. Stored transposed ({@code C(j, t)}
     * at {@code c[cOff + j ldc + t]}: B sparse, the block is a part of C^T) or as they are ({@code C(t, j)} at {@code
     * c[cOff + t ldc + j]}: A sparse and given transposed, a weight gradient {@code x^T dy} of a weight stored
     * input-major). Transposed, with 512-bit vectors and 6-row tiles, {@link #STAGED_TILES} tiles' rows at a time are
     * put side by side in the thread's scratch and turned by {@link DirectSgemm#transpose}'s 16 x 16 register blocks,
     * the rest entry by entry. The threads split the tiles, each making its own tiles' lists, a group at a time
     * ({@link #LIST_ENTRIES}).
     */
    private static void sparseColumns(int w, int h, int k, float[] s, int sOff, int sLd, float[] d, int dOff, int dLd,
                                      float[] c, int cOff, int ldc, boolean accumulate, boolean transposedStore) {
        int tileCount = Math.ceilDiv(w, MR);
        int parts = Math.min(WorkerPool.threads(), tileCount);
        WorkerPool.run(parts, part -> {
            Scratch scratch = SCRATCH.get();
            int group = Math.max(1, LIST_ENTRIES / k);
            for (int g0 = tileCount * part / parts, end = tileCount * (part + 1) / parts; g0 < end; g0 += group) {
                int t0 = g0;
                int t1 = Math.min(end, g0 + group);
                Tiles tiles = scratch.columnTiles(t0, t1, w, k, s, sOff, sLd);
                for (int jr = 0; jr < h; jr += NR) {
                    int nr = Math.min(NR, h - jr);
                    float[] from = d;
                    int fromAt = dOff + jr;
                    int fromLd = dLd;
                    if (nr < NR) {
                        from = scratch.edgePanel(k, d, fromAt, dLd, nr);
                        fromAt = 0;
                        fromLd = NR;
                    }
                    int t = t0;
                    if (!transposedStore && WIDE && jr + 2 * NR <= h) {
                        // Two whole panels at once: the full tiles in the wide tile, a last short one panel by panel.
                        for (; t < t1; t++) {
                            int ir = t * MR;
                            int mr = Math.min(MR, w - ir);
                            if (mr == MR) {
                                kernelWide(tiles.list, tiles.values, (t - t0) * k, tiles.length[t - t0], d, dOff + jr,
                                        dLd, null, 0, c, cOff + ir * ldc + jr, ldc, accumulate);
                                continue;
                            }
                            for (int jh = jr; jh < jr + 2 * NR; jh += NR) {
                                kernel(tiles, t - t0, k, d, dOff + jh, dLd, null, 0, scratch.tile, 0, NR, false);
                                Sgemm.copyOut(scratch.tile, mr, NR, null, 0, c, cOff + ir * ldc + jh, ldc, accumulate);
                            }
                        }
                        jr += NR;   // and the loop's NR: the pair is done
                        continue;
                    }
                    if (!transposedStore) {
                        for (; t < t1; t++) {
                            int ir = t * MR;
                            int mr = Math.min(MR, w - ir);
                            int cAt = cOff + ir * ldc + jr;
                            if (mr == MR && nr == NR) {
                                kernel(tiles, t - t0, k, from, fromAt, fromLd, null, 0, c, cAt, ldc, accumulate);
                            } else {
                                kernel(tiles, t - t0, k, from, fromAt, fromLd, null, 0, scratch.tile, 0, NR, false);
                                Sgemm.copyOut(scratch.tile, mr, nr, null, 0, c, cAt, ldc, accumulate);
                            }
                        }
                        continue;
                    }
                    if (STAGED && nr == NR && !accumulate) {
                        // Whole runs of STAGED_TILES tiles inside S: their rows side by side, then turned in registers.
                        for (; t + STAGED_TILES <= t1 && (t + STAGED_TILES) * MR <= w; t += STAGED_TILES) {
                            for (int u = 0; u < STAGED_TILES; u++) {
                                kernel(tiles, t + u - t0, k, from, fromAt, fromLd, null, 0, scratch.staged,
                                        u * MR * NR, NR, false);
                            }
                            DirectSgemm.transpose(NR, STAGED_TILES * MR, scratch.staged, 0, 1, NR, c,
                                    cOff + jr * ldc + t * MR, ldc, scratch.columns);
                        }
                    }
                    for (; t < t1; t++) {
                        int ir = t * MR;
                        int mr = Math.min(MR, w - ir);
                        kernel(tiles, t - t0, k, from, fromAt, fromLd, null, 0, scratch.tile, 0, NR, false);
                        storeTransposed(scratch.tile, mr, nr, c, cOff + jr * ldc + ir, ldc, accumulate);
                    }
                }
            }
        });
    }

    /** {@code C(j, r) (+)= tile[r NR + j]} for r below mr and j below nr, {@code C(j, r) = c[cAt + j ldc + r]}. */
    private static void storeTransposed(float[] tile, int mr, int nr, float[] c, int cAt, int ldc, boolean accumulate) {
        if (mr == MR && !accumulate) {
            for (int j = 0; j < nr; j++) {
                int o = cAt + j * ldc;
                for (int r = 0; r < MR; r++) {
                    c[o + r] = tile[r * NR + j];
                }
            }
            return;
        }
        for (int j = 0; j < nr; j++) {
            int o = cAt + j * ldc;
            for (int r = 0; r < mr; r++) {
                c[o + r] = accumulate ? c[o + r] + tile[r * NR + j] : tile[r * NR + j];
            }
        }
    }

    /**
     * The MR x 2V register tile over tile t's list: {@code C[0..MR, 0..2V) (+)= sum over its entries e of A[0..MR, p_e]
     * B[p_e, 0..2V) (+ bias)}, the entries' p and A's MR values packed by the lists, {@code B(p, j) = b[bAt + p ldb +
     * j]}; accumulators start from the bias when there is one, and C is added at the end when add is set, as in
     * {@link DirectSgemm}'s tile. Its own copy of that tile, not a shared one: B's rows come through the list and A's
     * values from the list's packed copy, and the loads, multiply-adds and stores are written out, because a vector
     * handed to a helper C2 does not inline is boxed on the heap (see {@link Sgemm}'s tile).
     */
    private static void kernel(Tiles tiles, int t, int k, float[] b, int bAt, int ldb, float[] bias, int biasAt,
                               float[] c, int cAt, int ldc, boolean add) {
        if (MR == 4) {
            kernel4(tiles.list, tiles.values, t * k, tiles.length[t], b, bAt, ldb, bias, biasAt, c, cAt, ldc, add);
        } else {
            kernel6(tiles.list, tiles.values, t * k, tiles.length[t], b, bAt, ldb, bias, biasAt, c, cAt, ldc, add);
        }
    }

    /**
     * {@link #kernel} with 4 rows: entries {@code [from, from + count)}, A's values at {@code values[4 e ..]}, two a
     * turn.
     */
    private static void kernel4(int[] list, float[] values, int from, int count, float[] b, int bAt, int ldb,
                                float[] bias, int biasAt, float[] c, int cAt, int ldc, boolean add) {
        FloatVector b0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
        FloatVector b1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + V);
        FloatVector c00 = b0, c01 = b1;
        FloatVector c10 = b0, c11 = b1;
        FloatVector c20 = b0, c21 = b1;
        FloatVector c30 = b0, c31 = b1;
        int e = from;
        int end = from + count;
        for (; e + 1 < end; e += 2) {
            int bq = bAt + list[e] * ldb;
            int bq2 = bAt + list[e + 1] * ldb;
            b0 = FloatVector.fromArray(S, b, bq);
            b1 = FloatVector.fromArray(S, b, bq + V);
            int aq = 4 * e;
            FloatVector a0 = FloatVector.broadcast(S, values[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, values[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, values[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, values[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            b0 = FloatVector.fromArray(S, b, bq2);
            b1 = FloatVector.fromArray(S, b, bq2 + V);
            a0 = FloatVector.broadcast(S, values[aq + 4]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            a1 = FloatVector.broadcast(S, values[aq + 5]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            a2 = FloatVector.broadcast(S, values[aq + 6]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            a3 = FloatVector.broadcast(S, values[aq + 7]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        for (; e < end; e++) {
            int bq = bAt + list[e] * ldb;
            b0 = FloatVector.fromArray(S, b, bq);
            b1 = FloatVector.fromArray(S, b, bq + V);
            int aq = 4 * e;
            FloatVector a0 = FloatVector.broadcast(S, values[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, values[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, values[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, values[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, cAt));
            c01 = c01.add(FloatVector.fromArray(S, c, cAt + V));
            c10 = c10.add(FloatVector.fromArray(S, c, cAt + ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, cAt + ldc + V));
            c20 = c20.add(FloatVector.fromArray(S, c, cAt + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, cAt + 2 * ldc + V));
            c30 = c30.add(FloatVector.fromArray(S, c, cAt + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, cAt + 3 * ldc + V));
        }
        c00.intoArray(c, cAt);
        c01.intoArray(c, cAt + V);
        c10.intoArray(c, cAt + ldc);
        c11.intoArray(c, cAt + ldc + V);
        c20.intoArray(c, cAt + 2 * ldc);
        c21.intoArray(c, cAt + 2 * ldc + V);
        c30.intoArray(c, cAt + 3 * ldc);
        c31.intoArray(c, cAt + 3 * ldc + V);
    }

    /**
     * {@link #kernel} with 6 rows: entries {@code [from, from + count)}, A's values at {@code values[6 e ..]}, two
     * entries a turn of the loop (in order, into the same accumulators): with a whole list (every p) the tile ran at
     * 93-95 GFLOP/s on one core against 73-82 one entry a turn and DirectSgemm's 100-104 (Zen 4, 2026-12-06).
     */
    private static void kernel6(int[] list, float[] values, int from, int count, float[] b, int bAt, int ldb,
                                float[] bias, int biasAt, float[] c, int cAt, int ldc, boolean add) {
        FloatVector b0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
        FloatVector b1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + V);
        FloatVector c00 = b0, c01 = b1;
        FloatVector c10 = b0, c11 = b1;
        FloatVector c20 = b0, c21 = b1;
        FloatVector c30 = b0, c31 = b1;
        FloatVector c40 = b0, c41 = b1;
        FloatVector c50 = b0, c51 = b1;
        int e = from;
        int end = from + count;
        for (; e + 1 < end; e += 2) {
            int bq = bAt + list[e] * ldb;
            int bq2 = bAt + list[e + 1] * ldb;
            b0 = FloatVector.fromArray(S, b, bq);
            b1 = FloatVector.fromArray(S, b, bq + V);
            int aq = 6 * e;
            FloatVector a0 = FloatVector.broadcast(S, values[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, values[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, values[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, values[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, values[aq + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, values[aq + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            b0 = FloatVector.fromArray(S, b, bq2);
            b1 = FloatVector.fromArray(S, b, bq2 + V);
            a0 = FloatVector.broadcast(S, values[aq + 6]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            a1 = FloatVector.broadcast(S, values[aq + 7]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            a2 = FloatVector.broadcast(S, values[aq + 8]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            a3 = FloatVector.broadcast(S, values[aq + 9]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            a4 = FloatVector.broadcast(S, values[aq + 10]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            a5 = FloatVector.broadcast(S, values[aq + 11]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        for (; e < end; e++) {
            int bq = bAt + list[e] * ldb;
            b0 = FloatVector.fromArray(S, b, bq);
            b1 = FloatVector.fromArray(S, b, bq + V);
            int aq = 6 * e;
            FloatVector a0 = FloatVector.broadcast(S, values[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, values[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, values[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, values[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, values[aq + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, values[aq + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, cAt));
            c01 = c01.add(FloatVector.fromArray(S, c, cAt + V));
            c10 = c10.add(FloatVector.fromArray(S, c, cAt + ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, cAt + ldc + V));
            c20 = c20.add(FloatVector.fromArray(S, c, cAt + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, cAt + 2 * ldc + V));
            c30 = c30.add(FloatVector.fromArray(S, c, cAt + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, cAt + 3 * ldc + V));
            c40 = c40.add(FloatVector.fromArray(S, c, cAt + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(S, c, cAt + 4 * ldc + V));
            c50 = c50.add(FloatVector.fromArray(S, c, cAt + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(S, c, cAt + 5 * ldc + V));
        }
        c00.intoArray(c, cAt);
        c01.intoArray(c, cAt + V);
        c10.intoArray(c, cAt + ldc);
        c11.intoArray(c, cAt + ldc + V);
        c20.intoArray(c, cAt + 2 * ldc);
        c21.intoArray(c, cAt + 2 * ldc + V);
        c30.intoArray(c, cAt + 3 * ldc);
        c31.intoArray(c, cAt + 3 * ldc + V);
        c40.intoArray(c, cAt + 4 * ldc);
        c41.intoArray(c, cAt + 4 * ldc + V);
        c50.intoArray(c, cAt + 5 * ldc);
        c51.intoArray(c, cAt + 5 * ldc + V);
    }

    /**
     * {@link #kernel} over four vectors of columns, two panels at once: 24 accumulators, each entry's six values of A
     * broadcast once for four loads of B's row rather than two. With 32 vector registers and 6-row tiles (AVX-512): on
     * an Intel Xeon with two 512-bit FMA pipes (2026-12-07: the MNIST MLP's first-layer forward on real
     * batches, two threads, alternating JVMs) 114.0-142.3 us a product against 126.6-162.3 with the two-vector tile,
     * 12-22% less in each of five pairs, and in three more pairs the forward 127.6-145.9 against 147.8-153.5 and the
     * weight gradient x^T dy 126.8-145.8 against 144.3-157.2; the MLP's epoch 0.448-0.469 s against 0.458-0.486 (four
     * pairs). On Zen 4, one FMA a cycle, the same (173.7 against 172.5, stop 50). The same sums in the same order as
     * {@link #kernel6}, so the same bits.
     */
    private static void kernelWide(int[] list, float[] values, int from, int count, float[] b, int bAt, int ldb,
                                   float[] bias, int biasAt, float[] c, int cAt, int ldc, boolean add) {
        FloatVector z0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
        FloatVector z1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + V);
        FloatVector z2 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + 2 * V);
        FloatVector z3 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + 3 * V);
        FloatVector c00 = z0, c01 = z1, c02 = z2, c03 = z3;
        FloatVector c10 = z0, c11 = z1, c12 = z2, c13 = z3;
        FloatVector c20 = z0, c21 = z1, c22 = z2, c23 = z3;
        FloatVector c30 = z0, c31 = z1, c32 = z2, c33 = z3;
        FloatVector c40 = z0, c41 = z1, c42 = z2, c43 = z3;
        FloatVector c50 = z0, c51 = z1, c52 = z2, c53 = z3;
        for (int e = from, end = from + count; e < end; e++) {
            int bq = bAt + list[e] * ldb;
            FloatVector b0 = FloatVector.fromArray(S, b, bq);
            FloatVector b1 = FloatVector.fromArray(S, b, bq + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bq + 2 * V);
            FloatVector b3 = FloatVector.fromArray(S, b, bq + 3 * V);
            int aq = 6 * e;
            FloatVector a = FloatVector.broadcast(S, values[aq]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            c03 = a.fma(b3, c03);
            a = FloatVector.broadcast(S, values[aq + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            c13 = a.fma(b3, c13);
            a = FloatVector.broadcast(S, values[aq + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            c23 = a.fma(b3, c23);
            a = FloatVector.broadcast(S, values[aq + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            c33 = a.fma(b3, c33);
            a = FloatVector.broadcast(S, values[aq + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            c42 = a.fma(b2, c42);
            c43 = a.fma(b3, c43);
            a = FloatVector.broadcast(S, values[aq + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            c52 = a.fma(b2, c52);
            c53 = a.fma(b3, c53);
        }
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, cAt));
            c01 = c01.add(FloatVector.fromArray(S, c, cAt + V));
            c02 = c02.add(FloatVector.fromArray(S, c, cAt + 2 * V));
            c03 = c03.add(FloatVector.fromArray(S, c, cAt + 3 * V));
            c10 = c10.add(FloatVector.fromArray(S, c, cAt + ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, cAt + ldc + V));
            c12 = c12.add(FloatVector.fromArray(S, c, cAt + ldc + 2 * V));
            c13 = c13.add(FloatVector.fromArray(S, c, cAt + ldc + 3 * V));
            c20 = c20.add(FloatVector.fromArray(S, c, cAt + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, cAt + 2 * ldc + V));
            c22 = c22.add(FloatVector.fromArray(S, c, cAt + 2 * ldc + 2 * V));
            c23 = c23.add(FloatVector.fromArray(S, c, cAt + 2 * ldc + 3 * V));
            c30 = c30.add(FloatVector.fromArray(S, c, cAt + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, cAt + 3 * ldc + V));
            c32 = c32.add(FloatVector.fromArray(S, c, cAt + 3 * ldc + 2 * V));
            c33 = c33.add(FloatVector.fromArray(S, c, cAt + 3 * ldc + 3 * V));
            c40 = c40.add(FloatVector.fromArray(S, c, cAt + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(S, c, cAt + 4 * ldc + V));
            c42 = c42.add(FloatVector.fromArray(S, c, cAt + 4 * ldc + 2 * V));
            c43 = c43.add(FloatVector.fromArray(S, c, cAt + 4 * ldc + 3 * V));
            c50 = c50.add(FloatVector.fromArray(S, c, cAt + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(S, c, cAt + 5 * ldc + V));
            c52 = c52.add(FloatVector.fromArray(S, c, cAt + 5 * ldc + 2 * V));
            c53 = c53.add(FloatVector.fromArray(S, c, cAt + 5 * ldc + 3 * V));
        }
        c00.intoArray(c, cAt);
        c01.intoArray(c, cAt + V);
        c02.intoArray(c, cAt + 2 * V);
        c03.intoArray(c, cAt + 3 * V);
        c10.intoArray(c, cAt + ldc);
        c11.intoArray(c, cAt + ldc + V);
        c12.intoArray(c, cAt + ldc + 2 * V);
        c13.intoArray(c, cAt + ldc + 3 * V);
        c20.intoArray(c, cAt + 2 * ldc);
        c21.intoArray(c, cAt + 2 * ldc + V);
        c22.intoArray(c, cAt + 2 * ldc + 2 * V);
        c23.intoArray(c, cAt + 2 * ldc + 3 * V);
        c30.intoArray(c, cAt + 3 * ldc);
        c31.intoArray(c, cAt + 3 * ldc + V);
        c32.intoArray(c, cAt + 3 * ldc + 2 * V);
        c33.intoArray(c, cAt + 3 * ldc + 3 * V);
        c40.intoArray(c, cAt + 4 * ldc);
        c41.intoArray(c, cAt + 4 * ldc + V);
        c42.intoArray(c, cAt + 4 * ldc + 2 * V);
        c43.intoArray(c, cAt + 4 * ldc + 3 * V);
        c50.intoArray(c, cAt + 5 * ldc);
        c51.intoArray(c, cAt + 5 * ldc + V);
        c52.intoArray(c, cAt + 5 * ldc + 2 * V);
        c53.intoArray(c, cAt + 5 * ldc + 3 * V);
    }

    /**
     * The tiles' lists: tile t's entries from {@code t k}, {@code length[t]} of them, p increasing; entry e's p at
     * {@code list[e]} and the tile's MR values of A at p (zero for rows past the matrix) at {@code values[MR e ..]}, so
     * the tile reads them in order rather than through A's strides.
     */
    private static final class Tiles {
        int[] list = new int[0];
        float[] values = new float[0];
        int[] length = new int[0];

        void reserve(int tiles, int k) {
            if (list.length < tiles * k) {
                list = new int[tiles * k];
                values = new float[tiles * k * MR];
            }
            if (length.length < tiles) {
                length = new int[tiles];
            }
        }
    }

    /**
     * Lists of row tiles {@code [t0, t1)} of the {@code m x k} matrix {@code A(i, p) = a[aOff + i aRs + p]}: a vector
     * of p at a time, the largest magnitude over the tile's rows compared with zero (a NaN counts as non-zero); each
     * lane where it is non-zero adds its p, and the tile's values there, to the list.
     */
    private static void rowLists(Tiles tiles, int t0, int t1, int m, int k, float[] a, int aOff, int aRs) {
        int[] list = tiles.list;
        float[] values = tiles.values;
        for (int t = t0; t < t1; t++) {
            int ir = t * MR;
            int mr = Math.min(MR, m - ir);
            int at = aOff + ir * aRs;
            int e = t * k;
            int p = 0;
            for (; p <= k - V; p += V) {
                FloatVector most = FloatVector.fromArray(S, a, at + p).lanewise(VectorOperators.ABS);
                for (int r = 1; r < mr; r++) {
                    most = most.max(FloatVector.fromArray(S, a, at + r * aRs + p).lanewise(VectorOperators.ABS));
                }
                long bits = most.compare(VectorOperators.NE, 0f).toLong();
                while (bits != 0) {
                    int q = p + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    list[e] = q;
                    for (int r = 0; r < MR; r++) {
                        values[MR * e + r] = r < mr ? a[at + r * aRs + q] : 0f;
                    }
                    e++;
                }
            }
            for (; p < k; p++) {
                boolean any = false;
                for (int r = 0; r < mr; r++) {
                    any |= a[at + r * aRs + p] != 0f;
                }
                if (any) {
                    list[e] = p;
                    for (int r = 0; r < MR; r++) {
                        values[MR * e + r] = r < mr ? a[at + r * aRs + p] : 0f;
                    }
                    e++;
                }
            }
            tiles.length[t] = e - t * k;
        }
    }

    /**
     * Lists for tiles {@code [t0, t1)} of MR columns of the {@code k x n} matrix {@code B(p, j) = b[bOff + p bRs + j]}
     * (rows of B^T), indexed from t0: each row p of B is scanned once, a vector at a time, into a bitmap of its
     * non-zero columns, and p, with the tile's MR values of row p, goes on the list of every tile with a bit set among
     * its columns.
     */
    private static void columnLists(Tiles tiles, long[] bitmap, int t0, int t1, int n, int k, float[] b, int bOff,
                                    int bRs) {
        int count = t1 - t0;
        tiles.reserve(count, k);
        int[] list = tiles.list;
        float[] values = tiles.values;
        int[] length = tiles.length;
        java.util.Arrays.fill(length, 0, count, 0);
        int j0 = t0 * MR;
        int j1 = Math.min(n, t1 * MR);
        int full = (j1 - j0) / MR;   // tiles with all MR columns inside B
        int words = Math.ceilDiv(j1 - j0, 64) + 1;
        for (int p = 0; p < k; p++) {
            int row = bOff + p * bRs;
            java.util.Arrays.fill(bitmap, 0, words, 0L);
            int j = j0;
            for (; j <= j1 - V; j += V) {
                long bits = FloatVector.fromArray(S, b, row + j).compare(VectorOperators.NE, 0f).toLong();
                if (bits != 0) {
                    int at = j - j0;
                    bitmap[at >>> 6] |= bits << at;
                    if ((at & 63) + V > 64) {
                        bitmap[(at >>> 6) + 1] |= bits >>> (64 - (at & 63));
                    }
                }
            }
            for (; j < j1; j++) {
                if (b[row + j] != 0f) {
                    int at = j - j0;
                    bitmap[at >>> 6] |= 1L << at;
                }
            }
            for (int i = 0; i < count; i++) {
                int at = i * MR;
                long window = (bitmap[at >>> 6] >>> at) | ((at & 63) + MR > 64 ? bitmap[(at >>> 6) + 1] << (64
                        - (at & 63)) : 0L);
                if ((window & ((1L << MR) - 1)) == 0) {
                    continue;
                }
                int e = i * k + length[i]++;
                list[e] = p;
                int src = row + j0 + at;
                if (i < full) {
                    for (int r = 0; r < MR; r++) {
                        values[MR * e + r] = b[src + r];
                    }
                } else {
                    for (int r = 0; r < MR; r++) {
                        values[MR * e + r] = j0 + at + r < j1 ? b[src + r] : 0f;
                    }
                }
            }
        }
    }

    /** One thread's buffers, grown to what a call needs and kept, so a training step allocates nothing here. */
    private static final class Scratch {
        private final Tiles tiles = new Tiles();
        private float[] rows = new float[0];
        private float[] edgePanel = new float[0];
        private long[] bitmap = new long[0];
        private final float[] tile = new float[MR * NR];
        private final float[] staged = new float[STAGED_TILES * MR * NR];
        private final int[] columns = new int[V];

        Tiles columnTiles(int t0, int t1, int n, int k, float[] b, int bOff, int bRs) {
            int words = Math.ceilDiv((t1 - t0) * MR, 64) + 2;
            if (bitmap.length < words) {
                bitmap = new long[words];
            }
            columnLists(tiles, bitmap, t0, t1, n, k, b, bOff, bRs);
            return tiles;
        }

        float[] rows(int size) {
            if (rows.length < size) {
                rows = new float[size];
            }
            return rows;
        }

        /** The {@code nr} columns from {@code at} of k rows {@code ld} apart, as {@link DirectSgemm#narrowPanel}. */
        float[] edgePanel(int k, float[] src, int at, int ld, int nr) {
            if (edgePanel.length < k * NR) {
                edgePanel = new float[k * NR];
            }
            return DirectSgemm.narrowPanel(k, src, at, ld, nr, edgePanel);
        }
    }
}
