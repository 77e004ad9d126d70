package dev.backprop.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision matrix multiply {@code C (+)= A B} in the Vector API, after the BLIS design
 * (Van Zee and van de Geijn 2015): B is packed into panels NR columns wide and A into panels MR
 * rows tall, cache block by cache block, and a register-blocked micro-kernel keeps an MR x NR tile
 * of C (6 rows x 2 vectors: 12 accumulators) in registers while it streams both panels. Packing
 * reads A and B through their row and column strides, so transposed operands are never
 * materialised; panels are zero-padded, so odd sizes only cost a masked copy at the tile edges.
 * With at least as many rows as columns, each block of B is packed once by all the threads
 * together and the rows of C are handed out a chunk at a time; otherwise column blocks of C are
 * split across them. Products small enough that packing would not pay for itself (a training
 * step's dense layers, on CPUs with AVX-512; a few rows of A on every CPU) go to
 * {@link DirectSgemm}, which reads the operands in place; products with a mostly-zero operand (a layer's input of
 * MNIST pixels) go first to {@link SparseSgemm}, which runs the same tile over the non-zeros' terms only.
 */
final class Sgemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /**
     * Rows of the register tile. With 32 vector registers (AVX-512) a 6 x 2V tile's 12 accumulators,
     * its 2 B vectors and the A broadcasts fit. With 16 (AVX2 only), C2 loads all six
     * broadcasts ahead of the multiply-adds and one accumulator spills to the stack, a store and a
     * reload on every step (seen in the disassembled loop); a 4 x 2V tile (8 accumulators) keeps
     * everything in registers, and the 1024 and 2048 products went from 50-55 to 68-83 GFLOP/s on two
     * cores of an AVX2-only machine. On Intel cores with AVX-512 a 12 x 2V tile (24 accumulators)
     * halves the loads of B per multiply-add: in alternating rounds on two cores of an Intel Xeon
     * (family 6, 2026-12-03) it ran the 1024 product 22% faster than the 6-row tile, MiniLM's
     * [4096 x 384] x [384 x 1536] 14% and [4096 x 1536] x [1536 x 384] 11%, its [4096 x 384] x
     * [384 x 384] 5% slower, and MiniLM's batch of 32 sentences 23-24 sentences/s against 17. On the same
     * family and model with two FMA pipes a core (2026-12-06) the squares 512-2048 ran at 0.87-0.92x OpenBLAS with
     * it and 0.64-0.81x with the 6-row tile (one sitting). On Zen 4 it ran the squares at 0.92-1.00x OpenBLAS against
     * the 6-row tile's 0.99-1.16x (the sittings of stops 50-51), so Zen 4 and 5 keep 6 rows (Zen 5 unmeasured).
     * {@code -Dbackprop.gemm.rows=4|6|12} overrides the choice (the tests run all three);
     * {@link DirectConvolution} and {@link DirectSgemm} have 4- and 6-row tiles and use {@link #DIRECT_MR}.
     */
    static final int MR = tileRows();
    /**
     * Whether the packed path's 6-row tile spans two panels of B (4 vectors, {@link DirectSgemm#kernel6Wide} over
     * the packed operands) rather than one (2 vectors, {@link #kernel6}): off unless {@code -Dbackprop.gemm.vectors=4}
     * (which needs the 6-row tile); the same sums in the same order either way. On Zen 4 it was no faster (2026-12-06:
     * one thread 512^3 105.6 GFLOP/s against 105.5, 1024^3 104.1 both; two threads across JVMs 512^3 158.9-171.2
     * against 163.5-171.3, 1024^3 185.1-193.1 against 185.5-210.9; in the sittings of stop 51 the squares 1.00-1.15x
     * OpenBLAS, as the default tile). It is here to be measured on Zen 5, whose two 512-bit multiply-adds a cycle the
     * two-vector tile feeds with 1.3 loads a cycle against this tile's 0.8: {@code backprop-bench/sitting} runs it on
     * AVX-512 CPUs.
     */
    static final boolean PAIRED_PANELS = pairedPanels();
    /**
     * Rows of the register tiles of the kernels that read operands in place ({@link DirectSgemm},
     * {@link DirectConvolution}): 4 with 16 vector registers (LeNet's epoch 6-8% faster there with 4 rows), 6 with 32.
     */
    static final int DIRECT_MR = MR == 4 ? 4 : 6;
    static final int NR = 2 * V;
    /**
     * Most of k in one block. A block of B's panel is {@code KC x NR} floats and stays in L1 while the tiles
     * stream A's panels past it: 32 KB at 256 with the 2V = 32-float panels of AVX-512. The 16-float panels of
     * AVX2 took up to 512 (32 KB), and there k is cut into equal blocks ({@link #kBlock}: 784 as 392 + 392 rather
     * than 512 + 272), since every block after the first is one more pass over C, which the tiles read back and
     * write again, and one more pair of the threads' hand-offs. With MiniLM's k = 384 in one block instead of 256 +
     * 128, in alternating rounds in one JVM (two threads, the AVX2 machine, 2026-12-04, two runs) [4096 x 384] x
     * [384 x 384] ran 1.14x and 1.41x as fast, [4096 x 384] x [384 x 1536] 1.28x, [4096 x 1536] x [1536 x 384] (four
     * blocks rather than six) 1.07x, 1024 1.01x, 2048 1.05x, the GPT's 384 x 128 x 768 weight gradient 0.97x and
     * 1.11x. Blocks of up to 512 rather than 384, the same way (2026-12-05, eight runs, hot and cycling through eight
     * copies): LeNet-5's fc1 [128 x 400] x [400 x 120] (one block rather than two) 1.05-1.20x as fast in every run,
     * the GPT's products of k = 512 1.02-1.06x, the MNIST MLP's first layer (k = 784: two blocks rather than three)
     * 1.03-1.08x, 1024 (two rather than three) 1.10-1.14x in one run and -3% to +12% in others; 1536 and 2048 within
     * the rounds' noise (products whose blocks did not change moved by up to 8% between settings).
     * Then blocks of up to 2048 (2026-12-05): the 4 x 2V kernel alone, A and B packed, ran at 94-96% of one core's
     * peak with k = 256-512 and 96-98% with 768-2048, where B's panel (48-128 KB) no longer fits in L1 and streams
     * from L2, so a panel in L1 buys nothing and every block after the first costs a pass over C (at 2048, C's
     * rows miss the caches on every tile). In alternating rounds in one JVM (two threads, the AVX2 machine, two
     * runs of 13 and 21 rounds): 1024 1.04-1.19x as fast, 2048 1.09-1.14x, MiniLM's [4096 x 1536] x [1536 x 384]
     * 1.12-1.14x, the GPT's weight gradients of k = 768 0.96-1.09x, the MNIST MLP's first layer (k = 784) 1.02-1.09x;
     * the products of k up to 512 are unchanged. The 6 x 2V tile of AVX-512 the same way (Zen 4, 2026-12-05, two
     * threads, seven alternating rounds in one JVM, medians): 1024 1.11x as fast as with blocks of 256 (198 against
     * 178 GFLOP/s), 2048 1.17x, MiniLM's [4096 x 384] x [384 x 1536] 1.19x and [4096 x 1536] x [1536 x 384] 1.24x;
     * the GPT's and the MNIST MLP's products within the rounds' noise; MC of 48 or 144 rows no different from 96.
     * The 12-row tile keeps blocks of 256, a panel of B (32 KB) in an Intel core's 48-KB L1: on the Intel Xeon with two
     * FMA pipes (2026-12-06, two threads, alternating rounds in one JVM) blocks of 192 and 128 ran 1024^3 at 325 and
     * 305 GFLOP/s against 329; in alternating JVMs later that day (two runs, medians of three rounds) blocks of 512 and
     * 1024 ran 512^3 at 248-257 and 249-254 against 266-277, 1024^3 255-260 and 245-257 against 276-300, 2048^3
     * 247-251 and 252-269 against 275-280, and the GPT's and MiniLM's products at 0.87-1.08x.
     */
    private static final int KC = MR == 12 ? 256 : 2048;
    /** Rows of A packed per block: 96 (up to 768 KB of A at KC = 2048); 64 (up to 512 KB) for the 4-row tile. */
    private static final int MC = MR == 4 ? 64 : 96;
    private static final int NC = 32 * NR;

    /**
     * Per-thread packing buffers (A's block, B's block, an edge tile), reused across calls so that a training step
     * allocates nothing here; the first two grow to what a call needs ({@link #buffer}) rather than to KC's most.
     */
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(
            () -> new float[][] {new float[0], new float[0], new float[MR * NR]});

    private Sgemm() {
    }

    /** The calling thread's packing buffer {@code which} (0: A, 1: B), grown to at least {@code size} floats. */
    private static float[] buffer(float[][] buffers, int which, int size) {
        if (buffers[which].length < size) {
            buffers[which] = new float[size];
        }
        return buffers[which];
    }

    private static boolean pairedPanels() {
        String forced = System.getProperty("backprop.gemm.vectors");
        if (forced == null || forced.equals("2")) {
            return false;
        }
        if (!forced.equals("4")) {
            throw new IllegalArgumentException("-Dbackprop.gemm.vectors=" + forced + ": give 2 or 4 (vectors of B a row"
                    + " of the packed GEMM's register tile spans), or leave it unset for 2");
        }
        if (MR != 6) {
            throw new IllegalArgumentException("-Dbackprop.gemm.vectors=4 needs the 6-row register tile, and this JVM's"
                    + " is " + MR + " rows: add -Dbackprop.gemm.rows=6 (which needs AVX-512's 32 vector registers to"
                    + " run well)");
        }
        return true;
    }

    private static int tileRows() {
        return forcedRows("backprop.gemm.rows", "GEMM register tile",
                V < 16 ? 4 : CpuInfo.readFamily() == CpuInfo.INTEL ? 12 : 6, 4, 6, 12);
    }

    /**
     * The rows of a register tile: {@code -D<property>}, which must be one of {@code allowed}, or {@code byCpu} where
     * it is unset; {@code tile} names the tile in the message for any other value.
     */
    static int forcedRows(String property, String tile, int byCpu, int... allowed) {
        String forced = System.getProperty(property);
        if (forced == null) {
            return byCpu;
        }
        StringBuilder choices = new StringBuilder();
        for (int i = 0; i < allowed.length; i++) {
            if (forced.equals(Integer.toString(allowed[i]))) {
                return allowed[i];
            }
            choices.append(i == 0 ? "" : i == allowed.length - 1 ? " or " : ", ").append(allowed[i]);
        }
        throw new IllegalArgumentException("-D" + property + "=" + forced + ": give " + choices + " (rows of the "
                + tile + "), or leave it unset to choose by the CPU");
    }

    /**
     * {@code C (+)= A B} for {@code A(i, p) = a[aOff + i aRs + p aCs]}, {@code B(p, j) = b[bOff + p bRs + j bCs]}
     * and C row-major from {@code cOff} with leading dimension ldc; C is overwritten unless accumulate.
     */
    static void gemm(int m, int n, int k,
                     float[] a, int aOff, int aRs, int aCs,
                     float[] b, int bOff, int bRs, int bCs,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, null, c, cOff, ldc, accumulate);
    }

    /**
     * {@link #gemm} with {@code bias[j]} added to every row of C when bias is not null (then C is
     * overwritten: accumulate must be false).
     */
    static void gemm(int m, int n, int k,
                     float[] a, int aOff, int aRs, int aCs,
                     float[] b, int bOff, int bRs, int bCs,
                     float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) {
            return;
        }
        if (SparseSgemm.gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, bias, c, cOff, ldc, accumulate)) {
            return;
        }
        if (k > 0 && DirectSgemm.suits(m, n, k, aRs)) {
            DirectSgemm.gemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, bias, c, cOff, ldc, accumulate);
            return;
        }
        if (k == 0) {
            for (int i = 0; i < m; i++) {
                if (bias != null) {
                    System.arraycopy(bias, 0, c, cOff + i * ldc, n);
                } else if (!accumulate) {
                    java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        packed(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, bias, c, cOff, ldc, accumulate);
    }

    /**
     * The packed algorithm, for operands too large for {@link DirectSgemm}; m, n, k at least 1. The
     * bias, when there is one, is where the register tiles of the first block of k start, so C is
     * written once rather than filled with it first and read back.
     */
    static void packed(int m, int n, int k,
                       float[] a, int aOff, int aRs, int aCs,
                       float[] b, int bOff, int bRs, int bCs,
                       float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        long flops = 2L * m * n * k;
        int threads = flops < 2_000_000 ? 1 : WorkerPool.threads();
        if (threads > 1 && m >= n && m > MR) {
            sharedB(threads, m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, bias, c, cOff, ldc, accumulate);
            return;
        }
        // Columns split: each thread packs all of A (m x k), the smaller operand here, for its own columns.
        int tiles = (n + NR - 1) / NR;
        int parts = Math.min(threads, tiles);
        if (parts <= 1) {
            block(0, m, 0, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, bias, c, cOff, ldc, accumulate);
            return;
        }
        WorkerPool.run(parts, p -> {
            int from = tiles * p / parts * NR;
            int to = Math.min(n, tiles * (p + 1) / parts * NR);
            block(0, m, from, to, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, bias, c, cOff, ldc, accumulate);
        });
    }

    /**
     * At least as many rows as columns, on several threads: each block of B is packed once, its panels shared
     * out among the threads, into the calling thread's buffer; then the rows of C are taken a chunk
     * at a time by whichever thread is free, each packing its own rows of A. Splitting the rows into
     * a fixed half per thread had each thread pack all of B, and the faster thread wait for the
     * slower one (two virtual cores do not always run at the same speed); the chunks get smaller towards the
     * end. Every tile of C is still computed by one thread over the same order of k, so results do not depend on
     * the split.
     */
    private static void sharedB(int threads, int m, int n, int k,
                                float[] a, int aOff, int aRs, int aCs,
                                float[] b, int bOff, int bRs, int bCs,
                                float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        int step = kBlock(k);
        float[] bp = buffer(BUFFERS.get(), 1, step * NC);
        // Chunks of whole row tiles, at most one cache block of A each, at least four a thread where m allows, and as
        // many for each thread, their sizes differing by one tile at most. Chunks of MC rows and a short last one left
        // the threads uneven where m / MC rounds to an odd count: 1024 rows were ten chunks of 96 and one of 64, six
        // for one thread and five for the other. The last quarter of the row tiles then goes in chunks of two tiles
        // (TAIL_TILES), so that the thread that is ahead takes more of the end and the other's wait there is at most
        // two tiles' work rather than a whole chunk's (timed in stop 50: 69-75 us of a 1.34-ms 512 product).
        int rowTiles = Math.ceilDiv(m, MR);
        int fewest = Math.max(Math.ceilDiv(rowTiles, MC / MR), Math.min(4 * threads, rowTiles));
        int evenChunks = Math.min(rowTiles, Math.ceilDiv(fewest, threads) * threads);
        int tailTiles = rowTiles / 4;
        int headTiles = rowTiles - tailTiles;
        int headChunks = Math.max(1, Math.min(headTiles,
                Math.ceilDiv((int) ((long) evenChunks * headTiles / rowTiles), threads) * threads));
        int chunks = headChunks + Math.ceilDiv(tailTiles, TAIL_TILES);
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int panels = Math.ceilDiv(nc, NR);
            int packers = Math.min(threads, panels);
            for (int pc = 0; pc < k; pc += step) {
                int kc = Math.min(step, k - pc);
                int bAt = bOff + pc * bRs + jc * bCs;
                WorkerPool.run(packers, p -> {
                    int from = panels * p / packers * NR;
                    int to = Math.min(nc, panels * (p + 1) / packers * NR);
                    packB(kc, to - from, b, bAt + from * bCs, bRs, bCs, bp, from * kc);
                });
                boolean add = accumulate || pc > 0;
                float[] start = pc == 0 ? bias : null;
                int aAt = aOff + pc * aCs;
                int cAt = cOff + jc;
                int jc0 = jc;
                WorkerPool.run(chunks, part -> {
                    int ic = chunkStart(part, headChunks, headTiles, rowTiles) * MR;
                    int mc = Math.min(m, chunkStart(part + 1, headChunks, headTiles, rowTiles) * MR) - ic;
                    float[][] buf = BUFFERS.get();
                    float[] ap = buffer(buf, 0, packedASize(mc, kc));
                    packA(mc, kc, a, aAt + ic * aRs, aRs, aCs, ap);
                    tiles(mc, nc, kc, ap, bp, start, jc0, c, cAt + ic * ldc, ldc, add, buf[2]);
                });
            }
        }
    }

    /**
     * Row tiles a chunk of {@link #sharedB}'s tail takes. In alternating rounds in one JVM (two threads, Zen 4,
     * 2026-12-06, three runs of 12-15 rounds, medians), with the tail against even chunks throughout: 512^3 176.5
     * against 173.4, 178.0 against 173.6 and 180.0 against 176.8 GFLOP/s; 1024^3 196.3 against 192.8, 194.9 against
     * 191.0 and 196.6 against 191.8; 2048^3 205.4 against 206.5 and 205.5 against 206.0; the GPT's [384 x 768] x [768 x
     * 128] 214.8 against 212.1; on the AVX2 path (-XX:UseAVX=2, the 4-row tile) 512^3 192.4 against 194.1, 1024^3
     * 200.5 against 200.8, [384 x 768] x [768 x 128] 184.1 against 183.1. The same sums either way.
     */
    private static final int TAIL_TILES = 2;

    /**
     * The first row tile of chunk {@code part} of {@link #sharedB}: {@code headChunks} even chunks of the first
     * {@code headTiles}, then chunks of {@link #TAIL_TILES}; {@code rowTiles} for the end.
     */
    private static int chunkStart(int part, int headChunks, int headTiles, int rowTiles) {
        if (part <= headChunks) {
            return (int) ((long) headTiles * part / headChunks);
        }
        return Math.min(rowTiles, headTiles + TAIL_TILES * (part - headChunks));
    }

    /**
     * The length of the blocks k is cut into: equal blocks of at most {@link #KC} (784 is one block, 3000 two of
     * 1500), or KC for the 12-row tile.
     */
    private static int kBlock(int k) {
        return MR == 12 ? KC : Math.ceilDiv(k, Math.ceilDiv(k, KC));
    }

    /** Computes rows {@code [i0, i1)} and columns {@code [j0, j1)} of C on the calling thread. */
    private static void block(int i0, int i1, int j0, int j1, int k,
                              float[] a, int aOff, int aRs, int aCs,
                              float[] b, int bOff, int bRs, int bCs,
                              float[] bias, float[] c, int cOff, int ldc, boolean accumulate) {
        int step = kBlock(k);
        float[][] buf = BUFFERS.get();
        float[] ap = buffer(buf, 0, packedASize(MC, step));
        float[] bp = buffer(buf, 1, step * NC);
        float[] edge = buf[2];
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += step) {
                int kc = Math.min(step, k - pc);
                boolean add = accumulate || pc > 0;
                float[] start = pc == 0 ? bias : null;
                packB(kc, nc, b, bOff + pc * bRs + jc * bCs, bRs, bCs, bp, 0);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    packA(mc, kc, a, aOff + ic * aRs + pc * aCs, aRs, aCs, ap);
                    tiles(mc, nc, kc, ap, bp, start, jc, c, cOff + ic * ldc + jc, ldc, add, edge);
                }
            }
        }
    }

    /**
     * The tiles of a packed block of A ({@code mc x kc}) against a packed block of B ({@code kc x nc}) into C
     * from {@code cAt}, bias columns from {@code biasAt}, in BLIS's order: a panel of B kept in L1 against the block
     * of A (two panels at a time with {@link #PAIRED_PANELS}).
     * <p>
     * The 12-row tile walked each row panel of C along its columns instead from 2026-12-03, when that ran the 1024 and
     * 2048 products 5-6% faster on an Intel Xeon (family 6) whose FMA peak read 251 GFLOP/s on two threads that day. On
     * the same family and model on 2026-12-06, at 480-490 GFLOP/s, BLIS's order ran the products as fast or faster in
     * three runs of alternating rounds in one JVM (the GPT's shapes in two, MiniLM's and the MLP's in one; two threads,
     * medians of 4-8 rounds): 512^3 1.04-1.07x, 1024^3 1.01-1.05x, 2048^3 0.99-1.01x, the GPT recipe's [768 x 128] x
     * [384 x 128]^T 1.03-1.04x, [768 x 512] x [128 x 512]^T 1.02-1.05x, its weight gradients 1.00-1.03x, MiniLM's
     * [4096 x 1536] x [1536 x 384] 1.05x, the MNIST MLP's first layer 1.05x.
     */
    private static void tiles(int mc, int nc, int kc, float[] ap, float[] bp, float[] bias, int biasAt,
                              float[] c, int cAt, int ldc, boolean add, float[] edge) {
        int jr = 0;
        for (; PAIRED_PANELS && jr + 2 * NR <= nc; jr += 2 * NR) {
            for (int ir = 0; ir < mc; ir += MR) {
                if (ir + MR <= mc) {
                    // Packed A is rows 1 apart and steps of k MR apart; the second panel starts kc NR further.
                    DirectSgemm.kernel6Wide(kc, ap, ir * kc, 1, MR, bp, jr * kc, (jr + NR) * kc, NR, bias,
                            biasAt + jr, c, cAt + ir * ldc + jr, ldc, add);
                } else {
                    tile(ir, jr, mc, nc, kc, ap, bp, bias, biasAt + jr, c, cAt + ir * ldc + jr, ldc, add, edge);
                    tile(ir, jr + NR, mc, nc, kc, ap, bp, bias, biasAt + jr + NR, c, cAt + ir * ldc + jr + NR, ldc,
                            add, edge);
                }
            }
        }
        for (; jr < nc; jr += NR) {
            for (int ir = 0; ir < mc; ir += MR) {
                tile(ir, jr, mc, nc, kc, ap, bp, bias, biasAt + jr, c, cAt + ir * ldc + jr, ldc, add, edge);
            }
        }
    }

    /**
     * One register tile of C at {@code cAt}: rows ir of the packed A block against columns jr of the
     * packed B block, started from {@code bias[biasAt..]} when bias is not null. A tile cut by C's edge is
     * computed into the buffer edge and copied, so the kernels never read or write past C.
     */
    private static void tile(int ir, int jr, int mc, int nc, int kc, float[] ap, float[] bp, float[] bias, int biasAt,
                             float[] c, int cAt, int ldc, boolean add, float[] edge) {
        int mr = Math.min(MR, mc - ir);
        int nr = Math.min(NR, nc - jr);
        if (mr == MR && nr == NR) {
            kernel(kc, ap, ir * kc, bp, jr * kc, bias, biasAt, c, cAt, ldc, add);
            return;
        }
        kernel(kc, ap, ir * kc, bp, jr * kc, null, 0, edge, 0, NR, false);
        copyOut(edge, mr, nr, bias, biasAt, c, cAt, ldc, add);
    }

    /** The first {@code mr x nr} entries of a tile (plus bias[biasAt + j] when given) into C, added or stored. */
    static void copyOut(float[] tile, int mr, int nr, float[] bias, int biasAt, float[] c, int cAt, int ldc,
                        boolean add) {
        for (int r = 0; r < mr; r++) {
            for (int j = 0; j < nr; j++) {
                int at = cAt + r * ldc + j;
                float v = bias == null ? tile[r * NR + j] : tile[r * NR + j] + bias[biasAt + j];
                c[at] = add ? c[at] + v : v;
            }
        }
    }

    /**
     * The floats {@link #packA} writes for {@code mc} rows and {@code kc} steps: whole MR-row panels, a last panel cut
     * short by mc zero-filled to MR rows. Every buffer packA fills is sized by this (a chunk's buffer sized mc x kc
     * once overran a worker's, in the runs where its first chunk was the short last one).
     */
    static int packedASize(int mc, int kc) {
        return Math.ceilDiv(mc, MR) * MR * kc;
    }

    /**
     * A's block {@code [mc, kc]} into MR-row panels, k-major inside a panel; rows past mc are zero
     * ({@link #packedASize} floats in all).
     * The loops run along whichever of A's dimensions is contiguous, so reads are sequential.
     */
    static void packA(int mc, int kc, float[] a, int off, int rs, int cs, float[] ap) {
        int ir = 0;
        if (rs == 1 && cs != 1 && MR == 4 && V == 8) {
            ir = mc / MR * MR;
            transposedPairs(ir, kc, a, off, cs, ap);
        }
        for (; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            int base = ir * kc;
            if (rows < MR) {
                java.util.Arrays.fill(ap, base, base + kc * MR, 0f);
            }
            if (cs == 1 && MR == 4 && V == 8 && rows == 4) {
                transpose4(kc, a, off + ir * rs, rs, ap, base);
            } else if (rs == 1 && rows == MR && MR <= V) {
                panelRows(kc, a, off + ir, cs, ap, base);
            } else if (cs == 1 && GATHERS && rows == MR) {
                gatheredRows(kc, a, off + ir * rs, rs, ap, base);
            } else if (cs == 1) {
                for (int r = 0; r < rows; r++) {
                    int src = off + (ir + r) * rs;
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * MR + r] = a[src + p];
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = off + ir * rs + p * cs;
                    int dst = base + p * MR;
                    for (int r = 0; r < rows; r++) {
                        ap[dst + r] = a[src + r * rs];
                    }
                }
            }
        }
    }

    /**
     * The first {@code rows} rows (whole panels) of a transposed A (a weight gradient's {@code X^T}), whose four values
     * of a step are contiguous, for AVX2's 4-row panels, in eight-float vectors: two panels and two steps at a time, each
     * step's eight contiguous rows loaded as one vector and the two steps' halves put side by side (a panel's rows are
     * four floats a step), eight steps of k across all the panels before the next eight, so that the rows of X they
     * read stay in L1; panel after panel, each re-read all of k's rows, four panels to a cache line. One thread (the
     * AVX2 machine, 2026-12-05): the GPT recipe's [384 x 768] block in 93 us against 124-141 panel by panel. The same
     * blocking in 128-bit moves took 61-67 us in a harness, but in every {@code bench} that ran after the FMA peak
     * program (four of four, 11:16-11:50) C2 boxed each 128-bit vector they loaded: a float[] a move, the MNIST MLP's
     * step 810 KB instead of 24, the GPT's 32.7 MB instead of 0.48 (JFR: allocations at {@code fromArray0Template},
     * its intrinsic inlined), whether the moves sat in a helper or here: a second species makes the JDK's shared call
     * profiles bimorphic (see {@code SpeciesTest}), so the other tiles copy such panels a float at a time. The odd
     * panel and the steps after the last eight are copied a float at a time.
     */
    private static void transposedPairs(int rows, int kc, float[] a, int off, int cs, float[] ap) {
        int paired = rows / 8 * 8;
        int p = 0;
        for (; p + 8 <= kc; p += 8) {
            for (int ir = 0; ir < paired; ir += 8) {
                int src = off + p * cs + ir;
                int dst = ir * kc + p * 4;
                for (int q = 0; q < 8; q += 2) {
                    FloatVector s0 = FloatVector.fromArray(S, a, src + q * cs);
                    FloatVector s1 = FloatVector.fromArray(S, a, src + (q + 1) * cs);
                    s0.rearrange(HALVES_LOW, s1).intoArray(ap, dst + q * 4);
                    s0.rearrange(HALVES_HIGH, s1).intoArray(ap, dst + 4 * kc + q * 4);
                }
            }
        }
        for (int ir = 0; ir < rows; ir += 4) {
            for (int step = ir < paired ? p : 0; step < kc; step++) {
                int src = off + step * cs + ir;
                int dst = ir * kc + step * 4;
                ap[dst] = a[src];
                ap[dst + 1] = a[src + 1];
                ap[dst + 2] = a[src + 2];
                ap[dst + 3] = a[src + 3];
            }
        }
    }

    /** The lanes of a panel's rows, where a vector holds them all (MR <= V). */
    private static final VectorMask<Float> PANEL_ROWS = S.indexInRange(0, Math.min(MR, V));

    /**
     * A whole panel of a transposed A, {@code A(i, p) = a[off + i + p cs]} (a weight gradient's {@code X^T}), whose MR
     * rows are contiguous at every step of k: one masked vector a step (where it would read past {@code a} or write
     * past {@code ap}, a float at a time), rather than a float at a time throughout. One thread, Intel Xeon
     * (2026-12-06): 12-row panels of the GPT recipe's [768 x 384]^T in 0.14 ns a float against 0.49-0.58, 6-row panels
     * 0.28 against 0.65. With BLIS's order ({@link #tiles}), against the code before both, in alternating JVMs (two
     * threads, medians of four rounds, two runs): the GPT's weight gradients [384 x 768] x [768 x 128] 224.8-230.5
     * GFLOP/s against 171.6-173.4 and [512 x 768] x [768 x 128] 230.3-237.1 against 169.5-169.7.
     * <p>
     * Not kept: the same for a row-major A's panels and a transposed B's (a dense layer's {@code x W^T}), by a
     * transpose in registers sixteen steps at a time (four rounds of two-vector shuffles): 0.15 ns a float with {@code
     * selectFrom}, 0.20 with {@code rearrange}, against 0.35 a float at a time; the GPT recipe 3-11% faster with the
     * former than with the step-by-step copies below. But C1 gave up on the {@code selectFrom} method ("out of virtual
     * registers"), so it ran in the interpreter until C2 had compiled it, and C2's compiling either raised the MNIST
     * MLP's peak resident memory (the compiler's arena: 49 and 96 MB at its peak against 29) by 10-25 MB and 55-70 MB
     * and the time-to-99% command's wall time by up to 0.5 s and by 0.4-0.6 s. Copying such panels step by step (a
     * float from each row, stored side by side) was faster alone and slower inside the products (the MLP's, LeNet-5's
     * and the GPT's forward ones 5-36%).
     */
    private static void panelRows(int kc, float[] a, int off, int cs, float[] ap, int base) {
        int p = 0;
        for (; p < kc && off + p * cs <= a.length - V && base + p * MR <= ap.length - V; p++) {
            FloatVector.fromArray(S, a, off + p * cs, PANEL_ROWS).intoArray(ap, base + p * MR, PANEL_ROWS);
        }
        for (; p < kc; p++) {
            for (int r = 0; r < MR; r++) {
                ap[base + p * MR + r] = a[off + p * cs + r];
            }
        }
    }

    /**
     * Whether the panels whose rows (of A) or columns (of B) lie a stride apart are packed by gathers: on with the
     * 12-row tile (Intel's cores with AVX-512, or {@code -Dbackprop.gemm.rows=12}). A dense layer's {@code x W^T} has
     * both: A's rows along k, and B's columns, W's rows. One thread, a scratch harness against the float-at-a-time
     * loops, which store a float every 48 or 128 bytes (Intel Xeon, family 6, 2026-12-06): 12-row panels of A with
     * rows 128-784 floats long in 0.19-0.21 ns a float against 0.26-0.39, 32-column panels of B in 0.14-0.21 against
     * 0.34-0.42. In the products, against the loops in alternating JVMs (two threads, medians of three rounds, two
     * runs): the MNIST MLP's first layer forward [128 x 784] x [784 x 256]^T 210-222 GFLOP/s against 169-172, the GPT
     * recipe's [768 x 512] x [512 x 128]^T 242-246 against 209-217 and [768 x 128] x [128 x 384]^T 264-267 against
     * 250-254, MiniLM's [4096 x 1536] x [1536 x 384] 281 against 239-246, 512^3 271-275 against 263; the GPT recipe's
     * packing of A went from 9.9% of its samples to 6.6% ({@code perf}). The rows of products against a matrix packed
     * for inference ({@link DirectSgemm#gemmPacked}, under 128 rows) are gathered too: eval-mode passes of 64 rows
     * (medians of 2,000, three alternating pairs of JVMs) took 192-210 us for the MNIST MLP against 197-213 packed a
     * float at a time and 431-436 for LeNet-5 against 449-465, and the time-to-99% command's test pass, whose last
     * batch of 16 rows goes that way while it is still compiled by the JIT's first tier (where a gather is the Vector
     * API's Java code), 0.36-0.39 s cold against 0.33-0.38 (five pairs). Gathers are not measured on AMD's cores,
     * whose tiles (4 and 6 rows) keep the loops.
     */
    static final boolean GATHERS = MR == 12 && V == 16;

    /** A thread's gathers' lane offsets, written per panel: 3V for {@link #gatheredRows}, V for the columns'. */
    private static final ThreadLocal<int[]> GATHER_LANES = ThreadLocal.withInitial(() -> new int[3 * V]);

    /**
     * A whole 12-row panel of a row-major A, {@code A(i, p) = a[off + i rs + p]}, with {@link #GATHERS}: four steps
     * of k (48 floats of the panel) in three 16-lane gathers and three stores, lane l reading row l % 12 at step
     * l / 12; the last steps a float at a time.
     */
    private static void gatheredRows(int kc, float[] a, int off, int rs, float[] ap, int base) {
        int[] lanes = GATHER_LANES.get();
        for (int l = 0; l < 3 * V; l++) {
            lanes[l] = l % MR * rs + l / MR;
        }
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
            int dst = base + p * MR;
            FloatVector.fromArray(S, a, off + p, lanes, 0).intoArray(ap, dst);
            FloatVector.fromArray(S, a, off + p, lanes, V).intoArray(ap, dst + V);
            FloatVector.fromArray(S, a, off + p, lanes, 2 * V).intoArray(ap, dst + 2 * V);
        }
        for (; p < kc; p++) {
            for (int r = 0; r < MR; r++) {
                ap[base + p * MR + r] = a[off + r * rs + p];
            }
        }
    }

    /**
     * A whole panel of a transposed B, {@code B(p, j) = b[off + j cs + p]} (a dense layer's {@code x W^T}), with
     * {@link #GATHERS}: each half of the panel's rows gathered from its V columns ({@link DirectSgemm#gatherColumns}).
     */
    private static void gatheredColumns(int kc, float[] b, int off, int cs, float[] bp, int base) {
        int[] lanes = GATHER_LANES.get();
        DirectSgemm.columnLanes(lanes, cs);
        DirectSgemm.gatherColumns(kc, b, off, lanes, bp, base, NR);
        DirectSgemm.gatherColumns(kc, b, off + V * cs, lanes, bp, base + V, NR);
    }

    /** The low or high 128-bit halves of two eight-lane vectors, side by side. */
    private static final VectorShuffle<Float> HALVES_LOW = eightLanes(0, 1, 2, 3, 8, 9, 10, 11);
    private static final VectorShuffle<Float> HALVES_HIGH = eightLanes(4, 5, 6, 7, 12, 13, 14, 15);

    /**
     * A whole panel (16 columns, AVX2's eight-float vectors) of a transposed B, {@code B(p, j) = b[off + j cs + p]}
     * (a dense layer's {@code x W^T}): blocks of 8 columns x 8 steps loaded as eight vectors along k, transposed in
     * registers by three rounds of two-vector shuffles, stored as eight panel rows, instead of one float at a time
     * with a store every 64 bytes. Alternating rounds in one JVM (the AVX2 machine, 2026-12-05, two runs, hot and
     * cycling through eight copies of the operands): the MNIST MLP's first layer [128 x 784] x [784 x 256] 1.10-1.16x
     * as fast, its second 0.97-1.09x, LeNet-5's fc1 1.04-1.11x, the GPT recipe's forward products 0.97-1.12x; the
     * products are bit for bit the same.
     */
    private static void transposedPanel(int kc, float[] b, int off, int cs, float[] bp, int base) {
        int p = 0;
        for (; p + 8 <= kc; p += 8) {
            for (int half = 0; half < 16; half += 8) {
                int src = off + half * cs + p;
                FloatVector r0 = FloatVector.fromArray(S, b, src);
                FloatVector r1 = FloatVector.fromArray(S, b, src + cs);
                FloatVector r2 = FloatVector.fromArray(S, b, src + 2 * cs);
                FloatVector r3 = FloatVector.fromArray(S, b, src + 3 * cs);
                FloatVector r4 = FloatVector.fromArray(S, b, src + 4 * cs);
                FloatVector r5 = FloatVector.fromArray(S, b, src + 5 * cs);
                FloatVector r6 = FloatVector.fromArray(S, b, src + 6 * cs);
                FloatVector r7 = FloatVector.fromArray(S, b, src + 7 * cs);
                FloatVector lo01 = r0.rearrange(PAIRS_LOW, r1);
                FloatVector hi01 = r0.rearrange(PAIRS_HIGH, r1);
                FloatVector lo23 = r2.rearrange(PAIRS_LOW, r3);
                FloatVector hi23 = r2.rearrange(PAIRS_HIGH, r3);
                FloatVector lo45 = r4.rearrange(PAIRS_LOW, r5);
                FloatVector hi45 = r4.rearrange(PAIRS_HIGH, r5);
                FloatVector lo67 = r6.rearrange(PAIRS_LOW, r7);
                FloatVector hi67 = r6.rearrange(PAIRS_HIGH, r7);
                FloatVector q01 = lo01.rearrange(QUADS_LOW, lo23);    // steps 0 and 1 of the first four columns
                FloatVector q23 = lo01.rearrange(QUADS_HIGH, lo23);   // steps 2 and 3
                FloatVector q45 = hi01.rearrange(QUADS_LOW, hi23);
                FloatVector q67 = hi01.rearrange(QUADS_HIGH, hi23);
                FloatVector w01 = lo45.rearrange(QUADS_LOW, lo67);    // steps 0 and 1 of the other four
                FloatVector w23 = lo45.rearrange(QUADS_HIGH, lo67);
                FloatVector w45 = hi45.rearrange(QUADS_LOW, hi67);
                FloatVector w67 = hi45.rearrange(QUADS_HIGH, hi67);
                int dst = base + p * NR + half;
                q01.rearrange(HALVES_LOW, w01).intoArray(bp, dst);
                q01.rearrange(HALVES_HIGH, w01).intoArray(bp, dst + NR);
                q23.rearrange(HALVES_LOW, w23).intoArray(bp, dst + 2 * NR);
                q23.rearrange(HALVES_HIGH, w23).intoArray(bp, dst + 3 * NR);
                q45.rearrange(HALVES_LOW, w45).intoArray(bp, dst + 4 * NR);
                q45.rearrange(HALVES_HIGH, w45).intoArray(bp, dst + 5 * NR);
                q67.rearrange(HALVES_LOW, w67).intoArray(bp, dst + 6 * NR);
                q67.rearrange(HALVES_HIGH, w67).intoArray(bp, dst + 7 * NR);
            }
        }
        for (; p < kc; p++) {
            for (int j = 0; j < NR; j++) {
                bp[base + p * NR + j] = b[off + j * cs + p];
            }
        }
    }

    // Two-vector shuffles of eight lanes (lanes 8-15 are the second vector's): interleave two rows' elements, then
    // pairs of two interleaved rows, so four rows' eight steps leave as four vectors of (row 0..3) for each step.
    // Only made with eight-lane vectors (null otherwise: transpose4 and transposedPanel run only there).
    private static final VectorShuffle<Float> PAIRS_LOW = eightLanes(0, 8, 1, 9, 2, 10, 3, 11);
    private static final VectorShuffle<Float> PAIRS_HIGH = eightLanes(4, 12, 5, 13, 6, 14, 7, 15);
    private static final VectorShuffle<Float> QUADS_LOW = eightLanes(0, 1, 8, 9, 2, 3, 10, 11);
    private static final VectorShuffle<Float> QUADS_HIGH = eightLanes(4, 5, 12, 13, 6, 7, 14, 15);

    private static VectorShuffle<Float> eightLanes(int... lanes) {
        return V == 8 ? VectorShuffle.fromValues(S, lanes) : null;
    }

    /**
     * Four rows of A, {@code a[off + r rs + p]}, into a 4-row panel (AVX2's tile, eight-float vectors): eight steps
     * of k at a time by a 4 x 8 transpose in registers, rather than one float at a time with a store every 16 bytes.
     * One thread, a scratch harness against the scalar loop (the AVX2 machine, 2026-12-04): 64-row blocks of k =
     * 128-384 packed 1.4-3x as fast once compiled by C2.
     */
    private static void transpose4(int kc, float[] a, int off, int rs, float[] ap, int base) {
        int p = 0;
        for (; p + V <= kc; p += V) {
            FloatVector r0 = FloatVector.fromArray(S, a, off + p);
            FloatVector r1 = FloatVector.fromArray(S, a, off + rs + p);
            FloatVector r2 = FloatVector.fromArray(S, a, off + 2 * rs + p);
            FloatVector r3 = FloatVector.fromArray(S, a, off + 3 * rs + p);
            FloatVector lo01 = r0.rearrange(PAIRS_LOW, r1);
            FloatVector hi01 = r0.rearrange(PAIRS_HIGH, r1);
            FloatVector lo23 = r2.rearrange(PAIRS_LOW, r3);
            FloatVector hi23 = r2.rearrange(PAIRS_HIGH, r3);
            int dst = base + p * 4;
            lo01.rearrange(QUADS_LOW, lo23).intoArray(ap, dst);
            lo01.rearrange(QUADS_HIGH, lo23).intoArray(ap, dst + V);
            hi01.rearrange(QUADS_LOW, hi23).intoArray(ap, dst + 2 * V);
            hi01.rearrange(QUADS_HIGH, hi23).intoArray(ap, dst + 3 * V);
        }
        for (; p < kc; p++) {
            for (int r = 0; r < 4; r++) {
                ap[base + p * 4 + r] = a[off + r * rs + p];
            }
        }
    }

    /**
     * B's block {@code [kc, nc]} into NR-column panels from {@code bp[bpAt]}, k-major inside a panel;
     * columns past nc are zero. Row-major B is copied a panel row at a time; a transposed B (column stride not 1)
     * is read along its contiguous k dimension.
     */
    private static void packB(int kc, int nc, float[] b, int off, int rs, int cs, float[] bp, int bpAt) {
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int base = bpAt + jr * kc;
            if (cols < NR) {
                java.util.Arrays.fill(bp, base, base + kc * NR, 0f);
            }
            if (cs == 1 && cols == NR) {
                rowPanel(kc, b, off + jr, rs, bp, base);
            } else if (cs == 1) {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(b, off + p * rs + jr, bp, base + p * NR, cols);
                }
            } else if (rs == 1 && V == 8 && cols == NR) {
                transposedPanel(kc, b, off + jr * cs, cs, bp, base);
            } else if (rs == 1 && GATHERS && cols == NR) {
                gatheredColumns(kc, b, off + jr * cs, cs, bp, base);
            } else if (rs == 1) {
                for (int j = 0; j < cols; j++) {
                    int src = off + (jr + j) * cs;
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * NR + j] = b[src + p];
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = off + p * rs + jr * cs;
                    for (int j = 0; j < cols; j++) {
                        bp[base + p * NR + j] = b[src + j * cs];
                    }
                }
            }
        }
    }

    /**
     * A whole panel of a row-major B, {@code B(p, j) = b[off + p rs + j]}: each panel row is two vectors, moved as
     * such, where System.arraycopy's call for 16 floats cost more than the copy (the GPT's steps spent 3.7% in that
     * stub). A method of its own, as the packing's other vector loops are: inside {@code packA} C2 may leave a Vector
     * API call out of line, where it runs in Java and allocates.
     */
    private static void rowPanel(int kc, float[] b, int off, int rs, float[] bp, int base) {
        for (int p = 0; p < kc; p++) {
            int src = off + p * rs;
            int dst = base + p * NR;
            FloatVector.fromArray(S, b, src).intoArray(bp, dst);
            FloatVector.fromArray(S, b, src + V).intoArray(bp, dst + V);
        }
    }

    /**
     * The register tile: C[0..MR, 0..2V) (+)= Ap panel x Bp panel over kc steps, each row of the sum
     * started from {@code bias[biasAt..biasAt + 2V)} when bias is not null.
     */
    static void kernel(int kc, float[] ap, int aAt, float[] bp, int bAt, float[] bias, int biasAt,
                       float[] c, int cAt, int ldc, boolean add) {
        if (MR == 12) {
            kernel12(kc, ap, aAt, bp, bAt, bias, biasAt, c, cAt, ldc, add);
        } else if (MR == 6) {
            kernel6(kc, ap, aAt, bp, bAt, bias, biasAt, c, cAt, ldc, add);
        } else {
            kernel4(kc, ap, aAt, bp, bAt, bias, biasAt, c, cAt, ldc, add);
        }
    }

    /**
     * The 12 x 2V register tile, for 32 vector registers on Intel cores: {@link #kernel6} with twice the
     * rows, so each pair of B vectors loaded feeds 24 multiply-adds instead of 12.
     */
    private static void kernel12(int kc, float[] ap, int aAt, float[] bp, int bAt, float[] bias, int biasAt,
                                 float[] c, int cAt, int ldc, boolean add) {
        FloatVector s0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
        FloatVector s1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + V);
        FloatVector c00 = s0, c01 = s1;
        FloatVector c10 = s0, c11 = s1;
        FloatVector c20 = s0, c21 = s1;
        FloatVector c30 = s0, c31 = s1;
        FloatVector c40 = s0, c41 = s1;
        FloatVector c50 = s0, c51 = s1;
        FloatVector c60 = s0, c61 = s1;
        FloatVector c70 = s0, c71 = s1;
        FloatVector c80 = s0, c81 = s1;
        FloatVector c90 = s0, c91 = s1;
        FloatVector c100 = s0, c101 = s1;
        FloatVector c110 = s0, c111 = s1;
        for (int p = 0; p < kc; p++) {
            int bq = bAt + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq);
            FloatVector b1 = FloatVector.fromArray(S, bp, bq + V);
            int aq = aAt + p * 12;
            FloatVector a0 = FloatVector.broadcast(S, ap[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[aq + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[aq + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[aq + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[aq + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            FloatVector a8 = FloatVector.broadcast(S, ap[aq + 8]);
            c80 = a8.fma(b0, c80);
            c81 = a8.fma(b1, c81);
            FloatVector a9 = FloatVector.broadcast(S, ap[aq + 9]);
            c90 = a9.fma(b0, c90);
            c91 = a9.fma(b1, c91);
            FloatVector a10 = FloatVector.broadcast(S, ap[aq + 10]);
            c100 = a10.fma(b0, c100);
            c101 = a10.fma(b1, c101);
            FloatVector a11 = FloatVector.broadcast(S, ap[aq + 11]);
            c110 = a11.fma(b0, c110);
            c111 = a11.fma(b1, c111);
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
            c60 = c60.add(FloatVector.fromArray(S, c, cAt + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(S, c, cAt + 6 * ldc + V));
            c70 = c70.add(FloatVector.fromArray(S, c, cAt + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(S, c, cAt + 7 * ldc + V));
            c80 = c80.add(FloatVector.fromArray(S, c, cAt + 8 * ldc));
            c81 = c81.add(FloatVector.fromArray(S, c, cAt + 8 * ldc + V));
            c90 = c90.add(FloatVector.fromArray(S, c, cAt + 9 * ldc));
            c91 = c91.add(FloatVector.fromArray(S, c, cAt + 9 * ldc + V));
            c100 = c100.add(FloatVector.fromArray(S, c, cAt + 10 * ldc));
            c101 = c101.add(FloatVector.fromArray(S, c, cAt + 10 * ldc + V));
            c110 = c110.add(FloatVector.fromArray(S, c, cAt + 11 * ldc));
            c111 = c111.add(FloatVector.fromArray(S, c, cAt + 11 * ldc + V));
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
        c60.intoArray(c, cAt + 6 * ldc);
        c61.intoArray(c, cAt + 6 * ldc + V);
        c70.intoArray(c, cAt + 7 * ldc);
        c71.intoArray(c, cAt + 7 * ldc + V);
        c80.intoArray(c, cAt + 8 * ldc);
        c81.intoArray(c, cAt + 8 * ldc + V);
        c90.intoArray(c, cAt + 9 * ldc);
        c91.intoArray(c, cAt + 9 * ldc + V);
        c100.intoArray(c, cAt + 10 * ldc);
        c101.intoArray(c, cAt + 10 * ldc + V);
        c110.intoArray(c, cAt + 11 * ldc);
        c111.intoArray(c, cAt + 11 * ldc + V);
    }

    /** The 6 x 2V register tile, for 32 vector registers. */
    private static void kernel6(int kc, float[] ap, int aAt, float[] bp, int bAt, float[] bias, int biasAt,
                                float[] c, int cAt, int ldc, boolean add) {
        FloatVector s0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
        FloatVector s1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + V);
        FloatVector c00 = s0, c01 = s1;
        FloatVector c10 = s0, c11 = s1;
        FloatVector c20 = s0, c21 = s1;
        FloatVector c30 = s0, c31 = s1;
        FloatVector c40 = s0, c41 = s1;
        FloatVector c50 = s0, c51 = s1;
        for (int p = 0; p < kc; p++) {
            int bq = bAt + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq);
            FloatVector b1 = FloatVector.fromArray(S, bp, bq + V);
            int aq = aAt + p * MR;
            FloatVector a0 = FloatVector.broadcast(S, ap[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[aq + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[aq + 5]);
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
        // Stores written out, not through a helper: a vector passed to a method that is not
        // inlined is boxed on the heap, which costs more than the whole tile.
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

    /** The 4 x 2V register tile, for 16 vector registers: {@link #kernel6} with rows 4 and 5 left out. */
    private static void kernel4(int kc, float[] ap, int aAt, float[] bp, int bAt, float[] bias, int biasAt,
                                float[] c, int cAt, int ldc, boolean add) {
        FloatVector s0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
        FloatVector s1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + V);
        FloatVector c00 = s0, c01 = s1;
        FloatVector c10 = s0, c11 = s1;
        FloatVector c20 = s0, c21 = s1;
        FloatVector c30 = s0, c31 = s1;
        for (int p = 0; p < kc; p++) {
            int bq = bAt + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bq);
            FloatVector b1 = FloatVector.fromArray(S, bp, bq + V);
            int aq = aAt + p * 4;
            FloatVector a0 = FloatVector.broadcast(S, ap[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[aq + 3]);
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
}
