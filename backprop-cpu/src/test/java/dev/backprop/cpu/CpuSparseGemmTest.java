package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.backprop.backend.reference.ReferenceBackend;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SparseSgemm}: products with a mostly-zero operand agree with the reference loops, and bit for bit with
 * {@link DirectSgemm}'s dense tile (the same sums in the same order, the skipped terms zero), on whole and partial
 * tiles, with a bias, accumulating, with B transposed and with A transposed; dense operands are left to the other paths. The path is
 * switched on for all products in each test, since on some CPUs it takes only some unless asked ({@link
 * SparseSgemm#DEFAULT}); with {@link ZeroSkipping#IN_PLACE} it declines the products that copy or store transposed.
 */
class CpuSparseGemmTest {
    private final ReferenceBackend ref = new ReferenceBackend();
    private ZeroSkipping was;

    @BeforeEach
    void switchOn() {
        was = CpuBackend.zeroSkipping();
        CpuBackend.skipZeros(ZeroSkipping.ALL);
    }

    @AfterEach
    void restore() {
        CpuBackend.skipZeros(was);
        SparseSgemm.everyProduct = false;
    }
    private final SplittableRandom random = new SplittableRandom(5);

    /**
     * A density the choice takes for the MNIST MLP's first layer: at random places it occupies up to 1 - 0.88^6 =
     * 0.54 of a 6-row tile's terms, under the 0.65 at which the paths that copy W^T or store C transposed give way.
     */
    private static final double TAKEN = 0.12;

    /**
     * The densities the kernels are checked at, each product taken whatever its occupied terms and C's width ({@link
     * SparseSgemm#everyProduct}): few terms in each list, some with several rows non-zero, and lists of most terms
     * (at 20%, 59% of a 4-row tile's terms and 74% of a 6-row tile's), all under the 30% of non-zero entries that
     * tells the sparse operand.
     */
    private static final double[] DENSITIES = {0.02, TAKEN, 0.2};

    /**
     * {m, n, k}: the MNIST MLP's first layer and its weight gradient, odd sizes (partial row tiles and panels), a bag
     * of words' long k, and with k = 5000 more tiles than one group's lists hold (a product taken a group at a time).
     */
    private static final int[][] SHAPES = {{128, 256, 784}, {256, 784, 128}, {37, 45, 70}, {33, 32, 33}, {64, 40, 5000},
        {50, 97, 128}, {200, 40, 5000}, {45, 200, 5000}};

    /**
     * {m, n, k} for a packed B: the MNIST MLP's first layer, odd sizes, a bag of words' long k (with 200 rows, more
     * tiles than one group's lists hold), and products of fewer rows than the in-place path takes (it starts at 32),
     * down to 5.
     */
    private static final int[][] PACKED_SHAPES = {{128, 256, 784}, {37, 45, 70}, {33, 32, 33}, {64, 40, 5000},
        {200, 40, 5000}, {50, 97, 128}, {5, 256, 784}, {8, 45, 70}, {13, 97, 128}, {24, 64, 5000}};

    /**
     * Values in [-1, 1), each zero with probability {@code 1 - density}; every other row has zero margins, as an image
     * has, the others reach both ends (the last columns are the lists' scalar tails).
     */
    private float[] sparse(int rows, int cols, double density) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            int margin = i % 2 == 0 ? 0 : random.nextInt(cols / 4 + 1);
            for (int j = margin; j < cols - margin; j++) {
                if (random.nextDouble() < density) {
                    v[i * cols + j] = (float) (random.nextDouble() * 2 - 1);
                }
            }
        }
        return v;
    }

    private float[] dense(int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            assertTrue(err <= 1e-4 * (1 + Math.abs(expected[i])), what + " at " + i + ": reference " + expected[i]
                    + ", sparse " + actual[i]);
        }
    }

    private static void assertSame(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                    what + " at " + i + ": dense tile " + expected[i] + ", sparse " + actual[i]);
        }
    }

    /** A sparse, as a layer's forward: B row-major (NN) and B = W^T through its strides (NT), with and without bias. */
    @Test
    void sparseLeftOperand() {
        SparseSgemm.everyProduct = true;
        for (int[] s : SHAPES) {
            int m = s[0], n = s[1], k = s[2];
            for (double density : DENSITIES) {
                float[] a = sparse(m, k, density);
                for (boolean transposedB : new boolean[] {false, true}) {
                    float[] b = dense(k * n);
                    int bRs = transposedB ? 1 : n;
                    int bCs = transposedB ? k : 1;
                    for (int mode = 0; mode < 3; mode++) {
                        boolean accumulate = mode == 1;
                        float[] bias = mode == 2 ? dense(n) : null;
                        check(m, n, k, a, 0, k, 1, b, bRs, bCs, bias, accumulate,
                                (transposedB ? "NT " : "NN ") + m + "x" + n + "x" + k + " density " + density
                                        + (accumulate ? " +=" : "") + (bias != null ? " +bias" : ""));
                    }
                }
            }
        }
    }

    /**
     * A sparse against a B packed for inference ({@link DirectSgemm#pack}): the tiles over its panels, read in place,
     * give the bits of the dense tile read in place (the same sums in the same order) with and without a bias, on
     * whole and partial row tiles and panels, A's rows contiguous or strided, the zeros skipped everywhere or only in
     * place, from 5 rows up; up to four rows, row by row, the bits of the dense packed path's rows; a dense A, or
     * zeros not skipped, leave the product to the dense packed path, written nowhere.
     */
    @Test
    void sparseLeftOperandAgainstPackedPanels() {
        SparseSgemm.everyProduct = true;
        for (ZeroSkipping which : new ZeroSkipping[] {ZeroSkipping.ALL, ZeroSkipping.IN_PLACE}) {
            CpuBackend.skipZeros(which);
            for (int[] s : PACKED_SHAPES) {
                int m = s[0], n = s[1], k = s[2];
                for (int pad : new int[] {0, 5}) {
                    int aRs = k + pad;
                    int aOff = pad == 0 ? 0 : 3;
                    float[] a = new float[aOff + m * aRs];
                    float[] rows = sparse(m, k, TAKEN);
                    for (int i = 0; i < m; i++) {
                        System.arraycopy(rows, i * k, a, aOff + i * aRs, k);
                    }
                    float[] b = dense(k * n);
                    DirectSgemm.Panels panels = DirectSgemm.pack(k, n, b, 0, n, 1);
                    for (float[] bias : new float[][] {null, dense(n)}) {
                        String what = which + " packed " + m + "x" + n + "x" + k + (pad > 0 ? " strided A" : "")
                                + (bias != null ? " +bias" : "");
                        float[] expected = new float[m * n];
                        float[] inPlace = new float[m * n];
                        float[] packed = dense(m * n);
                        if (bias == null) {
                            ref.gemm(m, n, k, a, aOff, aRs, 1, b, 0, n, 1, expected, 0, n, false);
                        } else {
                            ref.gemmBias(m, n, k, a, aOff, aRs, 1, b, 0, n, 1, bias, expected, 0, n);
                        }
                        DirectSgemm.gemm(m, n, k, a, aOff, aRs, 1, b, 0, n, 1, bias, inPlace, 0, n, false);
                        assertTrue(SparseSgemm.gemmPacked(m, a, aOff, aRs, panels, bias, packed, 0, n),
                                what + ": the sparse path should take this product");
                        assertClose(expected, packed, what);
                        assertSame(inPlace, packed, what);
                    }
                }
            }
        }
        for (int m : new int[] {1, 3, 4}) {
            for (int[] s : new int[][] {{256, 784}, {45, 70}, {97, 128}, {32, 5000}, {40, 33}}) {
                int n = s[0], k = s[1];
                float[] a = sparse(m, k, 0.05);
                float[] b = dense(k * n);
                DirectSgemm.Panels panels = DirectSgemm.pack(k, n, b, 0, n, 1);
                for (float[] bias : new float[][] {null, dense(n)}) {
                    String what = m + " rows packed, " + n + "x" + k + (bias != null ? " +bias" : "");
                    float[] expected = new float[m * n];
                    float[] rows = new float[m * n];
                    float[] packed = dense(m * n);
                    if (bias == null) {
                        ref.gemm(m, n, k, a, 0, k, 1, b, 0, n, 1, expected, 0, n, false);
                    } else {
                        ref.gemmBias(m, n, k, a, 0, k, 1, b, 0, n, 1, bias, expected, 0, n);
                    }
                    DirectSgemm.gemmPacked(m, a, 0, k, panels, bias, rows, 0, n);
                    assertTrue(SparseSgemm.gemmPacked(m, a, 0, k, panels, bias, packed, 0, n),
                            what + ": the sparse path should take this product");
                    assertClose(expected, packed, what);
                    assertSame(rows, packed, what);
                }
            }
        }
        SparseSgemm.everyProduct = false;
        CpuBackend.skipZeros(ZeroSkipping.ALL);
        DirectSgemm.Panels w = DirectSgemm.pack(784, 256, dense(784 * 256), 0, 256, 1);
        float[] c = new float[128 * 256];
        assertTrue(SparseSgemm.gemmPacked(128, sparse(128, 784, TAKEN), 0, 784, w, null, c, 0, 256), "a sparse A");
        c = new float[128 * 256];
        assertFalse(SparseSgemm.gemmPacked(128, dense(128 * 784), 0, 784, w, null, c, 0, 256), "a dense A");
        CpuBackend.skipZeros(ZeroSkipping.OFF);
        assertFalse(SparseSgemm.gemmPacked(128, sparse(128, 784, TAKEN), 0, 784, w, null, c, 0, 256),
                "zeros not skipped");
        for (int i = 0; i < c.length; i++) {
            assertEquals(0f, c[i], "a declined product wrote C at " + i);
        }
    }

    /** B sparse, as a layer's weight gradient dy^T x: A read through its transpose (row stride 1). */
    @Test
    void sparseRightOperand() {
        weightGradients(false);
    }

    /**
     * A sparse and given transposed, as the weight gradient x^T dy of a weight stored input-major: A's columns
     * contiguous (row stride 1), B = dy row-major, C stored as it is.
     */
    @Test
    void sparseLeftOperandGivenTransposed() {
        weightGradients(true);
    }

    /** TN products over every shape, density and mode, the sparse operand on the left (x^T dy) or right (dy^T x). */
    private void weightGradients(boolean sparseLeft) {
        SparseSgemm.everyProduct = true;
        for (int[] s : SHAPES) {
            int m = s[0], n = s[1], k = s[2];
            for (double density : DENSITIES) {
                float[] a = sparseLeft ? sparse(k, m, density) : dense(k * m);
                float[] b = sparseLeft ? dense(k * n) : sparse(k, n, density);
                for (boolean accumulate : new boolean[] {false, true}) {
                    check(m, n, k, a, 0, 1, m, b, n, 1, null, accumulate, "TN (" + (sparseLeft ? "A" : "B")
                            + " sparse) " + m + "x" + n + "x" + k + " density " + density + (accumulate ? " +=" : ""));
                }
            }
        }
    }

    private void check(int m, int n, int k, float[] a, int aOff, int aRs, int aCs, float[] b, int bRs, int bCs,
                       float[] bias, boolean accumulate, String what) {
        float[] c0 = dense(m * n);
        float[] expected = c0.clone();
        float[] tile = c0.clone();
        float[] sparse = c0.clone();
        if (bias == null) {
            ref.gemm(m, n, k, a, aOff, aRs, aCs, b, 0, bRs, bCs, expected, 0, n, accumulate);
        } else {
            ref.gemmBias(m, n, k, a, aOff, aRs, aCs, b, 0, bRs, bCs, bias, expected, 0, n);
        }
        DirectSgemm.gemm(m, n, k, a, aOff, aRs, aCs, b, 0, bRs, bCs, bias, tile, 0, n, accumulate);
        assertTrue(SparseSgemm.gemm(m, n, k, a, aOff, aRs, aCs, b, 0, bRs, bCs, bias, sparse, 0, n, accumulate),
                what + ": the sparse path should take this product");
        assertClose(expected, sparse, what);
        assertSame(tile, sparse, what);
    }

    /**
     * Through the backend, the MNIST MLP's first-layer forward gives the same bits with the zeros skipped and with
     * {@link CpuBackend#skipZeros} off (then the sparse path declines every product), where the dense product is read
     * in place (with 4-row tiles it is packed, and agrees within rounding).
     */
    @Test
    void skippingZerosIsASwitchThatKeepsTheResults() {
        CpuBackend cpu = new CpuBackend();
        float[] x = sparse(128, 784, TAKEN);
        float[] w = dense(256 * 784);
        float[] bias = dense(256);
        float[] skipping = new float[128 * 256];
        float[] dense = new float[128 * 256];
        cpu.gemmBias(128, 256, 784, x, 0, 784, 1, w, 0, 1, 784, bias, skipping, 0, 256);
        CpuBackend.skipZeros(ZeroSkipping.OFF);
        try {
            assertFalse(SparseSgemm.gemm(128, 256, 784, x, 0, 784, 1, w, 0, 1, 784, bias, new float[128 * 256], 0, 256,
                    false));
            cpu.gemmBias(128, 256, 784, x, 0, 784, 1, w, 0, 1, 784, bias, dense, 0, 256);
        } finally {
            CpuBackend.skipZeros(ZeroSkipping.ALL);
        }
        if (DirectSgemm.suits(128, 256, 784, 784)) {
            assertSame(dense, skipping, "x W^T + b, zeros skipped and not");
        } else {
            assertClose(dense, skipping, "x W^T + b, zeros skipped and not (packed when dense)");
        }
    }

    /**
     * With {@code -Dbackprop.gemm.sparse} unset the switch starts at the CPU's default (read before the switch is set:
     * with the two fields the other way round, it started as null).
     */
    @Test
    void theSwitchStartsAtTheCpusDefault() {
        assumeTrue(System.getProperty("backprop.gemm.sparse") == null, "the switch was given on the command line");
        assertEquals(SparseSgemm.DEFAULT, was);
    }

    /**
     * {@link ZeroSkipping#IN_PLACE} takes the products that read the dense operand in place and store C as it is (a
     * weight stored input-major: x W^T with W^T's rows contiguous, and x^T dy) and declines W^T through its strides
     * (a copy) and dy^T x (a transposed store), writing nothing; {@link ZeroSkipping#OFF} declines all four.
     */
    @Test
    void inPlaceSkippingDeclinesCopiesAndTransposedStores() {
        float[] x = sparse(128, 784, TAKEN);
        float[] w = dense(784 * 256);
        float[] dy = dense(128 * 256);
        for (ZeroSkipping which : new ZeroSkipping[] {ZeroSkipping.IN_PLACE, ZeroSkipping.OFF}) {
            CpuBackend.skipZeros(which);
            boolean inPlace = which == ZeroSkipping.IN_PLACE;
            float[] c = new float[256 * 784];
            assertEquals(inPlace, SparseSgemm.gemm(128, 256, 784, x, 0, 784, 1, w, 0, 256, 1, null, c, 0, 256, false),
                    which + ": x W^T, W stored input-major");
            assertEquals(inPlace, SparseSgemm.gemm(784, 256, 128, x, 0, 1, 784, dy, 0, 256, 1, null, c, 0, 256, false),
                    which + ": x^T dy");
            float[] untouched = new float[256 * 784];
            assertFalse(SparseSgemm.gemm(128, 256, 784, x, 0, 784, 1, w, 0, 1, 784, null, untouched, 0, 256, false),
                    which + ": x W^T, W through its strides");
            assertFalse(SparseSgemm.gemm(256, 784, 128, dy, 0, 1, 256, x, 0, 784, 1, null, untouched, 0, 784, false),
                    which + ": dy^T x");
            for (int i = 0; i < untouched.length; i++) {
                assertEquals(0f, untouched[i], which + ": a declined product wrote C at " + i);
            }
        }
    }

    /**
     * The choice needs both few non-zero entries and few occupied terms of the tiles (the work a tile does), in all
     * four layouts of the MNIST MLP's first layer ({@code x W^T} with W input-major and through its strides, {@code
     * x^T dy}, {@code dy^T x}): 25% non-zero on diagonals, one in each row of every tile's terms, goes dense (every
     * term occupied); 40% in whole pixels or whole images goes dense too (too many entries); a lattice of one row in
     * four of 40% of the terms (10% of the entries) is taken; one of 70% of them (17.5%) is taken where W is read in
     * place and C stored as it is, and left dense where W^T is copied or C transposed.
     */
    @Test
    void theChoiceCountsTheTilesTermsAndTheEntries() {
        float[] diagonal = new float[128 * 784];
        for (int i = 0; i < 128; i++) {
            for (int p = (4 - i % 4) % 4; p < 784; p += 4) {
                diagonal[i * 784 + p] = (float) (random.nextDouble() + 0.5);
            }
        }
        float[] w = dense(784 * 256);
        float[] dy = dense(128 * 256);
        String[] kinds = {"25% on diagonals", "40% in whole lines", "a lattice on 40% of the terms",
            "a lattice on 70% of the terms"};
        for (int kind = 0; kind < kinds.length; kind++) {
            int share = kind == 3 ? 70 : 40;
            boolean lattice = kind >= 2;
            float[] byPixel = kind == 0 ? diagonal : x(share, false, lattice);
            float[] byImage = kind == 0 ? diagonal : x(share, true, lattice);
            boolean inPlace = lattice;
            boolean rearranged = kind == 2;
            String what = kinds[kind] + ": ";
            taken(inPlace, 128, 256, 784, byPixel, 784, 1, w, 256, 1, what + "x W^T, W input-major");
            taken(rearranged, 128, 256, 784, byPixel, 784, 1, w, 1, 784, what + "x W^T, W through its strides");
            taken(inPlace, 784, 256, 128, byImage, 1, 784, dy, 256, 1, what + "x^T dy");
            taken(rearranged, 256, 784, 128, dy, 1, 256, byImage, 784, 1, what + "dy^T x");
        }
    }

    /**
     * The occupied terms a product may have grow with C's width, since the lists are a cost its columns share: a
     * lattice on 40% of the terms (10% of the entries) goes dense where C is 32 columns wide, and is taken from 64
     * columns for tiles of x's rows against a weight read in place (0.3 of the terms per 32 columns), from 128 where
     * W^T is copied or the tiles are x's columns, a weight gradient (0.15 per 32 columns).
     */
    @Test
    void aNarrowProductNeedsFewerOccupiedTerms() {
        float[] byPixel = x(40, false, true);
        float[] byImage = x(40, true, true);
        for (int width : new int[] {32, 64, 128}) {
            float[] w = dense(784 * width);
            float[] dy = dense(128 * width);
            boolean inPlace = width >= 64;
            boolean otherwise = width >= 128;
            String what = "a lattice on 40% of the terms, " + width + " columns: ";
            taken(inPlace, 128, width, 784, byPixel, 784, 1, w, width, 1, what + "x W^T, W input-major");
            taken(otherwise, 784, width, 128, byImage, 1, 784, dy, width, 1, what + "x^T dy");
            taken(otherwise, 128, width, 784, byPixel, 784, 1, w, 1, 784, what + "x W^T, W through its strides");
            taken(otherwise, width, 784, 128, dy, 1, width, byImage, 784, 1, what + "dy^T x");
        }
    }

    /**
     * A [128 x 784] x whose non-zeros lie in {@code share}% of its pixels (columns), or of its images (rows), so that
     * as many of the terms of any tile are occupied, whatever its height: every entry of them, or with {@code lattice}
     * only those whose image and pixel agree modulo 4 (one row in four of every tile of four or more rows, a quarter
     * of the entries).
     */
    private float[] x(int share, boolean images, boolean lattice) {
        float[] x = new float[128 * 784];
        for (int i = 0; i < 128; i++) {
            for (int p = 0; p < 784; p++) {
                if ((images ? i : p) % 10 < share / 10 && (!lattice || i % 4 == p % 4)) {
                    x[i * 784 + p] = (float) (random.nextDouble() * 2 - 1);
                }
            }
        }
        return x;
    }

    /** Checks {@link #check} where the path should take the product, else that it declines and writes nothing. */
    private void taken(boolean expected, int m, int n, int k, float[] a, int aRs, int aCs, float[] b, int bRs, int bCs,
                       String what) {
        if (expected) {
            check(m, n, k, a, 0, aRs, aCs, b, bRs, bCs, null, false, what);
            return;
        }
        float[] untouched = new float[m * n];
        assertFalse(SparseSgemm.gemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, null, untouched, 0, n, false),
                what + ": the product should be left to the dense paths");
        for (int i = 0; i < untouched.length; i++) {
            assertEquals(0f, untouched[i], what + ": a declined product wrote C at " + i);
        }
    }

    /** Dense operands, and products too small to pay for the lists, go to the dense paths. */
    @Test
    void denseOperandsAreLeftToTheDensePaths() {
        float[] a = dense(128 * 784);
        float[] b = dense(784 * 256);
        float[] c = new float[128 * 256];
        assertFalse(SparseSgemm.gemm(128, 256, 784, a, 0, 784, 1, b, 0, 256, 1, null, c, 0, 256, false));
        assertFalse(SparseSgemm.gemm(256, 784, 128, b, 0, 1, 256, a, 0, 784, 1, null, new float[256 * 784], 0, 784,
                false));
        float[] small = sparse(8, 8, 0.1);
        assertFalse(SparseSgemm.gemm(8, 8, 8, small, 0, 8, 1, dense(64), 0, 8, 1, null, new float[64], 0, 8, false));
        for (int i = 0; i < c.length; i++) {
            assertEquals(0f, c[i], "a declined product wrote C at " + i);
        }
    }
}
