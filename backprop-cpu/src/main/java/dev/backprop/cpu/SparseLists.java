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
    private static final int MR = Sgemm.DIRECT_MR;

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
     * Lists for tiles {@code [t0, t1)} of MR columns of the {@code k x n} matrix {@code B(p, j) = b[bOff + p bRs + j]}
     * (rows of B^T), indexed from t0: each row p of B is scanned once, a vector at a time, into a bitmap of its
     * non-zero columns, and p, with the tile's MR values of row p, goes on the list of every tile with a bit set among
     * its columns.
     */
    void columns(long[] bitmap, int t0, int t1, int n, int k, float[] b, int bOff, int bRs) {
        int count = t1 - t0;
        reserve(count, k);
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
}
