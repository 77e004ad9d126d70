package dev.backprop.cpu;

import dev.backprop.backend.PackedMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision matrix multiply {@code C (+)= A B} for the modest shapes of a training step (a
 * batch of a few hundred rows, widths in the hundreds), reading A and B where they lie instead of
 * packing them. The micro-kernel keeps an MR x 2V tile of C in registers ({@link Sgemm#DIRECT_MR}: 6 rows with
 * 32 vector registers, 4 with AVX2's 16), as {@link Sgemm}'s does, but broadcasts A's elements through A's own row and column strides (row-major, transposed or any
 * view) and loads B's rows straight from B. With 32 registers, C's columns go four vectors at a time where they can
 * ({@link #kernel6Wide}), two where fewer are left. Packing copies both operands on every call, and at
 * these sizes the copy is paid back over too few columns: with n = 128 a packed A is reused only
 * four times. Read in place, the dense layers' products run 10-35% faster on one core.
 *
 * <p>Only a transposed B (column stride not 1, as in {@code x W^T}) is copied, into row-major rows,
 * each thread copying just the columns it computes. Ragged edges (rows past a multiple of MR,
 * columns past a multiple of 2V) go through small zero-padded copies and a scratch tile. Large
 * operands, where cache and TLB blocking pays for the packing, stay with {@link Sgemm}.
 */
final class DirectSgemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** The two-vector selects of {@link #transposeBlock}, see {@link #pairing}. */
    private static final FloatVector LOW_8 = pairing(8, false);
    private static final FloatVector HIGH_8 = pairing(8, true);
    private static final FloatVector LOW_4 = pairing(4, false);
    private static final FloatVector HIGH_4 = pairing(4, true);
    private static final FloatVector LOW_2 = pairing(2, false);
    private static final FloatVector HIGH_2 = pairing(2, true);
    private static final FloatVector LOW_1 = pairing(1, false);
    private static final FloatVector HIGH_1 = pairing(1, true);
    /**
     * Rows of the register tile, {@link Sgemm#DIRECT_MR}: 6, or 4 with 16 vector registers (AVX2), where the
     * 6-row tile spills an accumulator every step, as in {@link Sgemm#MR}. A 4-row tile here was once slower
     * on an AVX2-only machine (the MNIST MLP's eight products 1.43-1.47 s an epoch against 1.03-1.11 s: B read
     * in place from L2 once per tile of rows, and six rows read it a third less often), when this class ran the
     * training step's products; there those now go to Sgemm's packed tile ({@link #suits}), and what is left
     * here is attention's per-head products and products of a few rows.
     */
    private static final int MR = Sgemm.DIRECT_MR;
    private static final int NR = Sgemm.NR;
    /** Largest inner dimension read without blocking: B's micro-panel (k x NR) stays within L2. */
    private static final int MAX_K = 1024;
    /** Largest B (k x n) and A (m x k), in floats, that are read in place: about 2 MB each. */
    private static final long MAX_OPERAND = 1 << 19;

    /** Per-thread scratch: B's columns copied row-major, an edge panel of B, edge rows of A, a tile. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private DirectSgemm() {
    }

    /**
     * Rows of A up to which B is read in place whatever its size: it is streamed once per tile of rows (two
     * 6-row tiles, three 4-row ones).
     */
    private static final int FEW_ROWS = 12;

    /**
     * Whether a product of these sizes is faster read in place than packed: operands that fit the
     * caches, or a few rows of A (one sentence, one image) against a large B, where packing B would
     * copy it for only one or two passes, or at most one vector of columns (a tall, narrow product: LeNet's first
     * convolution as im2col, [100352 x 25] x [25 x 6]^T), where the 6-row, one-vector tile reads each row of A
     * once and packing would copy all of A for a 32-column tile that computes 6 (two threads, Zen 4, the night of
     * 2026-12-05, scratch harness: that product 34-38 GFLOP/s against 16-18 packed as NT and NN, 26-35 against 12-17
     * as TN; [12800 x 150] x [150 x 16]^T 40-68 against 24-63). Where the CPU has 16 vector registers (AVX2), only a few rows of A:
     * this class's 6-row tile spilled an accumulator there (see {@link Sgemm#MR}), and packing for
     * Sgemm's 4-row tile paid off for the training shapes measured on an AVX2-only machine (the MNIST
     * MLP's eight products 0.92 s an epoch instead of 1.24 s, the GPT recipe's 1.0-1.75 times faster,
     * most about 1.5). Where Sgemm runs its 12-row tile (Intel's AVX-512), the narrow ones too (two threads, Intel
     * Xeon, 2026-12-06, alternating JVMs, medians of four rounds, two runs: [100352 x 25] x [6 x 25]^T 37.5-39.5
     * GFLOP/s against 19.4-20.2 packed, [12800 x 150] x [16 x 150]^T 125.8-129.9 against 68.7-72.9), and the others
     * only under {@link #PACKED_FLOPS}: above it the packed 12-row tile was faster than this 6-row one read
     * in place (the GPT recipe's products 1.08-1.58 times, the MNIST MLP's 0.92-1.49; below it, the
     * MLP's and LeNet's smaller ones 0.61-0.94), and there not a weight gradient of {@link #LONG_K} terms or more
     * ({@code aRs}, A's row stride, 1).
     */
    static boolean suits(int m, int n, int k, int aRs) {
        if (Sgemm.MR == 12 && aRs == 1 && k >= LONG_K && m > FEW_ROWS) {
            return false;
        }
        if (m <= FEW_ROWS && k <= 4 * MAX_K) {
            return true;
        }
        if (Sgemm.DIRECT_MR == 6 && n <= V && k <= MAX_K) {
            return true;   // one narrow panel: A is read once whatever its size, so packing it pays nothing back
        }
        return Sgemm.DIRECT_MR == 6 && k <= MAX_K && (long) k * n <= MAX_OPERAND && (long) m * k <= MAX_OPERAND
                && (Sgemm.MR != 12 || 2L * m * n * k < PACKED_FLOPS) && (m < WIDE || n < WIDE);
    }

    /**
     * Rows and columns from which a product is packed even where its operands fit: both threads then share B packed
     * once, rather than each reading all of it in place, a row of B ({@code 4 n} bytes apart) at a time, from beyond
     * its caches. In training B is cold (the GPT recipe's activations and gradients are evicted between a layer's
     * forward and its backward), and there the recipe's wide products ran at 139-152 GFLOP/s read in place against
     * 178-188 packed: [768 x 128] x [128 x 384]^T, [768 x 128] x [128 x 512]^T and [768 x 128] x [128 x 512] (their
     * total time in 40 training steps, a scratch timer in the backend, Zen 4, 2026-12-06). With both operands in the
     * caches the two paths are within a few percent (512^3 204-205 packed against 206-208); below 384 rows or
     * columns, or with a long inner dimension, reading in place stayed ahead in training too.
     */
    private static final int WIDE = 384;

    /**
     * Terms (k) from which a product whose A is read across its rows (row stride 1: a weight gradient {@code dy^T x}
     * over a long batch of tokens) goes to Sgemm's packed 12-row tile where it has one, whatever its size. Read in
     * place, each 6-row tile streams its panel of B, k rows of four vectors (128 KB at k = 512), through L1 from L2,
     * and takes a new cache line of A at every step of k. The GPT recipe's [128 x 768] x [768 x 128] weight
     * gradients (25 MFLOP, under {@link #PACKED_FLOPS}) ran at 161 GFLOP/s in place, its larger ones packed at
     * 205-219; packed, the recipe ran at medians of 33.0, 34.7 and 34.9 thousand tokens/s against 32.8, 33.2 and 34.5
     * (three JVMs, eight rounds each way alternating; Intel Xeon, 2026-12-07). No product of the MNIST MLP, LeNet-5 or
     * the time-to-99% CNN has A so with k this long (their weight gradients sum over batches of 128).
     */
    private static final int LONG_K = 512;

    /**
     * Flops (2 m n k) from which a product is split across the threads. A training step's products come back to back,
     * so the pool's workers are spinning, not parked, and a hand-off is cheap: 16 x 64 x 64 (131,000 flops) took
     * 1.86 us on one thread and 1.63 split, about 0.7 us more than half. At 2,000,000, as before, the MNIST MLP's
     * output-layer products ran on one thread; split (nine alternating rounds in one JVM, Zen 4, 2026-12-05, medians):
     * its [128 x 10] x [10 x 256] 116 GFLOP/s against 71, [10 x 128] x [128 x 256] 135 against 75, [128 x 256] x
     * [256 x 10]^T 53 against 36; 48^3 and 32 x 64 x 64 1.37x and 1.60x. Smaller ones gained too (131,000-164,000
     * flops: 1.14-1.51x), but they stay on one thread, where a worker parked after a pause (it spins 0.2 ms, then
     * parks) would have to be woken for a product of a microsecond or two.
     */
    private static final long SPLIT_FLOPS = 200_000;

    /**
     * Floats of a row-major B below which a product split across the threads splits C's rows, not its columns, even
     * where C is wider than tall. Split by columns, two threads write the two halves of every row of C, and where a
     * row's halves meet inside a cache line that line goes back and forth between the cores, once for every row: the
     * MNIST MLP's [128 x 10] x [10 x 256] (B 10 KB) ran at 48-58 GFLOP/s in three `compare --gemm` runs of eight and at
     * 114-134 in the other five, as the array happened to lie (Zen 4, 2026-12-06); with its rows split, 104-123 in
     * every run of six. A small B costs each thread nothing to read whole; at 32,768 floats (128 KB) the products
     * whose B is read from beyond the caches (the GPT's weight gradients, the MLP's 256 x 256 layer) keep the columns.
     */
    private static final long SHARED_B = 1 << 15;

    /**
     * Flops (2 m n k) from which a product goes to Sgemm's packed 12-row tile where it has one. Tried and not kept
     * (Intel Xeon, 2026-12-06): 8,000,000 for products with C at least 256 columns wide and k in one packed block.
     * Once the packed path gathered its panels ({@link Sgemm#GATHERS}) it ran those faster with the operands in the
     * caches (the MNIST MLP's second layer [128 x 256] x [256 x 256]^T 197-215 GFLOP/s against 172-174, [128 x 256] x
     * [256 x 256] 209-225 against 186-195; LeNet-5's [120 x 128] x [128 x 400] 193-210 against 166-170; not the
     * smaller ones, [32 x 256] x [256 x 256] 142-146 against 150-153), and the MLP's epoch took 0.496-0.543 s against
     * 0.558-0.580. But the time-to-99% command's CNN then sent its classifier's [128 x 128] x [128 x 686] products to
     * the packed path, which that command otherwise never runs, and the compiler's work on it (JFR: C2 spent 0.7 s
     * on {@code Sgemm.packA} and {@code kernel12} alone) made the command 0.4-0.5 s slower (10.19-10.47 s against
     * 9.70-9.95 in alternating runs, on a limit of 10). Tried again on 2026-12-07 (the same Xeon), with the command
     * faster by then: the MLP's second layer's products 1.05-1.15x packed (two threads, cycling through eight copies:
     * 213-221 GFLOP/s against 183-206; the CNN's classifier products [128 x 128] x [128 x 686] 221-228 against 183-193,
     * this class's 6 x 4V tile alone running at 63-65% of a core's peak in L1 there, against 88% for {@link Sgemm}'s
     * 12 x 2V), the MLP's epoch 0.433-0.446 s against 0.444-0.464 (medians of seven, three alternating pairs of JVMs);
     * but the time-to-99% command 8.43-9.14 s against 7.76-8.50 (seven alternating pairs; JFR: C2 8.5 s of compiling
     * in the run against 7.1), and 10.07 s in a {@code bench} of a slow spell: not kept again.
     */
    private static final long PACKED_FLOPS = 32_000_000;

    /**
     * {@code C (+)= A B (+ 1 bias^T)} with the same operand conventions as {@link Sgemm#gemm}; m, n, k
     * at least 1. A non-null {@code bias} (n values, not with accumulate) starts every row's
     * accumulators, so a dense layer's bias costs no pass over C.
     */
    static void gemm(int m, int n, int k,
                     float[] a, int aOff, int aRs, int aCs,
                     float[] b, int bOff, int bRs, int bCs,
                     float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        int threads = 2L * m * n * k < SPLIT_FLOPS ? 1 : WorkerPool.threads();
        if (m <= DOT_ROWS && bCs == 1) {
            int chunks = (n + 4 * V - 1) / (4 * V);
            int parts = Math.min((long) k * n >= ROWS_SPLIT ? WorkerPool.threads() : 1, chunks);
            if (parts <= 1) {
                rows(m, 0, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bias, c, cOff, ldc, accumulate);
            } else {
                WorkerPool.run(parts, p -> rows(m, chunks * p / parts * 4 * V, Math.min(n, chunks * (p + 1) / parts * 4 * V),
                        k, a, aOff, aRs, aCs, b, bOff, bRs, bias, c, cOff, ldc, accumulate));
            }
            return;
        }
        if (m <= DOT_ROWS && aCs == 1 && bRs == 1 && bCs != 1) {
            int parts = Math.min(threads, n);
            if (parts <= 1) {
                dots(m, 0, n, k, a, aOff, aRs, b, bOff, bCs, bias, c, cOff, ldc, accumulate);
            } else {
                WorkerPool.run(parts, p -> dots(m, n * p / parts, n * (p + 1) / parts, k, a, aOff, aRs, b, bOff, bCs, bias,
                        c, cOff, ldc, accumulate));
            }
            return;
        }
        int rowTiles = (m + MR - 1) / MR;
        int colTiles = (n + NR - 1) / NR;
        boolean transposedB = bCs != 1;
        // Split the columns when B must be copied (each thread copies only its own), when there are more column tiles
        // than row tiles, or when B is the larger operand (n > m), as long as each thread gets two column tiles: each
        // thread reads all of the operand that is not split, from beyond its caches in training. Splitting the rows of
        // the GPT recipe's [128 x 768] x [768 x 512] weight gradient, each thread read all of the 1.5 MB B; its columns
        // split, the recipe ran 0-20% faster (four JVMs, eight alternating rounds each, medians +0%, +3%, +7%, +20%,
        // Zen 4, 2026-12-06) and the MNIST MLP the same (0.515 / 0.563 s rows, 0.530 / 0.549 columns). A B smaller
        // than SHARED_B is read whole by each thread from its own caches, and the rows are split (see there).
        boolean splitColumns = transposedB ? colTiles >= 2 * threads
                : (long) k * n >= SHARED_B && (colTiles > rowTiles || (n > m && colTiles >= 2 * threads));
        int tiles = splitColumns ? colTiles : rowTiles;
        int parts = Math.min(threads, tiles);
        if (parts <= 1) {
            block(0, m, 0, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, bias, c, cOff, ldc, accumulate);
            return;
        }
        WorkerPool.run(parts, p -> {
            int from = tiles * p / parts;
            int to = tiles * (p + 1) / parts;
            if (splitColumns) {
                block(0, m, from * NR, Math.min(n, to * NR), k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, bias, c, cOff, ldc,
                        accumulate);
            } else {
                block(from * MR, Math.min(m, to * MR), 0, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, bias, c, cOff, ldc,
                        accumulate);
            }
        });
    }

    /**
     * Rows of A up to which a product runs row by row: against a transposed B ({@code x W^T}, W's
     * rows contiguous along k) as dot products of A's rows with W's rows, which would otherwise copy
     * all of W into row-major form for a single row of output; against a row-major B with four
     * vectors of C's row in registers, where the MR-row tile would multiply rows of padding.
     */
    static final int DOT_ROWS = 4;
    /**
     * Floats of B from which a row-by-row product splits B's columns across the threads: one row is
     * bound by streaming B from the caches, and two cores stream faster than one. From 64 KB, what a
     * generated token's products read, generation ran up to 20% faster on an AVX2-only machine (within the noise in
     * one pair of runs out of four) despite a pool dispatch per product; the flop count, the
     * threshold elsewhere, would never split a single row.
     */
    private static final long ROWS_SPLIT = 1 << 14;

    /**
     * Columns {@code [j0, j1)} of {@code C (+)= A B (+ bias)} for a row-major B, one row of A at a time
     * (a token being generated): four vectors of C's row stay in registers while A's elements are
     * broadcast against B's rows, so a row of the result costs one pass over B and no tile padding.
     */
    private static void rows(int m, int j0, int j1, int k, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff,
                             int bRs, float[] bias, float[] c, int cOff, int ldc, boolean add) {
        for (int i = 0; i < m; i++) {
            int row = aOff + i * aRs;
            int out = cOff + i * ldc;
            int j = j0;
            for (; j + 4 * V <= j1; j += 4 * V) {
                FloatVector c0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, j);
                FloatVector c1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, j + V);
                FloatVector c2 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, j + 2 * V);
                FloatVector c3 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, j + 3 * V);
                for (int p = 0; p < k; p++) {
                    FloatVector av = FloatVector.broadcast(S, a[row + p * aCs]);
                    int bq = bOff + p * bRs + j;
                    c0 = av.fma(FloatVector.fromArray(S, b, bq), c0);
                    c1 = av.fma(FloatVector.fromArray(S, b, bq + V), c1);
                    c2 = av.fma(FloatVector.fromArray(S, b, bq + 2 * V), c2);
                    c3 = av.fma(FloatVector.fromArray(S, b, bq + 3 * V), c3);
                }
                if (add) {
                    c0 = c0.add(FloatVector.fromArray(S, c, out + j));
                    c1 = c1.add(FloatVector.fromArray(S, c, out + j + V));
                    c2 = c2.add(FloatVector.fromArray(S, c, out + j + 2 * V));
                    c3 = c3.add(FloatVector.fromArray(S, c, out + j + 3 * V));
                }
                c0.intoArray(c, out + j);
                c1.intoArray(c, out + j + V);
                c2.intoArray(c, out + j + 2 * V);
                c3.intoArray(c, out + j + 3 * V);
            }
            for (; j < j1; j++) {
                float sum = bias == null ? 0f : bias[j];
                for (int p = 0; p < k; p++) {
                    sum += a[row + p * aCs] * b[bOff + p * bRs + j];
                }
                c[out + j] = add ? c[out + j] + sum : sum;
            }
        }
    }

    /**
     * Columns {@code [j0, j1)} of {@code C (+)= A B (+ bias)} for B(p, j) = {@code b[bOff + j bCs + p]}, each
     * entry one dot product: A's row against W's row j, a vector of k at a time, lanes summed at the end in a fixed
     * order ({@link VectorLoops#laneSum}). With {@code reduceLanes(ADD)} the same product of one row gave other bits
     * once compiled than on its first, interpreted calls (2026-12-07), so a generated token or a single prediction
     * depended on when the JIT got to it.
     */
    private static void dots(int m, int j0, int j1, int k, float[] a, int aOff, int aRs, float[] b, int bOff, int bCs,
                             float[] bias, float[] c, int cOff, int ldc, boolean add) {
        int upper = S.loopBound(k);
        for (int i = 0; i < m; i++) {
            int row = aOff + i * aRs;
            for (int j = j0; j < j1; j++) {
                int w = bOff + j * bCs;
                FloatVector acc0 = FloatVector.zero(S);
                FloatVector acc1 = FloatVector.zero(S);
                int p = 0;
                for (; p + V < upper; p += 2 * V) {
                    acc0 = FloatVector.fromArray(S, a, row + p).fma(FloatVector.fromArray(S, b, w + p), acc0);
                    acc1 = FloatVector.fromArray(S, a, row + p + V).fma(FloatVector.fromArray(S, b, w + p + V), acc1);
                }
                for (; p < upper; p += V) {
                    acc0 = FloatVector.fromArray(S, a, row + p).fma(FloatVector.fromArray(S, b, w + p), acc0);
                }
                float sum = VectorLoops.laneSum(acc0.add(acc1));
                for (; p < k; p++) {
                    sum += a[row + p] * b[w + p];
                }
                if (bias != null) {
                    sum += bias[j];
                }
                int at = cOff + i * ldc + j;
                c[at] = add ? c[at] + sum : sum;
            }
        }
    }

    /**
     * B {@code [rows, columns]} as the panels this class's kernels read: {@code ceil(columns / NR)}
     * panels of NR columns, each {@code rows} rows of NR contiguous floats, the last panel zero-padded.
     * A product streams each panel front to back, which a row-major B of many columns (its rows far
     * apart, a page or more for a wide layer) does not allow.
     */
    record Panels(int rows, int columns, float[] data) implements PackedMatrix {
    }

    /** Packs B(p, j) = {@code b[off + p rs + j cs]}, {@code [k, n]}, into {@link Panels}. */
    static Panels pack(int k, int n, float[] b, int off, int rs, int cs) {
        int panels = (n + NR - 1) / NR;
        float[] data = new float[panels * k * NR];
        for (int jp = 0; jp < panels; jp++) {
            int width = Math.min(NR, n - jp * NR);
            for (int p = 0; p < k; p++) {
                int src = off + p * rs + jp * NR * cs;
                int dst = (jp * k + p) * NR;
                for (int j = 0; j < width; j++) {
                    data[dst + j] = b[src + j * cs];
                }
            }
        }
        return new Panels(k, n, data);
    }

    /**
     * {@code C = A B (+ 1 bias^T)} for a packed B, A's rows contiguous: up to {@link #DOT_ROWS} rows
     * (a token being generated, one request) two panels at a time with their rows' four vectors in
     * registers, split across the threads by panels from {@link #ROWS_SPLIT} floats of B; more rows
     * through {@link Sgemm}'s tile where it is not 6 rows ({@link #packedRows}; with its 12-row tile, up to
     * {@link #TRAINING_TILE_ROWS} rows), else through this class's 6-row tile, split by B's panels or by C's row
     * tiles, whichever gives the busiest thread fewer tiles. The MLP's
     * forward pass for a batch of 64 took 194-241 us against 209-247 once its 8 panels went 4 and 4 rather than its
     * 11 row tiles 5 and 6 (medians of 15-25 alternating rounds in one JVM, three runs; LeNet-5's within the noise;
     * Zen 4, 2026-12-06).
     */
    static void gemmPacked(int m, float[] a, int aOff, int aRs, Panels b, float[] bias, float[] c, int cOff, int ldc) {
        int k = b.rows();
        int n = b.columns();
        int panels = (n + NR - 1) / NR;
        if (m <= DOT_ROWS) {
            int pairs = (panels + 1) / 2;
            int parts = Math.min((long) k * n >= ROWS_SPLIT ? WorkerPool.threads() : 1, pairs);
            WorkerPool.run(parts, p -> panelRows(m, 2 * (pairs * p / parts),
                    Math.min(panels, 2 * (pairs * (p + 1) / parts)), k, n, a, aOff, aRs, null, null, b.data(), bias, c,
                    cOff, ldc));
            return;
        }
        if (Sgemm.MR == 4 || (Sgemm.MR == 12 && m < TRAINING_TILE_ROWS)) {
            packedRows(m, a, aOff, aRs, b, bias, c, cOff, ldc);
            return;
        }
        int threads = 2L * m * n * k < SPLIT_FLOPS ? 1 : WorkerPool.threads();
        int rowTiles = (m + MR - 1) / MR;
        // By B's panels or by C's row tiles, whichever leaves the busiest thread the fewer tiles (an edge tile counts
        // whole): the MLP's batch of 64 has 8 panels and 11 row tiles, 4 panels a thread against 5 and 6 row tiles.
        int most = Math.min(threads, Math.max(panels, rowTiles));
        boolean splitColumns = Math.ceilDiv(panels, most) * rowTiles <= Math.ceilDiv(rowTiles, most) * panels;
        int tiles = splitColumns ? panels : rowTiles;
        int parts = Math.min(threads, tiles);
        WorkerPool.run(parts, p -> {
            int from = tiles * p / parts;
            int to = tiles * (p + 1) / parts;
            if (splitColumns) {
                packedBlock(0, m, from, to, a, aOff, aRs, b, bias, c, cOff, ldc);
            } else {
                packedBlock(from * MR, Math.min(m, to * MR), 0, panels, a, aOff, aRs, b, bias, c, cOff, ldc);
            }
        });
    }

    /**
     * Rows of A from which a product against a packed matrix runs this class's 6-row tiles over B's panels, where
     * Sgemm has its 12-row tile (Intel's cores), rather than {@link #packedRows}: the tiles a training step's products
     * have compiled already. A training command's test pass (batches as large as the training's) otherwise ran the
     * 12-row path first, before the JIT's second tier had compiled it: the time-to-99% command's pass over 10,000
     * images took 0.40-0.42 s against 0.69-0.82 (a scratch harness, one epoch of training first, three alternating
     * pairs of JVMs, Intel Xeon, 2026-12-06; the 12-row path then packed without gathers, and with them its cold pass
     * took 0.99-1.13 s), 0.29-0.35 s warm either way. Warm, the MNIST MLP's batch of 128 took
     * 487-492 us against 464-480 through the 12-row tile, LeNet-5's 1,008-1,074 against 1,047-1,069; at 64 rows the
     * 12-row tile stayed ahead (the MLP's 224-231 us against 249-252), so smaller batches keep it.
     */
    private static final int TRAINING_TILE_ROWS = 128;

    /**
     * {@code C = A B (+ 1 bias^T)} for a packed B through {@link Sgemm}'s tile, where it is not 6 rows (4 or
     * 12): A's rows are packed Sgemm's MR at a time and zero-padded, a tile cut by C's last rows or columns going
     * through a scratch tile. From {@link #ROWS_SPLIT} floats of B the threads split the work: by
     * row panels where each thread gets at least two, each packing only its own rows (the MLP's
     * batch of 64: packing all of A on the calling thread left the other idle for a tenth of the pass),
     * else by B's panels, so that each thread streams half of B rather than all of it.
     * <ul>
     *   <li>The 12-row tile (Intel cores with AVX-512): a 7-token sentence's products in MiniLM read B once
     *       rather than twice (the 6-row tile and its edge): in alternating rounds on two cores of an Intel
     *       Xeon (family 6, 2026-12-03) the sentence took 5.8 and 6.4 ms (medians of two runs) against 6.7
     *       and 7.3 through the 6-row tile.
     *   <li>The 4-row tile (AVX2): the 6-row tile spills an accumulator there and computes a 7-token
     *       sentence's rows as 12 (a tile and a zero-padded edge), the 4-row tile as 8. One product, two cores
     *       of the AVX2 machine (2026-12-04, a scratch harness of ten rounds a run): [7 x 384] x [384 x 1536]
     *       124-152 us -> 93-102 with B in the caches, 163-201 -> 156-163 cycling through 24 copies of B (57 MB)
     *       (the last two rounds of two runs each); MiniLM's [13 x 384] x [384 x 384] 52.9 -> 31.6 us, [128 x 384]
     *       x [384 x 384] 449 -> 288; the MLP's [64 x 784] x [784 x 256] 235 -> 175 (medians). Splitting a 7-row
     *       product's two row panels between the threads, each streaming all of B, was faster with B in the
     *       caches (65-66 us) and slower from memory (171-175). Measured on AVX2 only: the 12-row tile's products
     *       of one row panel per thread (13 to 24 rows) now split B's panels too.
     * </ul>
     */
    private static void packedRows(int m, float[] a, int aOff, int aRs, Panels b, float[] bias, float[] c, int cOff,
                                   int ldc) {
        int k = b.rows();
        int n = b.columns();
        int mr = Sgemm.MR;
        int rowPanels = (m + mr - 1) / mr;
        int panels = (n + NR - 1) / NR;
        int threads = (long) k * n >= ROWS_SPLIT ? WorkerPool.threads() : 1;
        if (threads > 1 && rowPanels >= 2 * threads) {
            WorkerPool.run(threads, part -> {
                int from = rowPanels * part / threads * mr;
                int to = Math.min(m, rowPanels * (part + 1) / threads * mr);
                float[] ap = packRows(from, to, k, a, aOff, aRs, SCRATCH.get());
                panelTiles(from, to, 0, panels, ap, b, bias, c, cOff, ldc);
            });
            return;
        }
        float[] ap = packRows(0, m, k, a, aOff, aRs, SCRATCH.get());
        int parts = Math.min(threads, panels);
        WorkerPool.run(parts, part -> panelTiles(0, m, panels * part / parts, panels * (part + 1) / parts, ap, b, bias,
                c, cOff, ldc));
    }

    /** A's rows {@code [from, to)} packed as {@link Sgemm}'s packing does, all of k at once, in s's buffer. */
    private static float[] packRows(int from, int to, int k, float[] a, int aOff, int aRs, Scratch s) {
        float[] ap = s.edgeA(Sgemm.packedASize(to - from, k));
        Sgemm.packA(to - from, k, a, aOff + from * aRs, aRs, 1, ap);
        return ap;
    }

    /** Rows {@code [from, to)} of C over B's panels {@code [jp0, jp1)}, the rows packed in ap from row from. */
    private static void panelTiles(int from, int to, int jp0, int jp1, float[] ap, Panels b, float[] bias, float[] c,
                                   int cOff, int ldc) {
        int k = b.rows();
        int n = b.columns();
        int mr = Sgemm.MR;
        float[] tile = SCRATCH.get().edgeB(mr * NR);
        for (int jp = jp0; jp < jp1; jp++) {
            int nr = Math.min(NR, n - jp * NR);
            for (int ir = from; ir < to; ir += mr) {
                int aAt = (ir - from) * k;
                int cAt = cOff + ir * ldc + jp * NR;
                if (nr == NR && ir + mr <= to) {
                    Sgemm.kernel(k, ap, aAt, b.data(), jp * k * NR, bias, jp * NR, c, cAt, ldc, false);
                } else {
                    Sgemm.kernel(k, ap, aAt, b.data(), jp * k * NR, null, 0, tile, 0, NR, false);
                    Sgemm.copyOut(tile, Math.min(mr, to - ir), nr, bias, jp * NR, c, cAt, ldc, false);
                }
            }
        }
    }

    /** Rows {@code [i0, i1)} of C over panels {@code [jp0, jp1)} of a packed B, through the 6-row tile. */
    private static void packedBlock(int i0, int i1, int jp0, int jp1, float[] a, int aOff, int aRs, Panels b,
                                    float[] bias, float[] c, int cOff, int ldc) {
        Scratch s = SCRATCH.get();
        int k = b.rows();
        int fullRows = i0 + (i1 - i0) / MR * MR;
        float[] edgeA = edgeRows(s, fullRows, i1, k, a, aOff, aRs, 1);
        for (int jp = jp0; jp < jp1; jp++) {
            int nr = Math.min(NR, b.columns() - jp * NR);
            panelColumn(i0, fullRows, i1, edgeA, k, a, aOff, aRs, 1, b.data(), jp * k * NR, NR, nr, bias, jp * NR,
                    c, cOff + jp * NR, ldc, false, s.tile);
        }
    }

    /**
     * Panels {@code [jp0, jp1)} of {@code C = A B (+ bias)} for up to {@link #DOT_ROWS} rows of A, one
     * row at a time: two panels' four vectors of C's row stay in registers while A's elements are
     * broadcast against the panels' rows, read front to back. Columns past n (a partial last panel)
     * go through a small tile. Over all of k where {@code terms} is null; else over only some terms of each row
     * ({@link SparseSgemm}'s rows of mostly zeros): row i's terms p at {@code terms[i k ..]}, {@code count[i]} of them
     * in increasing order, the same sums in the same order but for the terms left out.
     */
    static void panelRows(int m, int jp0, int jp1, int k, int n, float[] a, int aOff, int aRs, int[] terms,
                          int[] count, float[] b, float[] bias, float[] c, int cOff, int ldc) {
        float[] tile = null;
        boolean all = terms == null;
        for (int i = 0; i < m; i++) {
            int row = aOff + i * aRs;
            int out = cOff + i * ldc;
            int first = all ? 0 : i * k;
            int end = all ? k : first + count[i];
            for (int jp = jp0; jp < jp1; jp += 2) {
                int j = jp * NR;
                boolean two = jp + 1 < jp1;
                int width = Math.min(two ? 2 * NR : NR, n - j);
                boolean whole = width == (two ? 2 * NR : NR);
                boolean biased = whole && bias != null;
                FloatVector c0 = biased ? FloatVector.fromArray(S, bias, j) : FloatVector.zero(S);
                FloatVector c1 = biased ? FloatVector.fromArray(S, bias, j + V) : FloatVector.zero(S);
                FloatVector c2 = biased && two ? FloatVector.fromArray(S, bias, j + 2 * V) : FloatVector.zero(S);
                FloatVector c3 = biased && two ? FloatVector.fromArray(S, bias, j + 3 * V) : FloatVector.zero(S);
                int q0 = jp * k * NR;
                if (two) {
                    int q1 = q0 + k * NR;
                    for (int e = first; e < end; e++) {
                        int p = all ? e : terms[e];
                        FloatVector av = FloatVector.broadcast(S, a[row + p]);
                        c0 = av.fma(FloatVector.fromArray(S, b, q0 + p * NR), c0);
                        c1 = av.fma(FloatVector.fromArray(S, b, q0 + p * NR + V), c1);
                        c2 = av.fma(FloatVector.fromArray(S, b, q1 + p * NR), c2);
                        c3 = av.fma(FloatVector.fromArray(S, b, q1 + p * NR + V), c3);
                    }
                } else {
                    for (int e = first; e < end; e++) {
                        int p = all ? e : terms[e];
                        FloatVector av = FloatVector.broadcast(S, a[row + p]);
                        c0 = av.fma(FloatVector.fromArray(S, b, q0 + p * NR), c0);
                        c1 = av.fma(FloatVector.fromArray(S, b, q0 + p * NR + V), c1);
                    }
                }
                if (whole) {
                    c0.intoArray(c, out + j);
                    c1.intoArray(c, out + j + V);
                    if (two) {
                        c2.intoArray(c, out + j + 2 * V);
                        c3.intoArray(c, out + j + 3 * V);
                    }
                } else {
                    if (tile == null) {
                        tile = new float[2 * NR];
                    }
                    c0.intoArray(tile, 0);
                    c1.intoArray(tile, V);
                    c2.intoArray(tile, 2 * V);
                    c3.intoArray(tile, 3 * V);
                    for (int t = 0; t < width; t++) {
                        c[out + j + t] = bias == null ? tile[t] : tile[t] + bias[j + t];
                    }
                }
            }
        }
    }

    /**
     * {@code C (+)= A B} on the calling thread alone, for the small products inside another kernel's
     * parallel region (attention's per-head blocks); any sizes, k = 0 included.
     */
    static void multiply(int m, int n, int k,
                         float[] a, int aOff, int aRs, int aCs,
                         float[] b, int bOff, int bRs, int bCs,
                         float[] c, int cOff, int ldc, boolean accumulate) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        block(0, m, 0, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, null, c, cOff, ldc, accumulate);
    }

    /** Computes rows {@code [i0, i1)} and columns {@code [j0, j1)} of C, starting from bias[j] where bias is given. */
    private static void block(int i0, int i1, int j0, int j1, int k,
                              float[] a, int aOff, int aRs, int aCs,
                              float[] b, int bOff, int bRs, int bCs,
                              float[] bias, float[] c, int cOff, int ldc, boolean add) {
        Scratch s = SCRATCH.get();
        int width = j1 - j0;
        // B's columns [j0, j1) as row-major rows: B itself when its rows are contiguous.
        float[] rows = b;
        int rowsAt = bOff + j0 * bCs;
        int ldb = bRs;
        // Fewer columns than a panel, transposed (a classifier's output layer): copied once, straight into the
        // panel's layout, rather than to rows and then to the panel (38-39 GFLOP/s against 32-33 for the MNIST MLP's
        // [128 x 256] x [256 x 10]^T on one thread, Zen 4).
        boolean onePanel = bCs != 1 && width < NR;
        if (bCs != 1) {
            rows = onePanel ? s.edgeB(k * NR) : s.rows(k * width);
            ldb = onePanel ? NR : width;
            transpose(k, width, b, rowsAt, bRs, bCs, rows, ldb, s.columns);
            for (int p = 0; onePanel && p < k; p++) {
                java.util.Arrays.fill(rows, p * NR + width, (p + 1) * NR, 0f);
            }
            rowsAt = 0;
        }
        int fullRows = i0 + (i1 - i0) / MR * MR;
        float[] edgeA = edgeRows(s, fullRows, i1, k, a, aOff, aRs, aCs);
        int wide = MR == 6 ? width / (2 * NR) * (2 * NR) : 0;
        if (wide > 0) {
            wideColumns(i0, fullRows, wide, (long) k * width <= ROWS_FIRST, k, a, aOff, aRs, aCs, rows, rowsAt, ldb,
                    bias, j0, c, cOff + j0, ldc, add);
        }
        // The edge rows of the wide columns, a panel at a time through the two-vector tile's edge path.
        for (int jr = 0; jr < wide && i1 > fullRows; jr += NR) {
            panelColumn(fullRows, fullRows, i1, edgeA, k, a, aOff, aRs, aCs, rows, rowsAt + jr, ldb, NR, bias, j0 + jr,
                    c, cOff + j0 + jr, ldc, add, s.tile);
        }
        for (int jr = wide; jr < width; jr += NR) {
            int nr = Math.min(NR, width - jr);
            float[] panel = rows;
            int panelAt = rowsAt + jr;
            int panelLd = ldb;
            if (nr < NR && !onePanel) {
                panel = narrowPanel(k, rows, rowsAt + jr, ldb, nr, s.edgeB(k * NR));
                panelAt = 0;
                panelLd = NR;
            }
            panelColumn(i0, fullRows, i1, edgeA, k, a, aOff, aRs, aCs, panel, panelAt, panelLd, nr, bias, j0 + jr,
                    c, cOff + j0 + jr, ldc, add, s.tile);
        }
    }

    /**
     * Floats of B's columns (k x width) up to which {@link #wideColumns} goes a row tile at a time across all of them,
     * rather than a column of tiles at a time: half of L1, so that B stays there while every row tile sweeps it, and
     * each tile's rows of C are written whole, one after the other. The MNIST MLP's [128 x 10] x [10 x 256] (B 2,560
     * floats) ran at 145 GFLOP/s on two threads and 82 on one this way, 137 and 82 a column of tiles at a time, and
     * 114 and 78 through the two-vector tile (medians of seven alternating rounds in one JVM, Zen 4, 2026-12-06).
     */
    private static final long ROWS_FIRST = 4096;

    /**
     * C's rows {@code [i0, fullRows)} (whole tiles) and columns {@code [0, wide)} (whole four-vector blocks) from the
     * columns of B at {@code rowsAt} (row-major, rows ldb apart), through {@link #kernel6Wide}: a row tile across all
     * the blocks when {@code rowsFirst}, else a column of row tiles per block, which keeps the block (k x 4V) hot
     * while the row tiles pass over it.
     */
    private static void wideColumns(int i0, int fullRows, int wide, boolean rowsFirst, int k, float[] a, int aOff,
                                    int aRs, int aCs, float[] rows, int rowsAt, int ldb, float[] bias, int biasAt,
                                    float[] c, int cCol, int ldc, boolean add) {
        int w = 2 * NR;
        if (rowsFirst) {
            for (int ir = i0; ir < fullRows; ir += MR) {
                for (int jr = 0; jr < wide; jr += w) {
                    kernel6Wide(k, a, aOff + ir * aRs, aRs, aCs, rows, rowsAt + jr, rowsAt + jr + 2 * V, ldb, bias,
                            biasAt + jr, c, cCol + jr + ir * ldc, ldc, add);
                }
            }
            return;
        }
        for (int jr = 0; jr < wide; jr += w) {
            for (int ir = i0; ir < fullRows; ir += MR) {
                kernel6Wide(k, a, aOff + ir * aRs, aRs, aCs, rows, rowsAt + jr, rowsAt + jr + 2 * V, ldb, bias,
                        biasAt + jr, c, cCol + jr + ir * ldc, ldc, add);
            }
        }
    }

    /** A's rows {@code [fullRows, i1)} (fewer than MR), row-major and zero-padded to MR rows; null when there are none. */
    private static float[] edgeRows(Scratch s, int fullRows, int i1, int k, float[] a, int aOff, int aRs, int aCs) {
        if (i1 == fullRows) {
            return null;
        }
        float[] edgeA = s.edgeA(MR * k);
        java.util.Arrays.fill(edgeA, 0, MR * k, 0f);
        for (int r = 0; r < i1 - fullRows; r++) {
            int src = aOff + (fullRows + r) * aRs;
            for (int p = 0; p < k; p++) {
                edgeA[r * k + p] = a[src + p * aCs];
            }
        }
        return edgeA;
    }

    /**
     * Rows {@code [i0, i1)} of C's columns {@code [cCol, cCol + nr)} from one panel of B (NR columns,
     * {@code B(p, j) = panel[panelAt + p panelLd + j]}, zero past nr): whole tiles of MR rows straight
     * into C, the rows past {@code fullRows} from {@code edgeA} through the tile. The bias starts the
     * accumulators of a whole panel; a partial panel's goes in through the copy-out, as its vectors
     * would read past n.
     */
    private static void panelColumn(int i0, int fullRows, int i1, float[] edgeA, int k, float[] a, int aOff, int aRs,
                                    int aCs, float[] panel, int panelAt, int panelLd, int nr, float[] bias, int biasAt,
                                    float[] c, int cCol, int ldc, boolean add, float[] tile) {
        float[] panelBias = nr == NR ? bias : null;
        float[] outBias = nr == NR ? null : bias;
        boolean narrow = MR == 6 && nr <= V;
        for (int ir = i0; ir < fullRows; ir += MR) {
            int cAt = cCol + ir * ldc;
            if (nr == NR) {
                kernel(k, a, aOff + ir * aRs, aRs, aCs, panel, panelAt, panelLd, panelBias, biasAt, c, cAt, ldc, add);
            } else if (narrow) {
                kernel6x1(k, a, aOff + ir * aRs, aRs, aCs, panel, panelAt, panelLd, tile);
                Sgemm.copyOut(tile, MR, nr, outBias, biasAt, c, cAt, ldc, add);
            } else {
                kernel(k, a, aOff + ir * aRs, aRs, aCs, panel, panelAt, panelLd, null, 0, tile, 0, NR, false);
                Sgemm.copyOut(tile, MR, nr, outBias, biasAt, c, cAt, ldc, add);
            }
        }
        if (i1 > fullRows) {
            if (narrow) {
                kernel6x1(k, edgeA, 0, k, 1, panel, panelAt, panelLd, tile);
            } else {
                kernel(k, edgeA, 0, k, 1, panel, panelAt, panelLd, panelBias, biasAt, tile, 0, NR, false);
            }
            Sgemm.copyOut(tile, i1 - fullRows, nr, outBias, biasAt, c, cCol + fullRows * ldc, ldc, add);
        }
    }

    /**
     * {@code rows[p * ld + j] = B(p, j)} for B read through its strides from {@code at}. A transposed B (row stride
     * 1, as {@code W^T}) goes a vector of columns at a time: with 512-bit vectors, 16 x 16 blocks transposed in
     * registers ({@link #transposeBlock}), a last block of k overlapping the one before; with narrower ones gathered
     * through {@code columns} (V ints of the calling thread's scratch, rewritten here: the training step allocates
     * nothing). The rest float by float.
     */
    static void transpose(int k, int width, float[] b, int at, int bRs, int bCs, float[] rows, int ld,
                          int[] columns) {
        transpose(k, width, b, at, bRs, bCs, rows, 0, ld, columns);
    }

    /** {@link #transpose} into {@code rows[rowsAt + p * ld + j]}. */
    static void transpose(int k, int width, float[] b, int at, int bRs, int bCs, float[] rows, int rowsAt, int ld,
                          int[] columns) {
        int j = 0;
        if (bRs == 1 && width >= V && V == 16 && k >= V) {
            for (int upper = S.loopBound(width); j < upper; j += V) {
                for (int p = 0; p < k; p += V) {
                    int p0 = Math.min(p, k - V);
                    transposeBlock(b, at + j * bCs + p0, bCs, rows, rowsAt + p0 * ld + j, ld);
                }
            }
        } else if (bRs == 1 && width >= V) {
            columnLanes(columns, bCs);
            for (int upper = S.loopBound(width); j < upper; j += V) {
                gatherColumns(k, b, at + j * bCs, columns, rows, rowsAt + j, ld);
            }
        }
        for (int p = 0; p < k; p++) {
            int src = at + p * bRs;
            for (int jj = j; jj < width; jj++) {
                rows[rowsAt + p * ld + jj] = b[src + jj * bCs];
            }
        }
    }

    /** {@code lanes[l] = l stride} for l below V: V columns' offsets in a transposed B, for {@link #gatherColumns}. */
    static void columnLanes(int[] lanes, int stride) {
        for (int l = 0; l < V; l++) {
            lanes[l] = l * stride;
        }
    }

    /**
     * {@code rows[rowsAt + p ld + l] = b[src + columns[l] + p]} for p below k and l below V: V columns of a transposed
     * B ({@code columns[l]} their offsets, l times its column stride) as k row-major rows, a gather a row.
     */
    static void gatherColumns(int k, float[] b, int src, int[] columns, float[] rows, int rowsAt, int ld) {
        for (int p = 0; p < k; p++) {
            FloatVector.fromArray(S, b, src + p, columns, 0).intoArray(rows, rowsAt + p * ld);
        }
    }

    /**
     * The {@code nr < NR} columns from {@code at} of k rows {@code ld} apart, copied into {@code panel} as NR-wide
     * rows, zero past nr, so that the full-width tile can run over them; returns panel.
     */
    static float[] narrowPanel(int k, float[] src, int at, int ld, int nr, float[] panel) {
        for (int p = 0; p < k; p++) {
            System.arraycopy(src, at + p * ld, panel, p * NR, nr);
            java.util.Arrays.fill(panel, p * NR + nr, (p + 1) * NR, 0f);
        }
        return panel;
    }

    /**
     * Lane i of index vector {@code LOW_l} or {@code HIGH_l}, for a two-vector select of x and y (lanes V and up are
     * y's): LOW takes x's lanes where bit l of i is clear and y's lanes l to the left elsewhere; HIGH takes x's lanes
     * l to the right where bit l is clear and y's own elsewhere. Applied to rows i and i + l of a 16 x 16 block for
     * l = 8, 4, 2, 1, they swap its off-diagonal blocks at every scale: the block transposed.
     */
    private static FloatVector pairing(int l, boolean high) {
        float[] index = new float[V];
        for (int i = 0; i < V; i++) {
            index[i] = (i & l) == 0 ? (high ? i + l : i) : (high ? V + i : V + i - l);
        }
        return FloatVector.fromArray(S, index, 0);
    }

    /**
     * {@code rows[dst + p ld + j] = b[src + j bCs + p]} for p, j below 16 (512-bit vectors only): 16 of B's columns
     * (rows of W) loaded as vectors, four rounds of 16 two-vector selects ({@link #pairing}; one instruction each with
     * AVX-512), 16 vectors stored. The MNIST MLP's first-layer W, [256 x 784], in 101-104 us against 165-180 gathered a
     * column at a time, a [100 x 150] W in the caches in 3.2 against 6.6 (the two alternating in one JVM; 134-137
     * against 235-275 and 19 against 40 for a [256 x 256] W in a slower hour); its forward product [128 x 784] x [784 x
     * 256]^T 92-93 GFLOP/s against 86 on one thread, 185-188 against 170-172 on two (Zen 4, 2026-12-06, harness; in a
     * noisy hour later the two builds' products were within the noise of each other).
     */
    private static void transposeBlock(float[] b, int src, int bCs, float[] rows, int dst, int ld) {
        FloatVector r0 = FloatVector.fromArray(S, b, src), r1 = FloatVector.fromArray(S, b, src + bCs);
        FloatVector r2 = FloatVector.fromArray(S, b, src + 2 * bCs), r3 = FloatVector.fromArray(S, b, src + 3 * bCs);
        FloatVector r4 = FloatVector.fromArray(S, b, src + 4 * bCs), r5 = FloatVector.fromArray(S, b, src + 5 * bCs);
        FloatVector r6 = FloatVector.fromArray(S, b, src + 6 * bCs), r7 = FloatVector.fromArray(S, b, src + 7 * bCs);
        FloatVector r8 = FloatVector.fromArray(S, b, src + 8 * bCs), r9 = FloatVector.fromArray(S, b, src + 9 * bCs);
        FloatVector r10 = FloatVector.fromArray(S, b, src + 10 * bCs), r11 = FloatVector.fromArray(S, b, src + 11 * bCs);
        FloatVector r12 = FloatVector.fromArray(S, b, src + 12 * bCs), r13 = FloatVector.fromArray(S, b, src + 13 * bCs);
        FloatVector r14 = FloatVector.fromArray(S, b, src + 14 * bCs), r15 = FloatVector.fromArray(S, b, src + 15 * bCs);
        FloatVector a0 = LOW_8.selectFrom(r0, r8), a8 = HIGH_8.selectFrom(r0, r8);
        FloatVector a1 = LOW_8.selectFrom(r1, r9), a9 = HIGH_8.selectFrom(r1, r9);
        FloatVector a2 = LOW_8.selectFrom(r2, r10), a10 = HIGH_8.selectFrom(r2, r10);
        FloatVector a3 = LOW_8.selectFrom(r3, r11), a11 = HIGH_8.selectFrom(r3, r11);
        FloatVector a4 = LOW_8.selectFrom(r4, r12), a12 = HIGH_8.selectFrom(r4, r12);
        FloatVector a5 = LOW_8.selectFrom(r5, r13), a13 = HIGH_8.selectFrom(r5, r13);
        FloatVector a6 = LOW_8.selectFrom(r6, r14), a14 = HIGH_8.selectFrom(r6, r14);
        FloatVector a7 = LOW_8.selectFrom(r7, r15), a15 = HIGH_8.selectFrom(r7, r15);
        FloatVector b0 = LOW_4.selectFrom(a0, a4), b4 = HIGH_4.selectFrom(a0, a4);
        FloatVector b1 = LOW_4.selectFrom(a1, a5), b5 = HIGH_4.selectFrom(a1, a5);
        FloatVector b2 = LOW_4.selectFrom(a2, a6), b6 = HIGH_4.selectFrom(a2, a6);
        FloatVector b3 = LOW_4.selectFrom(a3, a7), b7 = HIGH_4.selectFrom(a3, a7);
        FloatVector b8 = LOW_4.selectFrom(a8, a12), b12 = HIGH_4.selectFrom(a8, a12);
        FloatVector b9 = LOW_4.selectFrom(a9, a13), b13 = HIGH_4.selectFrom(a9, a13);
        FloatVector b10 = LOW_4.selectFrom(a10, a14), b14 = HIGH_4.selectFrom(a10, a14);
        FloatVector b11 = LOW_4.selectFrom(a11, a15), b15 = HIGH_4.selectFrom(a11, a15);
        FloatVector c0 = LOW_2.selectFrom(b0, b2), c2 = HIGH_2.selectFrom(b0, b2);
        FloatVector c1 = LOW_2.selectFrom(b1, b3), c3 = HIGH_2.selectFrom(b1, b3);
        FloatVector c4 = LOW_2.selectFrom(b4, b6), c6 = HIGH_2.selectFrom(b4, b6);
        FloatVector c5 = LOW_2.selectFrom(b5, b7), c7 = HIGH_2.selectFrom(b5, b7);
        FloatVector c8 = LOW_2.selectFrom(b8, b10), c10 = HIGH_2.selectFrom(b8, b10);
        FloatVector c9 = LOW_2.selectFrom(b9, b11), c11 = HIGH_2.selectFrom(b9, b11);
        FloatVector c12 = LOW_2.selectFrom(b12, b14), c14 = HIGH_2.selectFrom(b12, b14);
        FloatVector c13 = LOW_2.selectFrom(b13, b15), c15 = HIGH_2.selectFrom(b13, b15);
        FloatVector d0 = LOW_1.selectFrom(c0, c1), d1 = HIGH_1.selectFrom(c0, c1);
        FloatVector d2 = LOW_1.selectFrom(c2, c3), d3 = HIGH_1.selectFrom(c2, c3);
        FloatVector d4 = LOW_1.selectFrom(c4, c5), d5 = HIGH_1.selectFrom(c4, c5);
        FloatVector d6 = LOW_1.selectFrom(c6, c7), d7 = HIGH_1.selectFrom(c6, c7);
        FloatVector d8 = LOW_1.selectFrom(c8, c9), d9 = HIGH_1.selectFrom(c8, c9);
        FloatVector d10 = LOW_1.selectFrom(c10, c11), d11 = HIGH_1.selectFrom(c10, c11);
        FloatVector d12 = LOW_1.selectFrom(c12, c13), d13 = HIGH_1.selectFrom(c12, c13);
        FloatVector d14 = LOW_1.selectFrom(c14, c15), d15 = HIGH_1.selectFrom(c14, c15);
        d0.intoArray(rows, dst);
        d1.intoArray(rows, dst + ld);
        d2.intoArray(rows, dst + 2 * ld);
        d3.intoArray(rows, dst + 3 * ld);
        d4.intoArray(rows, dst + 4 * ld);
        d5.intoArray(rows, dst + 5 * ld);
        d6.intoArray(rows, dst + 6 * ld);
        d7.intoArray(rows, dst + 7 * ld);
        d8.intoArray(rows, dst + 8 * ld);
        d9.intoArray(rows, dst + 9 * ld);
        d10.intoArray(rows, dst + 10 * ld);
        d11.intoArray(rows, dst + 11 * ld);
        d12.intoArray(rows, dst + 12 * ld);
        d13.intoArray(rows, dst + 13 * ld);
        d14.intoArray(rows, dst + 14 * ld);
        d15.intoArray(rows, dst + 15 * ld);
    }

    /**
     * The MR x 2V register tile: {@code C[0..MR, 0..2V) (+)= A[0..MR, 0..k) B[0..k, 0..2V) (+ bias)} with
     * {@code A(r, p) = a[aAt + r aRs + p aCs]}, {@code B(p, j) = b[bAt + p ldb + j]}, and the
     * accumulators starting from {@code bias[biasAt + j]} when bias is given, else zero.
     */
    private static void kernel(int k, float[] a, int aAt, int aRs, int aCs, float[] b, int bAt, int ldb,
                               float[] bias, int biasAt, float[] c, int cAt, int ldc, boolean add) {
        if (MR == 4) {
            kernel4(k, a, aAt, aRs, aCs, b, bAt, ldb, bias, biasAt, c, cAt, ldc, add);
        } else {
            kernel6(k, a, aAt, aRs, aCs, b, bAt, ldb, bias, biasAt, c, cAt, ldc, add);
        }
    }

    /** {@link #kernel} with 4 rows. */
    private static void kernel4(int k, float[] a, int aAt, int aRs, int aCs, float[] b, int bAt, int ldb,
                                float[] bias, int biasAt, float[] c, int cAt, int ldc, boolean add) {
        FloatVector b0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
        FloatVector b1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + V);
        FloatVector c00 = b0, c01 = b1;
        FloatVector c10 = b0, c11 = b1;
        FloatVector c20 = b0, c21 = b1;
        FloatVector c30 = b0, c31 = b1;
        int r1 = aRs;
        int r2 = 2 * aRs;
        int r3 = 3 * aRs;
        for (int p = 0; p < k; p++) {
            int bq = bAt + p * ldb;
            b0 = FloatVector.fromArray(S, b, bq);
            b1 = FloatVector.fromArray(S, b, bq + V);
            int aq = aAt + p * aCs;
            FloatVector a0 = FloatVector.broadcast(S, a[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[aq + r1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[aq + r2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[aq + r3]);
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
     * The 6 x 4V tile, for 32 vector registers: {@link #kernel6} over four vectors of C's columns (24 accumulators,
     * four of B's vectors and a broadcast of A: 29 registers). Each broadcast of A and each pass of the loop now feeds
     * 24 multiply-adds rather than 12, and a product calls half as many tiles. Against the two-vector tile, alternating
     * in one JVM (Zen 4, 2026-12-06, medians of seven 0.1-s rounds): [128 x 256] x [256 x 256] 201 against 197
     * GFLOP/s on two threads, [256 x 256] x [256 x 128] 198 against 191, [128 x 512] x [512 x 64] 173 against 161, the
     * GPT recipe 26,095 against 24,999 tokens/s (medians of eight 40-step rounds; 25,539 against 24,899 in a noisier
     * second run), the MNIST MLP's and LeNet-5's epochs within the noise. B's first two vectors of a row come from
     * {@code bAt}, its last two from {@code bAt2} (rows ldb apart for both): {@code bAt + 2V} for B read in place, the
     * next packed panel for {@link Sgemm}'s tile over two panels.
     */
    static void kernel6Wide(int k, float[] a, int aAt, int aRs, int aCs, float[] b, int bAt, int bAt2, int ldb,
                            float[] bias, int biasAt, float[] c, int cAt, int ldc, boolean add) {
        FloatVector c00 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
        FloatVector c01 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + V);
        FloatVector c02 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + 2 * V);
        FloatVector c03 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + 3 * V);
        FloatVector c10 = c00, c11 = c01, c12 = c02, c13 = c03;
        FloatVector c20 = c00, c21 = c01, c22 = c02, c23 = c03;
        FloatVector c30 = c00, c31 = c01, c32 = c02, c33 = c03;
        FloatVector c40 = c00, c41 = c01, c42 = c02, c43 = c03;
        FloatVector c50 = c00, c51 = c01, c52 = c02, c53 = c03;
        for (int p = 0; p < k; p++) {
            int bq = bAt + p * ldb;
            int bq2 = bAt2 + p * ldb;
            FloatVector b0 = FloatVector.fromArray(S, b, bq);
            FloatVector b1 = FloatVector.fromArray(S, b, bq + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bq2);
            FloatVector b3 = FloatVector.fromArray(S, b, bq2 + V);
            int aq = aAt + p * aCs;
            FloatVector a0 = FloatVector.broadcast(S, a[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            c03 = a0.fma(b3, c03);
            FloatVector a1 = FloatVector.broadcast(S, a[aq + aRs]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            c13 = a1.fma(b3, c13);
            FloatVector a2 = FloatVector.broadcast(S, a[aq + 2 * aRs]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
            c23 = a2.fma(b3, c23);
            FloatVector a3 = FloatVector.broadcast(S, a[aq + 3 * aRs]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            c32 = a3.fma(b2, c32);
            c33 = a3.fma(b3, c33);
            FloatVector a4 = FloatVector.broadcast(S, a[aq + 4 * aRs]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            c42 = a4.fma(b2, c42);
            c43 = a4.fma(b3, c43);
            FloatVector a5 = FloatVector.broadcast(S, a[aq + 5 * aRs]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            c52 = a5.fma(b2, c52);
            c53 = a5.fma(b3, c53);
        }
        // The adds and stores written out, as in kernel6: a vector handed to a helper that is not inlined is boxed.
        int r0 = cAt;
        int r1 = r0 + ldc;
        int r2 = r1 + ldc;
        int r3 = r2 + ldc;
        int r4 = r3 + ldc;
        int r5 = r4 + ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, r0));
            c01 = c01.add(FloatVector.fromArray(S, c, r0 + V));
            c02 = c02.add(FloatVector.fromArray(S, c, r0 + 2 * V));
            c03 = c03.add(FloatVector.fromArray(S, c, r0 + 3 * V));
            c10 = c10.add(FloatVector.fromArray(S, c, r1));
            c11 = c11.add(FloatVector.fromArray(S, c, r1 + V));
            c12 = c12.add(FloatVector.fromArray(S, c, r1 + 2 * V));
            c13 = c13.add(FloatVector.fromArray(S, c, r1 + 3 * V));
            c20 = c20.add(FloatVector.fromArray(S, c, r2));
            c21 = c21.add(FloatVector.fromArray(S, c, r2 + V));
            c22 = c22.add(FloatVector.fromArray(S, c, r2 + 2 * V));
            c23 = c23.add(FloatVector.fromArray(S, c, r2 + 3 * V));
            c30 = c30.add(FloatVector.fromArray(S, c, r3));
            c31 = c31.add(FloatVector.fromArray(S, c, r3 + V));
            c32 = c32.add(FloatVector.fromArray(S, c, r3 + 2 * V));
            c33 = c33.add(FloatVector.fromArray(S, c, r3 + 3 * V));
            c40 = c40.add(FloatVector.fromArray(S, c, r4));
            c41 = c41.add(FloatVector.fromArray(S, c, r4 + V));
            c42 = c42.add(FloatVector.fromArray(S, c, r4 + 2 * V));
            c43 = c43.add(FloatVector.fromArray(S, c, r4 + 3 * V));
            c50 = c50.add(FloatVector.fromArray(S, c, r5));
            c51 = c51.add(FloatVector.fromArray(S, c, r5 + V));
            c52 = c52.add(FloatVector.fromArray(S, c, r5 + 2 * V));
            c53 = c53.add(FloatVector.fromArray(S, c, r5 + 3 * V));
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + V);
        c02.intoArray(c, r0 + 2 * V);
        c03.intoArray(c, r0 + 3 * V);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + V);
        c12.intoArray(c, r1 + 2 * V);
        c13.intoArray(c, r1 + 3 * V);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + V);
        c22.intoArray(c, r2 + 2 * V);
        c23.intoArray(c, r2 + 3 * V);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + V);
        c32.intoArray(c, r3 + 2 * V);
        c33.intoArray(c, r3 + 3 * V);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + V);
        c42.intoArray(c, r4 + 2 * V);
        c43.intoArray(c, r4 + 3 * V);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + V);
        c52.intoArray(c, r5 + 2 * V);
        c53.intoArray(c, r5 + 3 * V);
    }

    /** {@link #kernel} with 6 rows. */
    private static void kernel6(int k, float[] a, int aAt, int aRs, int aCs, float[] b, int bAt, int ldb,
                                float[] bias, int biasAt, float[] c, int cAt, int ldc, boolean add) {
        FloatVector b0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
        FloatVector b1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + V);
        FloatVector c00 = b0, c01 = b1;
        FloatVector c10 = b0, c11 = b1;
        FloatVector c20 = b0, c21 = b1;
        FloatVector c30 = b0, c31 = b1;
        FloatVector c40 = b0, c41 = b1;
        FloatVector c50 = b0, c51 = b1;
        int r1 = aRs;
        int r2 = 2 * aRs;
        int r3 = 3 * aRs;
        int r4 = 4 * aRs;
        int r5 = 5 * aRs;
        for (int p = 0; p < k; p++) {
            int bq = bAt + p * ldb;
            b0 = FloatVector.fromArray(S, b, bq);
            b1 = FloatVector.fromArray(S, b, bq + V);
            int aq = aAt + p * aCs;
            FloatVector a0 = FloatVector.broadcast(S, a[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[aq + r1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[aq + r2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[aq + r3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[aq + r4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[aq + r5]);
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
        // Stores written out, as in Sgemm's kernel: a vector passed to a helper that is not
        // inlined is boxed on the heap. (Sgemm keeps its own copy of this tile with the packed
        // panels' strides as constants: run through this one, its large products lost 3-8%.)
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
     * The 6-row tile's first vector only, {@code tile[r NR + j] = A[r, 0..k) B[0..k, j]} for j below V, for a last
     * panel of at most V columns (a classifier's 10 outputs): half the multiply-adds
     * of the two-vector tile, whose second vector would hold only zero columns. The MNIST MLP's output layer, [128 x
     * 256] x [256 x 10]^T: 32-34 GFLOP/s against 25-26 through the two-vector tile (Zen 4, 2026-12-05, one thread);
     * OpenBLAS did 32-37 in {@code compare --gemm}. The rest of that product's time is copying W's ten rows into
     * columns and the tiles into C, a float at a time.
     */
    private static void kernel6x1(int k, float[] a, int aAt, int aRs, int aCs, float[] b, int bAt, int ldb,
                                  float[] tile) {
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        for (int p = 0; p < k; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bAt + p * ldb);
            int aq = aAt + p * aCs;
            c0 = FloatVector.broadcast(S, a[aq]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[aq + aRs]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[aq + 2 * aRs]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[aq + 3 * aRs]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[aq + 4 * aRs]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[aq + 5 * aRs]).fma(b0, c5);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
        c4.intoArray(tile, 4 * NR);
        c5.intoArray(tile, 5 * NR);
    }

    /** One thread's scratch arrays, grown on demand and kept, so that steady training allocates nothing here. */
    private static final class Scratch {
        private float[] rows = new float[0];
        private float[] edgeA = new float[0];
        private float[] edgeB = new float[0];
        private final float[] tile = new float[MR * NR];
        /** The gather offsets of {@link #transpose}. */
        private final int[] columns = new int[V];

        float[] rows(int size) {
            if (rows.length < size) {
                rows = new float[size];
            }
            return rows;
        }

        float[] edgeA(int size) {
            if (edgeA.length < size) {
                edgeA = new float[size];
            }
            return edgeA;
        }

        float[] edgeB(int size) {
            if (edgeB.length < size) {
                edgeB = new float[size];
            }
            return edgeB;
        }
    }
}
