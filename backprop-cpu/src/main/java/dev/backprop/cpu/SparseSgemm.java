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
 *   <li><b>A sparse, B packed</b> (a layer's forward in inference, its weight packed once by {@link
 *   DirectSgemm#pack}): from 5 rows the same tiles over B's panels, read in place, one panel at a time; up to 4, each
 *   row's own non-zeros through {@link DirectSgemm#panelRows}' row loop.</li>
 *   <li><b>A sparse, given transposed</b> (the weight gradient {@code x^T dy} of a weight stored input-major, A's
 *   columns contiguous): the same tiles, over A's rows as the columns of A^T, stored into C as they are.</li>
 * </ul>
 * Every entry of C is one tile's sum over p in increasing order, as in {@link DirectSgemm}; a skipped step would
 * have added {@code 0 * B(p, j)}, which leaves a sum unchanged, so the results are those of the dense tile bit for
 * bit (and independent of the thread count), except that an infinite or NaN entry of the dense operand facing only
 * zeros does not make the result NaN, as {@code 0 * inf} would.
 *
 * <p>{@link #gemm} takes a product when the sizes suit, a sample of the operand's entries is at most {@link
 * #MAX_DENSITY} non-zero, and a sample of the tiles' terms says they would skip enough of the dense loop ({@link
 * #sparse}: at most {@link #MAX_OCCUPIED} of the terms occupied where B is read in place and C stored as it is, {@link
 * #MAX_OCCUPIED_REARRANGED} where W^T is copied or C stored transposed, less where C is narrow: {@link
 * #NARROW_COLUMNS}), and leaves every other product to {@link Sgemm}; {@code -Dbackprop.gemm.sparse} or {@link
 * CpuBackend#skipZeros} choose which products it takes ({@link ZeroSkipping}: all, those that need no copy and no
 * transposed store, or none, to measure the dense products or to compare); unset, {@link #DEFAULT}.
 */
final class SparseSgemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    private static final int MR = SparseTiles.MR;
    private static final int NR = Sgemm.NR;
    /**
     * Share of a tile's terms with a non-zero in one of its rows (the terms its list holds, the multiply-adds it
     * does) up to which a product whose dense operand is read in place and whose C is stored as it is goes this way.
     * It weighs the work, which the share of non-zero entries ({@link #MAX_DENSITY}) alone does not: the same 25% of
     * entries, at random places, occupy 0.68 of 4-row tiles' terms and 0.82 of 6-row ones', and MNIST's clustered 19%
     * only 0.28-0.43.
     * Zeros at random places, [128 x 256] and [128 x 784] times a 256-column weight, two threads, best of six
     * rounds (Zen 4, 2026-12-07): at 0.68-0.69 the skipping 1.01-1.18x the dense product with 4-row tiles and at 0.74
     * 1.09-1.12x with 6, at 0.76 0.95-1.03x (4 rows) and at 0.82 0.99-1.02x (6 rows).
     */
    private static final double MAX_OCCUPIED = 0.75;
    /**
     * {@link #MAX_OCCUPIED} where the path first copies W^T's columns out as rows or stores its tiles transposed (a
     * fixed cost of about a quarter to a third of the dense product at these sizes): in the same runs, at 0.59-0.62
     * 1.10-1.19x with 4- and 6-row tiles at k = 784, 0.94-1.05x at k = 256; at 0.68-0.69 0.84-1.03x; at 0.74
     * 0.93-1.01x.
     */
    private static final double MAX_OCCUPIED_REARRANGED = 0.65;
    /**
     * Share of non-zero entries up to which an operand may be taken at all (and the whole test for {@link #byRows},
     * whose lists are each row's own non-zeros). The occupied terms alone let through products the lists do not pay
     * for where C is narrow, and the fixed cost of the lists and the tiles' loads and stores is a larger part of the
     * product: LeNet-5's {@code dy W} [128 x 84] x [84 x 120], its dy a ReLU's masked gradient, took 40.0-40.9 us a
     * step that way against 26.7-29.7 dense; with zeros at random places occupying 0.58-0.60 of the terms, [128 x 84] x
     * [84 x 120] ran 0.84-0.89x the dense product, [128 x 84] x [84 x 64] 0.56x, [128 x 256] x [256 x 64] 0.62-0.65x
     * (Zen 4, 2026-12-07, 4-row tiles, two runs). So an operand needs both: few non-zero entries and few occupied
     * terms.
     */
    private static final double MAX_DENSITY = 0.3;
    /**
     * C's columns per {@link #NARROW_OCCUPIED_IN_PLACE} (or {@link #NARROW_OCCUPIED}) of the tiles' terms occupied
     * that a product may have, up to {@link #MAX_OCCUPIED} ({@link #MAX_OCCUPIED_REARRANGED}): the lists and the tiles'
     * loads and stores are a cost that a narrow C shares among few columns. Zeros at random places, 4-row tiles, two
     * threads, best of seven rounds, two runs (Zen 4, 2026-12-07), the skipping's speed-up over the dense product:
     * <ul>
     *   <li>[128 x k] times a weight read in place: 32 columns at k = 128 0.85-1.04x at 0.35 occupied and 0.67-0.70x
     *   at 0.59; 64 columns at k = 128 and 256 1.29-1.53x at 0.35 and 0.99-1.01x at 0.59; 128 columns at k = 128
     *   1.25-1.27x at 0.58.</li>
     *   <li>W^T copied: 32 columns at k = 128 1.02-1.22x at 0.11 and 0.77-0.81x at 0.35; 64 1.41-1.54x at 0.11,
     *   1.01-1.11x at 0.34 and 0.75-0.85x at 0.58.</li>
     *   <li>x^T dy (x [128 x 256] and [128 x 784], C as wide as dy): 32 columns 1.29-1.43x at 0.11 and 0.72-0.79x at
     *   0.34; 64 1.10-1.21x at 0.34 and 0.72-0.80x at 0.59; 128 1.53-1.66x at 0.34 and 1.00-1.10x at 0.59; 256
     *   1.24-1.36x at 0.59.</li>
     *   <li>dy^T x (the same x, C^T as wide as dy): 32 columns 1.03-1.51x at 0.11 and 0.70-0.81x at 0.34; 64
     *   0.81-1.11x at 0.34; 128 0.90-1.53x at 0.34 and 0.74-1.00x at 0.59; 256 1.05-1.22x at 0.59.</li>
     * </ul>
     */
    private static final int NARROW_COLUMNS = 32;
    /** {@link #NARROW_COLUMNS}' share of the occupied terms for tiles of A's rows against a B read in place. */
    private static final double NARROW_OCCUPIED_IN_PLACE = 0.3;
    /**
     * {@link #NARROW_COLUMNS}' share in the other layouts: W^T copied first, or tiles of the sparse operand's columns
     * (a weight gradient), whose lists take a strided scan to make.
     */
    private static final double NARROW_OCCUPIED = 0.15;
    /**
     * Terms of tiles sampled to estimate how many are occupied, and entries to estimate the share of non-zeros: 2^8.
     */
    private static final int SAMPLE_BITS = 8;
    private static final int SAMPLES = 1 << SAMPLE_BITS;
    /** Fewest rows and columns of C, and terms per sum, for which the path is tried. */
    private static final int MIN_SIZE = 32;
    /**
     * Entries of the tiles' lists made at a time (room for k in each tile: a position and MR values, 28 bytes with
     * 6-row tiles, so 1.8 MB of scratch, 20 with 4 rows): a product with more tiles is taken a group of tiles at a
     * time. With room for all of an evaluation batch's tiles at once, training the MNIST MLP peaked 25 MB higher in
     * resident memory.
     */
    private static final int LIST_ENTRIES = 1 << 16;
    /**
     * Tiles whose transposed store {@link #sparseB} stages: 48 columns of C with 6-row tiles (three 16 x 16 blocks a
     * row of them), 32 with 4 rows. The MNIST MLP's first-layer weight gradient, [256 x 128] x [128 x 784], took
     * 193-218 us against 213-239 on two threads and 303-320 against 340-356 on one (6-row tiles, medians of 25-30
     * rounds of 320 products on real batches, the two ways alternating in one JVM, five runs), its store entry by
     * entry having been a fifth of the product (Zen 4, 2026-12-06).
     */
    private static final int STAGED_TILES = 8;
    /**
     * Whether {@link #sparseB}'s stores are staged: the 16 x 16 register blocks need 512-bit vectors, and a run of
     * tiles and a panel as whole multiples of 16 columns.
     */
    private static final boolean STAGED = V == 16 && STAGED_TILES * MR % V == 0 && NR % V == 0;
    /** Whether whole pairs of panels go through {@link SparseTiles#kernelWide}: 32 vector registers (AVX-512). */
    private static final boolean WIDE = V == 16 && NR == 2 * V;
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

    /**
     * Whether every product whose sizes and layout suit, and whose operand has few enough non-zero entries ({@link
     * #MAX_DENSITY}: which operand is the sparse one), is taken whatever the share of its tiles' terms occupied and
     * C's width: for the kernels' tests, and to time the path on products it would decline.
     */
    static volatile boolean everyProduct;

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
                && sparse(a, aOff, m, aRs, k, 1, MR, bCs == 1 ? maxOccupied(n, NARROW_OCCUPIED_IN_PLACE, MAX_OCCUPIED)
                : maxOccupied(n, NARROW_OCCUPIED, MAX_OCCUPIED_REARRANGED))) {
            sparseA(m, n, k, a, aOff, aRs, b, bOff, bRs, bCs, bias, c, cOff, ldc, accumulate);
            return true;
        }
        if (bCs == 1 && aRs == 1 && bias == null) {
            if (rearranging && sparse(b, bOff, n, 1, k, bRs, MR,
                    maxOccupied(m, NARROW_OCCUPIED, MAX_OCCUPIED_REARRANGED))) {
                sparseB(m, n, k, a, aOff, aCs, b, bOff, bRs, c, cOff, ldc, accumulate);
                return true;
            }
            if (sparse(a, aOff, m, 1, k, aCs, MR, maxOccupied(n, NARROW_OCCUPIED, MAX_OCCUPIED))) {
                // A sparse and given transposed (x^T dy, the weight gradient of a weight stored input-major)
                sparseColumns(m, n, k, a, aOff, aCs, b, bOff, bRs, c, cOff, ldc, accumulate, false);
                return true;
            }
        }
        return false;
    }

    /**
     * The largest share of the tiles' terms occupied for which a product whose C (or C^T, where it is stored
     * transposed) is {@code width} columns wide goes this way: {@code narrow} for each {@link #NARROW_COLUMNS} columns,
     * up to {@code most}.
     */
    private static double maxOccupied(int width, double narrow, double most) {
        return Math.min(most, narrow * width / NARROW_COLUMNS);
    }

    /**
     * Whether the matrix at {@code x[off + line lineStride + term termStride]} ({@code lines} of {@code terms}) is
     * sparse enough for tiles of {@code height} lines: at most {@link #MAX_DENSITY} of a sample of its entries
     * non-zero ({@link #fewNonZeros}, which turns a dense operand away within a third of its samples), and at most
     * {@code maxOccupied} of a sample of the tiles' terms occupied ({@link #fewOccupied}).
     */
    private static boolean sparse(float[] x, int off, int lines, int lineStride, int terms, int termStride,
                                  int height, double maxOccupied) {
        return fewNonZeros(x, off, lines, lineStride, terms, termStride)
                && (everyProduct || fewOccupied(x, off, lines, lineStride, terms, termStride, height, maxOccupied));
    }

    /**
     * Whether at most {@link #MAX_DENSITY} of {@link #SAMPLES} entries are non-zero: lines evenly spaced, terms
     * spread by a multiplicative hash (a fixed set, so the choice is repeatable). It stops at the first non-zero over
     * that share.
     */
    private static boolean fewNonZeros(float[] x, int off, int lines, int lineStride, int terms, int termStride) {
        int most = (int) (MAX_DENSITY * SAMPLES);
        int nonZero = 0;
        for (int t = 0; t < SAMPLES; t++) {
            int line = (int) ((long) t * lines >>> SAMPLE_BITS);
            int term = sampledTerm(t, terms);
            if (x[off + line * lineStride + term * termStride] != 0f && ++nonZero > most) {
                return false;
            }
        }
        return true;
    }

    /**
     * The term of sample t among {@code terms}: a multiplicative hash of t scaled to the range (not divided), so the
     * samples spread over the terms and are the same on every call.
     */
    private static int sampledTerm(int t, int terms) {
        return (int) (((t + 1) * 0x9E3779B1L & 0xFFFFFFFFL) * terms >>> 32);
    }

    /**
     * Whether at most {@code maxShare} of {@link #SAMPLES} terms of the tiles are occupied, for tiles of {@code
     * height} lines: a term is occupied when one of the tile's lines is non-zero there, and each tile's kernel runs
     * over its occupied terms. The sample is {@link #fewNonZeros}'s (tiles evenly spaced, terms by the same hash), a
     * fixed set, so the choice is repeatable. It stops at the first occupied term over that share; a dense operand has
     * been turned away by {@link #fewNonZeros} before it gets here.
     */
    private static boolean fewOccupied(float[] x, int off, int lines, int lineStride, int terms, int termStride,
                                       int height, double maxShare) {
        int most = (int) (maxShare * SAMPLES);
        long tiles = Math.ceilDiv(lines, height);
        int occupied = 0;
        for (int t = 0; t < SAMPLES; t++) {
            int first = (int) (t * tiles >>> SAMPLE_BITS) * height;
            int last = Math.min(lines, first + height);
            int term = sampledTerm(t, terms);
            int at = off + term * termStride;
            for (int line = first; line < last; line++) {
                if (x[at + line * lineStride] != 0f) {
                    if (++occupied > most) {
                        return false;
                    }
                    break;
                }
            }
        }
        return true;
    }

    /**
     * {@code C = A B (+ 1 bias^T)} for a B packed by {@link DirectSgemm#pack} (a weight in inference, {@link
     * CpuBackend#gemmPacked}), A row-major and sparse: {@link #sparseA}'s tiles over B's panels, each read in place
     * (its rows NR floats apart, the last zero-padded), one panel at a time: the wide tile reads its two panels side
     * by side in B's rows, and a second base for the second panel made it 2% slower in training (the kernel alone 5.2
     * ns a list entry against 5.1, one thread). Returns true when it took the product; false, touching nothing, where
     * A is too dense, B under 32 rows or columns, or zeros are not skipped. The MNIST MLP's first layer on real
     * test rows, two threads, an Intel Xeon (2026-12-07, B hot, medians of rounds): [64 x 784] x [784 x 256] 64-69 us
     * against 93-97 through the packed dense tiles, 128 rows 115-121 against 241-252, 32 rows 35-41 against 61-62.
     * Up to {@link DirectSgemm#DOT_ROWS} rows (a request, a sentence's one row) go {@link #byRows} instead. Unlike
     * {@link #gemm}'s, any number of rows: the lists pay for themselves from 5 rows on, where the dense path packs
     * A for its 12-row tile (8, 16 and 24 real MNIST rows 13-17, 21-22 and 26-29 us against 27-29, 51-53 and 50-54; a
     * bag of words of 5000 terms and 64 outputs, 150 a row, 20-22, 34-37 and 41-44 against 75-88, 92-111 and 77-90).
     */
    static boolean gemmPacked(int m, float[] a, int aOff, int aRs, DirectSgemm.Panels b, float[] bias, float[] c,
                              int cOff, int ldc) {
        int n = b.columns();
        int k = b.rows();
        boolean rows = m <= DirectSgemm.DOT_ROWS;
        if (skipping == ZeroSkipping.OFF || n < MIN_SIZE || k < MIN_SIZE || !(rows
                ? fewNonZeros(a, aOff, m, aRs, k, 1)
                : sparse(a, aOff, m, aRs, k, 1, MR, maxOccupied(n, NARROW_OCCUPIED_IN_PLACE, MAX_OCCUPIED)))) {
            return false;
        }
        if (rows) {
            byRows(m, k, n, a, aOff, aRs, b.data(), bias, c, cOff, ldc);
        } else {
            overPanels(m, n, k, a, aOff, aRs, new Panels(b.data(), 0, NR, k * NR, true), null, bias, c, cOff, ldc,
                    false);
        }
        return true;
    }

    /**
     * Multiply-adds from which {@link #byRows} splits B's panels across the threads: below, a product of a few
     * sparse rows is a microsecond or two, less than a hand-off.
     */
    private static final long ROWS_SPLIT = 1 << 16;

    /**
     * Up to {@link DirectSgemm#DOT_ROWS} sparse rows of A against packed panels (one request, one generated step):
     * each row's non-zero terms listed first, then {@link DirectSgemm#panelRows}' row path (two panels' four vectors
     * of C's row in registers) over that list rather than over all of k, so the same sums in the same order, the same
     * bits. The threads split pairs of panels when the rows have enough terms.
     */
    private static void byRows(int m, int k, int n, float[] a, int aOff, int aRs, float[] panels, float[] bias,
                               float[] c, int cOff, int ldc) {
        Scratch s = SCRATCH.get();
        int[] terms = s.terms(m * k);
        int[] count = s.termCounts;
        long work = 0;
        for (int i = 0; i < m; i++) {
            count[i] = nonZeros(a, aOff + i * aRs, k, terms, i * k);
            work += (long) count[i] * n;
        }
        int panelCount = Math.ceilDiv(n, NR);
        int pairs = Math.ceilDiv(panelCount, 2);
        int parts = work >= ROWS_SPLIT ? Math.min(WorkerPool.threads(), pairs) : 1;
        WorkerPool.run(parts, part -> DirectSgemm.panelRows(m, 2 * (pairs * part / parts),
                Math.min(panelCount, 2 * (pairs * (part + 1) / parts)), k, n, a, aOff, aRs, terms, count, panels, bias,
                c, cOff, ldc));
    }

    /** The positions p of {@code x[at + p] != 0} for p below k, in order, from {@code into[from]}; returns how many. */
    private static int nonZeros(float[] x, int at, int k, int[] into, int from) {
        int e = from;
        int p = 0;
        for (; p <= k - V; p += V) {
            long bits = FloatVector.fromArray(S, x, at + p).compare(VectorOperators.NE, 0f).toLong();
            while (bits != 0) {
                into[e++] = p + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
            }
        }
        for (; p < k; p++) {
            if (x[at + p] != 0f) {
                into[e++] = p;
            }
        }
        return e - from;
    }

    /**
     * A sparse, B row-major (read in place) or transposed (its columns first copied out as rows, into the calling
     * thread's scratch, each thread copying the columns it computes): {@link #overPanels}.
     */
    private static void sparseA(int m, int n, int k, float[] a, int aOff, int aRs,
                                float[] b, int bOff, int bRs, int bCs,
                                float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        if (bCs == 1) {
            overPanels(m, n, k, a, aOff, aRs, new Panels(b, bOff, bRs, NR, false), null, bias, c, cOff, ldc,
                    accumulate);
        } else {
            overPanels(m, n, k, a, aOff, aRs, new Panels(SCRATCH.get().rows(k * n), 0, n, NR, false),
                    new Transposed(b, bOff, bRs, bCs), bias, c, cOff, ldc, accumulate);
        }
    }

    /**
     * Where {@link #overPanels} reads B's column panels: panel jp's row p at {@code rows[origin + jp panelStride + p
     * ld]}, NR columns, zero-padded past n when {@code padded} (else the last one is copied out padded).
     */
    private record Panels(float[] rows, int origin, int ld, int panelStride, boolean padded) {
    }

    /**
     * A transposed B, {@code B(p, j) = b[off + p rs + j cs]}, that {@link #overPanels} first copies out as the rows of
     * its {@link Panels}.
     */
    private record Transposed(float[] b, int off, int rs, int cs) {
    }

    /**
     * A sparse, a group of row tiles at a time ({@link #LIST_ENTRIES}; a training batch is one group), against B's
     * {@link Panels}, a transposed B ({@code copyOf}, when not null) first copied into the panels' rows ({@code n}
     * apart, each thread its own columns). Where B is small ({@link #TILES_B}, {@link #COPY_BY_TILES}) and the tiles
     * divide among the threads at least as evenly as C's column panels do ({@link #byTiles}), each thread lists its
     * own tiles and sums them against every panel, one hand-off a group; otherwise the threads first split the lists
     * (and the copy), then the panels, each summing every tile of its panels.
     * One hand-off rather than two took [128 x k] x [k x n] at 11-12%, 33-35% and 58-60% of the tiles' terms occupied
     * (zeros at random places, B read in place, 4-row tiles, two threads, Zen 4, 2026-12-07, best of seven rounds)
     * in 3.1, 6.9 and 10.5 us against 5.3, 9.8 and 15.2 at n = 64, k = 128, and 13.4, 33.3 and 54.3 against 17.3,
     * 38.0 and 64.7 at n = 256, k = 256.
     */
    private static void overPanels(int m, int n, int k, float[] a, int aOff, int aRs, Panels b, Transposed copyOf,
                                   float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        int panels = Math.ceilDiv(n, NR);
        int threads = WorkerPool.threads();
        SparseLists tiles = SCRATCH.get().tiles;
        int group = Math.max(1, LIST_ENTRIES / k);
        int groupTiles = Math.min(group, Math.ceilDiv(m, MR));
        tiles.reserve(groupTiles, k);
        boolean split = byTiles(groupTiles, panels, threads)
                && (long) k * n <= (copyOf == null ? TILES_B : COPY_BY_TILES);
        if (split && copyOf != null) {
            int parts = Math.min(threads, panels);
            WorkerPool.run(parts, part -> copyColumns(panels * part / parts, panels * (part + 1) / parts, n, k, copyOf,
                    b));
        }
        for (int i0 = 0; i0 < m; i0 += group * MR) {
            int mc = Math.min(group * MR, m - i0);
            int count = Math.ceilDiv(mc, MR);
            int aAt = aOff + i0 * aRs;
            int cAt = cOff + i0 * ldc;
            if (split) {
                int parts = Math.min(threads, count);
                WorkerPool.run(parts, part -> {
                    int t0 = count * part / parts;
                    int t1 = count * (part + 1) / parts;
                    tiles.rows(t0, t1, mc, k, a, aAt, aRs);
                    tiles(tiles, t0, t1, 0, panels, mc, n, k, b, bias, c, cAt, ldc, accumulate);
                });
                continue;
            }
            boolean copy = copyOf != null && i0 == 0;
            int listParts = Math.min(threads, Math.max(count, copy ? panels : 1));
            WorkerPool.run(listParts, part -> {
                tiles.rows(count * part / listParts, count * (part + 1) / listParts, mc, k, a, aAt, aRs);
                if (copy) {
                    copyColumns(panels * part / listParts, panels * (part + 1) / listParts, n, k, copyOf, b);
                }
            });
            int parts = Math.min(threads, panels);
            WorkerPool.run(parts, part -> tiles(tiles, 0, count, panels * part / parts, panels * (part + 1) / parts,
                    mc, n, k, b, bias, c, cAt, ldc, accumulate));
        }
    }

    /**
     * Most floats of a copied W^T for which {@link #overPanels}' threads split the tiles (32 KB): each then reads all
     * of the copy, half of it written by the other core. [128 x 128] x [128 x 64] (8K floats) took 9.4-10.2, 12.8-13.4
     * and 15.9-17.5 us at 11%, 34% and 58% of the terms occupied that way against 9.5-9.7, 14.3-16.5 and 18.5-21.9
     * with the panels split; at 128 columns and more the two ways were within the noise of two runs (Zen 4,
     * 2026-12-07).
     */
    private static final long COPY_BY_TILES = 1 << 13;
    /**
     * Most floats of a B read in place for which {@link #overPanels}' threads split the tiles (256 KB), each then
     * reading all of B rather than its own panels. In training B is a weight that the optimizer has just written, so
     * each step brings it back into each core's cache: with the MNIST MLP's first layer ([784 x 256], 784 KB) split
     * by tiles, training at batch 32 ran at 57,500-61,600 examples/s once warm against 63,400-67,900 with the panels
     * split (five epochs, alternating JVMs, Zen 4, 2026-12-07), though the same product on a B left unchanged took
     * 41.8-46.0, 109.1-112.7 and 175.1-181.2 us against 45.3-48.4, 113.9-116.7 and 184.7-192.8 at 128 rows and 11%,
     * 34% and 59% of the terms occupied (three runs against two, a third in a slow spell left out).
     */
    private static final long TILES_B = 1 << 16;

    /** The columns of C's panels {@code [p0, p1)} of a transposed B copied out as the rows of {@code b}. */
    private static void copyColumns(int p0, int p1, int n, int k, Transposed copyOf, Panels b) {
        int j0 = Math.min(n, p0 * NR);
        int j1 = Math.min(n, p1 * NR);
        DirectSgemm.transpose(k, j1 - j0, copyOf.b(), copyOf.off() + j0 * copyOf.cs(), copyOf.rs(), copyOf.cs(),
                b.rows(), j0, b.ld(), SCRATCH.get().columns);
    }

    /**
     * Whether {@link #overPanels}' threads split {@code count} row tiles rather than {@code panels} column panels: when
     * the largest part's tiles times panels is no larger that way.
     */
    private static boolean byTiles(int count, int panels, int threads) {
        return (long) Math.ceilDiv(count, threads) * panels <= (long) Math.ceilDiv(panels, threads) * count;
    }

    /**
     * Row tiles {@code [t0, t1)} of a group of {@code mc} rows, against B's column panels {@code [p0, p1)}, each tile
     * summed over its list into C from {@code cAt0}.
     */
    private static void tiles(SparseLists tiles, int t0, int t1, int p0, int p1, int mc, int n, int k, Panels b,
                              float[] bias, float[] c, int cAt0, int ldc, boolean accumulate) {
        float[] rows = b.rows();
        int origin = b.origin();
        int ld = b.ld();
        int panelStride = b.panelStride();
        Scratch s = SCRATCH.get();
        for (int panel = p0; panel < p1; panel++) {
            int jr = panel * NR;
            int nr = Math.min(NR, n - jr);
            int at = origin + panel * panelStride;
            if (WIDE && panelStride == NR && panel + 1 < p1 && jr + 2 * NR <= n) {
                // Two whole panels at once, side by side in B's rows: full row tiles in the wide tile, a last short
                // one panel by panel.
                int full = Math.min(t1, mc / MR);
                for (int t = t0; t < full; t++) {
                    SparseTiles.kernelWide(tiles.list, tiles.values, t * k, tiles.length[t], rows, at, ld, bias, jr, c,
                            cAt0 + t * MR * ldc + jr, ldc, accumulate);
                }
                for (int half = 0; half < 2; half++) {
                    int jh = jr + half * NR;
                    for (int t = Math.max(t0, full); t < t1; t++) {
                        int ir = t * MR;
                        SparseTiles.kernel(tiles, t, k, rows, at + half * panelStride, ld, bias, jh, s.tile, 0, NR,
                                false);
                        Sgemm.copyOut(s.tile, mc - ir, NR, null, 0, c, cAt0 + ir * ldc + jh, ldc, accumulate);
                    }
                }
                panel++;
                continue;
            }
            float[] from = rows;
            int fromAt = at;
            int fromLd = ld;
            if (nr < NR && !b.padded()) {
                from = s.edgePanel(k, rows, at, ld, nr);
                fromAt = 0;
                fromLd = NR;
            }
            for (int t = t0; t < t1; t++) {
                int ir = t * MR;
                int mr = Math.min(MR, mc - ir);
                int cAt = cAt0 + ir * ldc + jr;
                if (nr == NR && mr == MR) {
                    SparseTiles.kernel(tiles, t, k, from, fromAt, fromLd, bias, jr, c, cAt, ldc, accumulate);
                } else if (nr == NR) {
                    // The bias where DirectSgemm puts it for each kind of tile, so the sums round the same way.
                    SparseTiles.kernel(tiles, t, k, from, fromAt, fromLd, bias, jr, s.tile, 0, NR, false);
                    Sgemm.copyOut(s.tile, mr, nr, null, 0, c, cAt, ldc, accumulate);
                } else {
                    SparseTiles.kernel(tiles, t, k, from, fromAt, fromLd, null, 0, s.tile, 0, NR, false);
                    Sgemm.copyOut(s.tile, mr, nr, bias, jr, c, cAt, ldc, accumulate);
                }
            }
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
     * input-major). Transposed, with 512-bit vectors, {@link #STAGED_TILES} tiles' rows at a time are put side by side
     * in the thread's scratch and turned by {@link DirectSgemm#transpose}'s 16 x 16 register blocks, the rest entry by
     * entry; with 32 vector registers a pair of whole panels at a time, through the wide tile, so that the lists are
     * read half as many times: dy^T x for a [128 x 256] x with 11%, 34% and 59% of the terms occupied, C 256 x 256,
     * took 26.0-26.8, 46.2-47.3 and 67.8-69.0 us against 32.2-32.6, 53.0-53.8 and 75.0-76.0 a panel at a time, and for
     * a [128 x 784] x 71.7-73.1, 138.7-139.3 and 208.2-209.0 against 80.5-85.7, 141.4-157.8 and 212.0-228.2 (4-row
     * tiles, two threads, Zen 4, 2026-12-07, two runs each). The threads split the tiles, each making its own tiles'
     * lists, a group at a time ({@link #LIST_ENTRIES}).
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
                SparseLists tiles = scratch.columnTiles(t0, t1, w, k, s, sOff, sLd);
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
                                SparseTiles.kernelWide(tiles.list, tiles.values, (t - t0) * k, tiles.length[t - t0], d,
                                        dOff + jr, dLd, null, 0, c, cOff + ir * ldc + jr, ldc, accumulate);
                                continue;
                            }
                            for (int jh = jr; jh < jr + 2 * NR; jh += NR) {
                                SparseTiles.kernel(tiles, t - t0, k, d, dOff + jh, dLd, null, 0, scratch.tile, 0, NR,
                                        false);
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
                                SparseTiles.kernel(tiles, t - t0, k, from, fromAt, fromLd, null, 0, c, cAt, ldc,
                                        accumulate);
                            } else {
                                SparseTiles.kernel(tiles, t - t0, k, from, fromAt, fromLd, null, 0, scratch.tile, 0,
                                        NR, false);
                                Sgemm.copyOut(scratch.tile, mr, nr, null, 0, c, cAt, ldc, accumulate);
                            }
                        }
                        continue;
                    }
                    if (STAGED && WIDE && jr + 2 * NR <= h && !accumulate) {
                        // Two whole panels at once: whole runs of tiles in the wide tile, each half of the run's rows
                        // then turned; the rest of the tiles panel by panel.
                        for (; t + STAGED_TILES <= t1 && (t + STAGED_TILES) * MR <= w; t += STAGED_TILES) {
                            for (int u = 0; u < STAGED_TILES; u++) {
                                SparseTiles.kernelWide(tiles.list, tiles.values, (t + u - t0) * k,
                                        tiles.length[t + u - t0], d, dOff + jr, dLd, null, 0, scratch.staged,
                                        u * MR * 2 * NR, 2 * NR, false);
                            }
                            for (int half = 0; half < 2; half++) {
                                DirectSgemm.transpose(NR, STAGED_TILES * MR, scratch.staged, half * NR, 1, 2 * NR, c,
                                        cOff + (jr + half * NR) * ldc + t * MR, ldc, scratch.columns);
                            }
                        }
                        for (; t < t1; t++) {
                            int ir = t * MR;
                            int mr = Math.min(MR, w - ir);
                            for (int jh = jr; jh < jr + 2 * NR; jh += NR) {
                                SparseTiles.kernel(tiles, t - t0, k, d, dOff + jh, dLd, null, 0, scratch.tile, 0, NR,
                                        false);
                                storeTransposed(scratch.tile, mr, NR, c, cOff + jh * ldc + ir, ldc, false);
                            }
                        }
                        jr += NR;   // and the loop's NR: the pair is done
                        continue;
                    }
                    if (STAGED && nr == NR && !accumulate) {
                        // Whole runs of STAGED_TILES tiles inside S: their rows side by side, then turned in registers.
                        for (; t + STAGED_TILES <= t1 && (t + STAGED_TILES) * MR <= w; t += STAGED_TILES) {
                            for (int u = 0; u < STAGED_TILES; u++) {
                                SparseTiles.kernel(tiles, t + u - t0, k, from, fromAt, fromLd, null, 0, scratch.staged,
                                        u * MR * NR, NR, false);
                            }
                            DirectSgemm.transpose(NR, STAGED_TILES * MR, scratch.staged, 0, 1, NR, c,
                                    cOff + jr * ldc + t * MR, ldc, scratch.columns);
                        }
                    }
                    for (; t < t1; t++) {
                        int ir = t * MR;
                        int mr = Math.min(MR, w - ir);
                        SparseTiles.kernel(tiles, t - t0, k, from, fromAt, fromLd, null, 0, scratch.tile, 0, NR, false);
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

    /** One thread's buffers, grown to what a call needs and kept, so a training step allocates nothing here. */
    private static final class Scratch {
        private final SparseLists tiles = new SparseLists();
        private float[] rows = new float[0];
        private float[] edgePanel = new float[0];
        private final float[] tile = new float[MR * NR];
        private final float[] staged = new float[STAGED_TILES * MR * 2 * NR];
        private final int[] columns = new int[V];
        private int[] terms = new int[0];
        private final int[] termCounts = new int[DirectSgemm.DOT_ROWS];

        /** Room for the lists of {@link #byRows}' rows. */
        int[] terms(int size) {
            if (terms.length < size) {
                terms = new int[size];
            }
            return terms;
        }

        SparseLists columnTiles(int t0, int t1, int n, int k, float[] b, int bOff, int bRs) {
            tiles.columns(t0, t1, n, k, b, bOff, bRs);
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
