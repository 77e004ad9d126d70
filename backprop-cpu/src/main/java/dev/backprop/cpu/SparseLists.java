package dev.backprop.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The lists of a group of {@link SparseSgemm}'s tiles, made from a scan of the sparse operand before the tiles run:
 * tile t's entries from {@code t k}, {@code length[t]} of them, p increasing; entry e's p at {@code list[e]} and the
 * tile's MR values of the sparse operand at p (zero for rows past the matrix) at {@code values[MR e ..]}, so the tile
 * reads them in order rather than through the operand's strides ({@link SparseTiles}). One per thread, grown to the
 * largest group it has listed and kept.
 */
final class SparseLists {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    private static final int MR = SparseTiles.MR;

    int[] list = new int[0];
    float[] values = new float[0];
    int[] length = new int[0];

    /** Room for {@code tiles} tiles of up to k entries each. */
    void reserve(int tiles, int k) {
        if (list.length < tiles * k) {
            list = new int[tiles * k];
            values = new float[tiles * k * MR];
        }
        if (length.length < tiles) {
            length = new int[tiles];
        }
    }

    /**
     * Lists of row tiles {@code [t0, t1)} of the {@code m x k} matrix {@code A(i, p) = a[aOff + i aRs + p]}: a vector
     * of p at a time, the largest magnitude over the tile's rows compared with zero (a NaN counts as non-zero); each
     * lane where it is non-zero adds its p, and the tile's values there, to the list.
     */
    void rows(int t0, int t1, int m, int k, float[] a, int aOff, int aRs) {
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
            length[t] = e - t * k;
        }
    }

    /**
     * Columns a chunk of {@link #columns}' scan covers: whole tiles and whole vectors, as many as fit in a long's bits
     * (8 tiles of 6 columns with 16-float vectors, 16 of 4 with 8- or 16-float ones).
     */
    private static final int CHUNK = 64 / lcm(MR, V) * lcm(MR, V);
    /** Bit {@code MR g} for each tile g of a chunk: where a tile's first column falls in the chunk's bits. */
    private static final long FIRSTS = firstColumns();

    private static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }

    private static long firstColumns() {
        long bits = 0;
        for (int g = 0; g < CHUNK; g += MR) {
            bits |= 1L << g;
        }
        return bits;
    }

    /**
     * Lists for tiles {@code [t0, t1)} of MR columns of the {@code k x n} matrix {@code B(p, j) = b[bOff + p bRs + j]}
     * (rows of B^T), indexed from t0: each row p of B is scanned once, {@link #CHUNK} columns at a time, into a long
     * of its non-zero columns (a NaN counts as non-zero); each tile's bits are folded onto its first column's, and p,
     * with the tile's MR values of row p, goes on the list of every tile whose bit is then set, found a set bit at a
     * time. Testing every tile's window of the bits instead (a branch a tile) took 108-115 us against 89-95 for the
     * lists of an MNIST batch's weight gradient on one thread (Zen 4, 2026-12-07).
     */
    void columns(int t0, int t1, int n, int k, float[] b, int bOff, int bRs) {
        int count = t1 - t0;
        reserve(count, k);
        java.util.Arrays.fill(length, 0, count, 0);
        int j0 = t0 * MR;
        int span = Math.min(n, t1 * MR) - j0;
        int full = span / MR;   // tiles with all MR columns inside B
        for (int p = 0; p < k; p++) {
            int row = bOff + p * bRs + j0;
            for (int c0 = 0; c0 < span; c0 += CHUNK) {
                long bits = nonZeroColumns(b, row + c0, Math.min(CHUNK, span - c0));
                long tiles = bits;
                for (int s = 1; s < MR; s++) {
                    tiles |= bits >>> s;
                }
                tiles &= FIRSTS;
                while (tiles != 0) {
                    int at = c0 + Long.numberOfTrailingZeros(tiles);
                    tiles &= tiles - 1;
                    int i = at / MR;
                    int e = i * k + length[i]++;
                    list[e] = p;
                    int src = row + at;
                    if (i < full) {
                        for (int r = 0; r < MR; r++) {
                            values[MR * e + r] = b[src + r];
                        }
                    } else {
                        for (int r = 0; r < MR; r++) {
                            values[MR * e + r] = at + r < span ? b[src + r] : 0f;
                        }
                    }
                }
            }
        }
    }

    /** Bit c set where {@code x[at + c] != 0} (or NaN), for c below width (at most 64). */
    private static long nonZeroColumns(float[] x, int at, int width) {
        long bits = 0;
        int c = 0;
        for (; c <= width - V; c += V) {
            bits |= FloatVector.fromArray(S, x, at + c).compare(VectorOperators.NE, 0f).toLong() << c;
        }
        for (; c < width; c++) {
            if (x[at + c] != 0f) {
                bits |= 1L << c;
            }
        }
        return bits;
    }
}
