package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SparseLists#columns}: the lists of tiles of MR columns, against a plain loop that tests every tile and every
 * row, on whole and partial tiles, ranges of tiles that start anywhere and end past the matrix, rows and columns of
 * zeros, MNIST-like clustered non-zeros and NaNs (which count as non-zero).
 */
class SparseListsTest {
    private static final int MR = SparseTiles.MR;
    private final SplittableRandom random = new SplittableRandom(11);

    @Test
    void columnListsMatchAPlainScan() {
        int[][] shapes = {{128, 784}, {37, 100}, {5, 7}, {64, 1000}, {3, 1}, {200, 61}};
        for (int[] shape : shapes) {
            int k = shape[0];
            int n = shape[1];
            int tiles = Math.ceilDiv(n, MR);
            for (double density : new double[] {0.0, 0.02, 0.2, 0.7, 1.0}) {
                for (boolean clustered : new boolean[] {false, true}) {
                    int bRs = n + 3;
                    int bOff = 2;
                    float[] b = matrix(k, n, bOff, bRs, density, clustered);
                    int[][] ranges = {{0, tiles}, {0, tiles / 2}, {tiles / 2, tiles}, {tiles > 1 ? 1 : 0, tiles}};
                    for (int[] range : ranges) {
                        check(b, bOff, bRs, k, n, range[0], range[1],
                                k + "x" + n + " density " + density + (clustered ? " clustered" : "") + " tiles "
                                        + range[0] + ".." + range[1]);
                    }
                }
            }
        }
    }

    private void check(float[] b, int bOff, int bRs, int k, int n, int t0, int t1, String what) {
        SparseLists lists = new SparseLists();
        lists.columns(t0, t1, n, k, b, bOff, bRs);
        for (int t = t0; t < t1; t++) {
            int i = t - t0;
            int e = i * k;
            for (int p = 0; p < k; p++) {
                boolean any = false;
                for (int r = 0; r < MR && t * MR + r < n; r++) {
                    any |= b[bOff + p * bRs + t * MR + r] != 0f;   // true for NaN too
                }
                if (!any) {
                    continue;
                }
                assertEquals(p, lists.list[e], what + ": tile " + t + ", entry " + (e - i * k));
                for (int r = 0; r < MR; r++) {
                    float expected = t * MR + r < n ? b[bOff + p * bRs + t * MR + r] : 0f;
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(lists.values[MR * e + r]),
                            what + ": tile " + t + ", row " + p + ", column " + r);
                }
                e++;
            }
            assertEquals(e - i * k, lists.length[i], what + ": tile " + t + "'s length");
        }
    }

    /**
     * A k x n matrix from bOff, rows bRs apart, the padding between rows non-zero (so a read past a row's end shows);
     * clustered: non-zeros in a band of columns that moves with the row, as an image's strokes.
     */
    private float[] matrix(int k, int n, int bOff, int bRs, double density, boolean clustered) {
        float[] b = new float[bOff + k * bRs + 5];
        java.util.Arrays.fill(b, 9f);
        for (int p = 0; p < k; p++) {
            int band = random.nextInt(n);
            for (int j = 0; j < n; j++) {
                boolean on = clustered ? Math.abs(j - band) < density * n / 2 : random.nextDouble() < density;
                float v = on ? (float) random.nextGaussian() : 0f;
                if (on && random.nextInt(50) == 0) {
                    v = Float.NaN;
                }
                b[bOff + p * bRs + j] = v;
            }
        }
        return b;
    }
}
