package dev.backprop.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SparseSgemm}'s register tiles: {@link DirectSgemm}'s tiles run over a tile's list of the terms of k that one
 * of its rows has non-zero ({@link SparseLists}), rather than over all of k. Each is written out in full, loads,
 * multiply-adds and stores, as the dense tiles are; each sums every entry of C over p in increasing order from the bias
 * or zero, so the results are the dense tile's bit for bit.
 */
final class SparseTiles {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /**
     * Rows of the sparse tiles: {@code -Dbackprop.gemm.sparse.rows=4|6}, else 4 on Zen 4 and the dense tiles' height
     * elsewhere (4 with AVX2, 6 with AVX-512; {@link #tileRows}).
     */
    static final int MR = tileRows();

    private SparseTiles() {
    }

    /**
     * A tile of fewer rows lists more entries, but the entries of fewer rows are more often non-zero, so it computes
     * fewer multiply-adds in all: for 128 MNIST images, 44,487 slots of a row and an entry with 6-row tiles and 39,066
     * with 4 rows as the forward's tiles, 34,296 and 28,436 as the weight gradient's. Each entry's row of B is loaded
     * from L2 once per tile, and on a Zen 4 core (one 512-bit multiply-add a cycle) a 4 x 4V tile still waits on its
     * multiply-adds rather than its loads: the kernels alone on real batches, one thread, the forward 193 us against
     * 211 and the weight gradient 170 against 194 with the 6 x 4V tile, where 3 or 2 rows (8 vectors) waited on the
     * loads (207 and 197 us for the forward). Through the backend, two threads, alternating JVMs (Zen 4, 2026-12-07,
     * the machine's steady minutes): the MNIST MLP's first-layer forward 131-135 us against 141-143, its weight
     * gradient 120-134 against 139-145, and in inference (B packed) 64 rows 66-67 us against 71-76, 128 rows 134-136
     * against 140-142. With 256-bit vectors (AVX2) the dense tiles' 4 rows; elsewhere 6, as the dense tiles, pending a
     * measurement: an Intel or Zen 5 core has two 512-bit multiply-adds a cycle for the same loads.
     */
    private static int tileRows() {
        return Sgemm.forcedRows("backprop.gemm.sparse.rows", "sparse products' register tile",
                V == 16 && Sgemm.MR == 6 && CpuInfo.readFamily() == CpuInfo.ZEN_3_OR_4 ? 4 : Sgemm.DIRECT_MR, 4, 6);
    }

    /**
     * The MR x 2V register tile over tile t's list: {@code C[0..MR, 0..2V) (+)= sum over its entries e of A[0..MR, p_e]
     * B[p_e, 0..2V) (+ bias)}, the entries' p and A's MR values packed by the lists, {@code B(p, j) = b[bAt + p ldb +
     * j]}; accumulators start from the bias when there is one, and C is added at the end when add is set, as in
     * {@link DirectSgemm}'s tile. Its own copy of that tile, not a shared one: B's rows come through the list and A's
     * values from the list's packed copy, and the loads, multiply-adds and stores are written out, because a vector
     * handed to a helper C2 does not inline is boxed on the heap (see {@link Sgemm}'s tile).
     */
    static void kernel(SparseLists lists, int t, int k, float[] b, int bAt, int ldb, float[] bias, int biasAt,
                       float[] c, int cAt, int ldc, boolean add) {
        if (MR == 4) {
            kernel4(lists.list, lists.values, t * k, lists.length[t], b, bAt, ldb, bias, biasAt, c, cAt, ldc, add);
        } else {
            kernel6(lists.list, lists.values, t * k, lists.length[t], b, bAt, ldb, bias, biasAt, c, cAt, ldc, add);
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
     * {@link #kernel} over four vectors of columns, two panels at once: 24 accumulators with 6 rows (16 with 4), each
     * entry's values of A broadcast once for four loads of B's row rather than two. With 32 vector registers (AVX-512)
     * and 6-row tiles: on an Intel Xeon with two 512-bit FMA pipes (2026-12-07: the MNIST MLP's first-layer forward on
     * real batches, two threads, alternating JVMs) 114.0-142.3 us a product against 126.6-162.3 with the two-vector
     * tile, 12-22% less in each of five pairs, and in three more pairs the forward 127.6-145.9 against 147.8-153.5 and
     * the weight gradient x^T dy 126.8-145.8 against 144.3-157.2; the MLP's epoch 0.448-0.469 s against 0.458-0.486
     * (four pairs). On Zen 4, one FMA a cycle, the same (173.7 against 172.5 us, stop 50, 2026-12-06). The same sums in
     * the same order as {@link #kernel6} (or {@link #kernel4} with 4 rows), so the same bits.
     */
    static void kernelWide(int[] list, float[] values, int from, int count, float[] b, int bAt, int ldb,
                           float[] bias, int biasAt, float[] c, int cAt, int ldc, boolean add) {
        if (MR == 4) {
            kernelWide4(list, values, from, count, b, bAt, ldb, bias, biasAt, c, cAt, ldc, add);
        } else {
            kernelWide6(list, values, from, count, b, bAt, ldb, bias, biasAt, c, cAt, ldc, add);
        }
    }

    /** {@link #kernelWide} with 6 rows. */
    private static void kernelWide6(int[] list, float[] values, int from, int count, float[] b, int bAt, int ldb,
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

    /** {@link #kernelWide} with 4 rows: 16 accumulators, each entry's four values broadcast once for four loads. */
    private static void kernelWide4(int[] list, float[] values, int from, int count, float[] b, int bAt, int ldb,
                                    float[] bias, int biasAt, float[] c, int cAt, int ldc, boolean add) {
        FloatVector z0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
        FloatVector z1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + V);
        FloatVector z2 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + 2 * V);
        FloatVector z3 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt + 3 * V);
        FloatVector c00 = z0, c01 = z1, c02 = z2, c03 = z3;
        FloatVector c10 = z0, c11 = z1, c12 = z2, c13 = z3;
        FloatVector c20 = z0, c21 = z1, c22 = z2, c23 = z3;
        FloatVector c30 = z0, c31 = z1, c32 = z2, c33 = z3;
        for (int e = from, end = from + count; e < end; e++) {
            int bq = bAt + list[e] * ldb;
            FloatVector b0 = FloatVector.fromArray(S, b, bq);
            FloatVector b1 = FloatVector.fromArray(S, b, bq + V);
            FloatVector b2 = FloatVector.fromArray(S, b, bq + 2 * V);
            FloatVector b3 = FloatVector.fromArray(S, b, bq + 3 * V);
            int aq = 4 * e;
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
    }
}
