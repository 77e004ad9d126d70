package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.backprop.backend.Backend;
import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.Layout;
import dev.backprop.backend.ReduceOp;
import dev.backprop.backend.UnaryOp;
import dev.backprop.backend.reference.ReferenceBackend;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast kernels agree with the reference loops within float32 rounding, on odd sizes too. */
class CpuParityTest {
    private final CpuBackend cpu = new CpuBackend();
    private final ReferenceBackend ref = new ReferenceBackend();
    private final SplittableRandom random = new SplittableRandom(11);

    private float[] random(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            assertTrue(err <= tolerance * (1 + Math.abs(expected[i])) || expected[i] == actual[i]
                            || (Float.isNaN(expected[i]) && Float.isNaN(actual[i])),
                    what + " at " + i + ": reference " + expected[i] + ", cpu " + actual[i]);
        }
    }

    /** {n, c, h, w, o, kh, kw, stride, pad, dilation, groups}: direct-kernel shapes, odd sizes, and fallbacks. */
    private static final int[][] CONVOLUTIONS = {
        {4, 1, 28, 28, 6, 5, 5, 1, 2, 1, 1},     // LeNet conv1
        {5, 6, 14, 14, 16, 5, 5, 1, 0, 1, 1},    // LeNet conv2, odd batch
        {3, 7, 9, 11, 13, 3, 3, 1, 1, 1, 1},     // odd channels and sizes, 3x3 same padding
        {2, 14, 10, 10, 7, 3, 3, 1, 1, 1, 1},    // cnn:7's channels: one 7-row panel (forward), two (input gradient)
        {2, 14, 6, 6, 28, 3, 3, 1, 1, 1, 1},     // four 7-row panels, and a span of an odd number of vectors (the tail)
        {2, 5, 7, 8, 11, 3, 3, 1, 1, 1, 1},      // a last panel of 5 rows (6-row tiles) or 3 (4-row tiles)
        {2, 3, 5, 4, 2, 3, 2, 1, 0, 1, 1},       // non-square kernel, small image
        {1, 2, 1, 1, 1, 1, 1, 1, 0, 1, 1},       // 1x1 on 1x1
        {3, 34, 6, 6, 40, 3, 3, 1, 1, 1, 1},     // many taps, many output channels
        {2, 4, 9, 9, 6, 3, 3, 2, 1, 1, 1},       // stride 2: im2col fallback
        {2, 4, 9, 9, 6, 3, 3, 1, 2, 2, 2},       // dilation and groups: fallback
    };

    /** One row of {@link #CONVOLUTIONS} as a geometry. */
    private static dev.backprop.backend.ConvGeometry geometry(int[] c) {
        int n = c[0], ch = c[1], h = c[2], w = c[3], kh = c[5], kw = c[6];
        int stride = c[7], pad = c[8], dil = c[9], groups = c[10];
        int ho = (h + 2 * pad - dil * (kh - 1) - 1) / stride + 1;
        int wo = (w + 2 * pad - dil * (kw - 1) - 1) / stride + 1;
        return new dev.backprop.backend.ConvGeometry(n, ch, h, w, kh, kw, ho, wo, stride, stride, pad, pad, dil, dil, groups);
    }

    /** Twice over, with new values: the second round runs on the padded buffers the threads kept from the first. */
    @Test
    void convolutionForwardAndBothGradients() {
        for (int round = 0; round < 2; round++) {
            convolutionsAgainstTheReference();
        }
    }

    private void convolutionsAgainstTheReference() {
        for (int[] c : CONVOLUTIONS) {
            var g = geometry(c);
            int n = g.n(), o = c[4], ho = g.ho(), wo = g.wo();
            float[] x = random(n * g.c() * g.h() * g.w());
            float[] wt = random(o * g.colRows());
            float[] bias = random(o);
            float[] dy = random(n * o * ho * wo);
            String what = java.util.Arrays.toString(c);
            float[] yRef = new float[dy.length];
            float[] yCpu = new float[dy.length];
            ref.conv2d(g, x, wt, bias, yRef);
            cpu.conv2d(g, x, wt, bias, yCpu);
            assertClose(yRef, yCpu, 1e-5, "conv2d " + what);
            float[] dxRef = new float[x.length];
            float[] dxCpu = random(x.length);   // stale contents must be overwritten
            ref.conv2dBackwardInput(g, dy, wt, dxRef);
            cpu.conv2dBackwardInput(g, dy, wt, dxCpu);
            assertClose(dxRef, dxCpu, 1e-5, "conv2d input gradient " + what);
            float[] dwRef = new float[wt.length];
            float[] dwCpu = random(wt.length);
            ref.conv2dBackwardWeight(g, x, dy, dwRef);
            cpu.conv2dBackwardWeight(g, x, dy, dwCpu);
            assertClose(dwRef, dwCpu, 1e-4, "conv2d weight gradient " + what);
        }
    }

    /**
     * The convolutional block of evaluation (convolution, 2 x 2 max pooling, ReLU or not) fused in the
     * direct kernels' copy-out against the reference's three separate ops: odd output sizes (a last
     * row and column left out), padding, no bias, and the im2col fallbacks.
     */
    @Test
    void convolutionWithMaxPoolingAndRelu() {
        for (int[] c : CONVOLUTIONS) {
            var g = geometry(c);
            int n = g.n(), o = c[4], ho = g.ho(), wo = g.wo();
            float[] x = random(n * g.c() * g.h() * g.w());
            float[] wt = random(o * g.colRows());
            for (boolean relu : new boolean[] {false, true}) {
                float[] bias = relu ? random(o) : null;
                float[] yRef = new float[n * o * (ho / 2) * (wo / 2)];
                float[] yCpu = random(yRef.length);
                ref.conv2dMaxPool2x2(g, x, wt, bias, relu, yRef, null);
                cpu.conv2dMaxPool2x2(g, x, wt, bias, relu, yCpu, null);
                String what = java.util.Arrays.toString(c) + (relu ? " relu" : "");
                assertClose(yRef, yCpu, 1e-5, "conv2d + max pool " + what);
                // Training's form: the pooled output exactly the pooling (and ReLU) of conv2d's output on this
                // backend, and the windows' winners (Backend.conv2dMaxPool2x2's layout) found in that output.
                float[] winners = random(2 * yRef.length);
                float[] yTrain = random(yRef.length);
                cpu.conv2dMaxPool2x2(g, x, wt, bias, relu, yTrain, winners);
                float[] conv = new float[n * o * ho * wo];
                cpu.conv2d(g, x, wt, bias, conv);
                float[] pooledCpu = new float[yRef.length];
                cpu.maxPool2x2(conv, n * o, ho, wo, pooledCpu);
                for (int i = 0; i < pooledCpu.length; i++) {
                    org.junit.jupiter.api.Assertions.assertEquals(relu ? Math.max(pooledCpu[i], 0f) : pooledCpu[i],
                            yTrain[i], 0f, "pooled output " + what);
                }
                assertArrayEquals(winnersOf(conv, pooledCpu, n * o, ho, wo), winners, 0f, "winners " + what);
                if (relu) {
                    // The reference is the three ops: the full output, pooled, then clamped.
                    float[] full = new float[n * o * ho * wo];
                    ref.conv2d(g, x, wt, bias, full);
                    float[] pooled = new float[yRef.length];
                    ref.maxPool2x2(full, n * o, ho, wo, pooled);
                    for (int i = 0; i < pooled.length; i++) {
                        org.junit.jupiter.api.Assertions.assertEquals(Math.max(pooled[i], 0f), yRef[i], 0f, what);
                    }
                }
            }
        }
    }

    /**
     * Backend.conv2dMaxPool2x2's winners, element by element: in each window's upper row's layout, 1 where
     * the upper element is the first of the four equal to the window's maximum (or its first NaN), 2 where
     * the element below is, 0 elsewhere.
     */
    private static float[] winnersOf(float[] conv, float[] pooled, int planes, int h, int w) {
        int ho = h / 2;
        int width = 2 * (w / 2);
        float[] winners = new float[planes * ho * width];
        for (int row = 0; row < planes * ho; row++) {
            int top = row / ho * h * w + 2 * (row % ho) * w;
            for (int col = 0; col < width; col += 2) {
                float max = pooled[row * (width / 2) + col / 2];
                float[] four = {conv[top + col], conv[top + col + 1], conv[top + w + col], conv[top + w + col + 1]};
                int first = 0;
                while (first < 3 && !(four[first] == max || Float.isNaN(four[first]) && Float.isNaN(max))) {
                    first++;
                }
                winners[row * width + col + first % 2] = first < 2 ? 1f : 2f;
            }
        }
        return winners;
    }

    /**
     * The block's gradients ({@link Backend#conv2dMaxPool2x2Backward}: the pooled gradient placed at the
     * winners straight onto the kernels' grids) against this backend's own three steps, bit for bit: the
     * pooling's gradient over a full-size array, then conv2d's input and weight gradients. Normal values,
     * then values on a coarse grid of halves, where windows tie; odd sizes; the fallbacks.
     */
    @Test
    void convolutionalBlockGradientsMatchTheThreeSteps() {
        for (boolean coarse : new boolean[] {false, true}) {
            for (int[] c : CONVOLUTIONS) {
                var g = geometry(c);
                int n = g.n(), o = c[4], ho = g.ho(), wo = g.wo();
                if (ho < 2 || wo < 2) {
                    continue;
                }
                float[] x = coarse ? halves(n * g.c() * g.h() * g.w()) : random(n * g.c() * g.h() * g.w());
                float[] wt = coarse ? halves(o * g.colRows()) : random(o * g.colRows());
                float[] bias = coarse ? halves(o) : random(o);
                float[] y = new float[n * o * (ho / 2) * (wo / 2)];
                float[] winners = new float[2 * y.length];
                cpu.conv2dMaxPool2x2(g, x, wt, bias, false, y, winners);
                float[] gp = random(y.length);
                float[] dx = random(x.length);
                float[] dw = random(wt.length);
                cpu.conv2dMaxPool2x2Backward(g, x, wt, winners, gp, dx, dw);
                float[] conv = new float[n * o * ho * wo];
                cpu.conv2d(g, x, wt, bias, conv);
                float[] dconv = new float[conv.length];
                cpu.maxPool2x2Backward(conv, y, gp, n * o, ho, wo, dconv);
                float[] dxExpected = new float[x.length];
                float[] dwExpected = new float[wt.length];
                cpu.conv2dBackwardInput(g, dconv, wt, dxExpected);
                cpu.conv2dBackwardWeight(g, x, dconv, dwExpected);
                String what = java.util.Arrays.toString(c) + (coarse ? " coarse" : "");
                assertArrayEquals(dxExpected, dx, 0f, "block input gradient " + what);
                assertArrayEquals(dwExpected, dw, 0f, "block weight gradient " + what);
                float[] dwOnly = random(wt.length);
                cpu.conv2dMaxPool2x2Backward(g, x, wt, winners, gp, null, dwOnly);
                assertArrayEquals(dwExpected, dwOnly, 0f, "block weight gradient alone " + what);
            }
        }
    }

    /**
     * The fused block's winners ({@link VectorPooling#winners}) for every pattern of four window elements drawn
     * from -0, 0, 1 and NaN (ties of each pair, signed zeros, NaN maxima), with and without a bias, on widths
     * that take whole vectors, narrow rows, and the one-window-at-a-time rows at the planes' end, against the
     * element-by-element definition; the grid's columns past the windows hold values that must not matter.
     */
    @Test
    void winnersOfEveryTiePattern() {
        float[] values = {-0f, 0f, 1f, Float.NaN};
        for (int width : new int[] {2, 6, 10, 16, 28, 34}) {
            for (float[] bias : new float[][] {null, {0.5f, -1f, 0f, 3f}}) {
                int planes = 4, ho = 64, rowStride = width + 3, planeStride = 2 * ho * rowStride + 5;
                float[] x = new float[planes * planeStride + 64];
                java.util.Arrays.fill(x, Float.NaN);
                float[] pooled = new float[planes * ho * (width / 2)];
                float[] conv = new float[planes * 2 * ho * width];
                int window = 0;
                for (int p = 0; p < planes; p++) {
                    for (int oh = 0; oh < ho; oh++) {
                        for (int col = 0; col < width; col += 2, window++) {
                            int top = p * planeStride + 2 * oh * rowStride + col;
                            int[] at = {top, top + 1, top + rowStride, top + rowStride + 1};
                            int[] full = {0, 1, width, width + 1};
                            float m = Float.NEGATIVE_INFINITY;
                            for (int e = 0; e < 4; e++) {
                                float v = values[(window >> (2 * e)) % 4];
                                x[at[e]] = v;
                                float biased = bias == null ? v : v + bias[p];
                                conv[(p * 2 * ho + 2 * oh) * width + col + full[e]] = biased;
                            }
                            float a = conv[(p * 2 * ho + 2 * oh) * width + col];
                            float b = conv[(p * 2 * ho + 2 * oh) * width + col + 1];
                            float c = conv[(p * 2 * ho + 2 * oh + 1) * width + col];
                            float d = conv[(p * 2 * ho + 2 * oh + 1) * width + col + 1];
                            pooled[(p * ho + oh) * (width / 2) + col / 2] = Math.max(Math.max(a, c), Math.max(b, d));
                        }
                    }
                }
                float[] winners = random(planes * ho * width);
                VectorPooling.winners(x, planes, planeStride, rowStride, ho, width / 2, bias, winners, 0);
                assertArrayEquals(winnersOf(conv, pooled, planes, 2 * ho, width), winners, 0f,
                        "winners, width " + width + (bias == null ? "" : ", biased"));
            }
        }
    }

    /** Values from -2 to 2 in halves: sums of their products are exact, so windows tie exactly. */
    private float[] halves(int n) {
        float[] v = random(n);
        for (int i = 0; i < n; i++) {
            v[i] = Math.round(Math.max(-2f, Math.min(2f, v[i] * 2f))) / 2f;
        }
        return v;
    }

    @Test
    void theRegisterTileFollowsTheVectorWidthUnlessForced() {
        String forced = System.getProperty("backprop.gemm.rows");
        int width = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        int chosen = width < 16 ? 4 : CpuInfo.readFamily() == CpuInfo.INTEL ? 12 : 6;
        assertEquals(forced != null ? Integer.parseInt(forced) : chosen, Sgemm.MR);
        assertEquals(Sgemm.MR == 4 ? 4 : 6, Sgemm.DIRECT_MR, "the in-place kernels have 4- and 6-row tiles");
        assertEquals("4".equals(System.getProperty("backprop.gemm.vectors")), Sgemm.PAIRED_PANELS,
                "the packed tile spans two panels of B only when asked");
    }

    /** The direct convolution's channel panels: whole tiles, and no last panel of 1 or 2 beside a whole one. */
    @Test
    void convolutionPanelsAvoidALastPanelOfOneOrTwoChannels() {
        int mr = Sgemm.DIRECT_MR;
        assertArrayEquals(new int[] {0, 1}, DirectConvolution.panels(1));
        assertArrayEquals(new int[] {0, mr}, DirectConvolution.panels(mr));
        assertArrayEquals(new int[] {0, mr, 2 * mr}, DirectConvolution.panels(2 * mr));
        if (mr == 6) {
            assertArrayEquals(new int[] {0, 4, 7}, DirectConvolution.panels(7));     // not 6 and 1
            assertArrayEquals(new int[] {0, 6, 10, 14}, DirectConvolution.panels(14));   // not 6, 6 and 2
            assertArrayEquals(new int[] {0, 6, 11}, DirectConvolution.panels(11));
        } else {
            assertArrayEquals(new int[] {0, 4, 7}, DirectConvolution.panels(7));
            assertArrayEquals(new int[] {0, 3, 6}, DirectConvolution.panels(6));
        }
    }

    /**
     * {@link Sgemm#packA} fills exactly {@link Sgemm#packedASize} floats (an array of that size, no larger, takes it),
     * MR-row panels k-major with a short last panel zero-filled, for A row-major, transposed and through general
     * strides, every row count up to three panels: the size every packing buffer is given.
     */
    @Test
    void packingAFillsThePackedSizeExactly() {
        int mr = Sgemm.MR;
        for (int mc = 1; mc <= 3 * mr + 1; mc++) {
            for (int kc : new int[] {1, 5, 17, 64}) {
                int[][] strides = {{kc, 1}, {1, mc}, {2 * kc + 1, 2}};
                for (int[] st : strides) {
                    int rs = st[0], cs = st[1];
                    float[] a = random(mc * rs + kc * cs + 1);
                    float[] ap = new float[Sgemm.packedASize(mc, kc)];
                    java.util.Arrays.fill(ap, Float.NaN);
                    Sgemm.packA(mc, kc, a, 1, rs, cs, ap);
                    for (int i = 0; i < Math.ceilDiv(mc, mr) * mr; i++) {
                        for (int p = 0; p < kc; p++) {
                            float expected = i < mc ? a[1 + i * rs + p * cs] : 0f;
                            assertEquals(expected, ap[i / mr * mr * kc + p * mr + i % mr], mc + " x " + kc
                                    + " rows, strides " + rs + "," + cs + ": row " + i + ", step " + p);
                        }
                    }
                }
            }
        }
    }

    @Test
    void gemmInAllThreeFormsOnOddAndLargeShapes() {
        int[][] shapes = {{1, 1, 1}, {1, 33, 7}, {6, 32, 1}, {7, 13, 5}, {37, 65, 129}, {100, 3, 300},
                {128, 256, 784}, {61, 517, 260}, {300, 40, 17},
                {128, 512, 768},    // B the larger operand: its columns split across the threads
                {400, 390, 100},    // 384 rows and columns or more: packed though its operands fit
                {1, 1536, 384}, {7, 384, 1536}, {12, 1536, 384},    // a few rows against a large B, read in place
                {3, 4099, 130}, {4, 65, 9},   // row by row (NT: dot products), split across threads
                {25_000, 6, 25}, {9_000, 16, 70},   // tall and at most a vector wide: read in place whatever A's size
                {128, 256, 10}, {20, 200, 16}};   // B small: each row tile across all four-vector blocks, then the rest
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            for (String form : new String[] {"NN", "TN", "NT"}) {
                float[] a = random(m * k);
                float[] b = random(k * n);
                // NN: A [m,k] row-major. TN: A stored as [k,m] and read transposed. NT: B stored as [n,k].
                int aRs = form.equals("TN") ? 1 : k;
                int aCs = form.equals("TN") ? m : 1;
                int bRs = form.equals("NT") ? 1 : n;
                int bCs = form.equals("NT") ? k : 1;
                for (boolean accumulate : new boolean[] {false, true}) {
                    float[] c0 = random(m * n);
                    float[] c1 = c0.clone();
                    ref.gemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, c0, 0, n, accumulate);
                    cpu.gemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, c1, 0, n, accumulate);
                    assertClose(c0, c1, 1e-4, form + " " + m + "x" + n + "x" + k + (accumulate ? " +=" : ""));
                }
            }
        }
    }

    /**
     * Both GEMM strategies on the same operands, whichever the dispatcher would pick: the packed
     * one and the in-place one, in all three forms, with ragged rows and columns, a strided view
     * of A (every other column) and accumulation.
     */
    @Test
    void packedAndInPlaceGemmAgreeWithTheReference() {
        int[][] shapes = {{1, 1, 1}, {5, 31, 3}, {6, 32, 9}, {12, 32, 1}, {13, 70, 33}, {37, 65, 129}, {128, 96, 200},
                {300, 40, 17}, {200, 70, 300},   // two blocks of k (6 and 12 rows), chunks of rows ending in a partial tile
                {70, 40, 2100}, {20, 80, 2100},  // two blocks of k for every tile: B shared out, then columns split
                // two blocks of B's columns, the second a partial panel, each packed by both threads
                {1100, 1030, 24},
                // four-vector blocks a row tile at a time, and by columns
                {128, 256, 10}, {20, 200, 16}, {50, 130, 40}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            for (String form : new String[] {"NN", "TN", "NT", "strided A"}) {
                float[] a = random(2 * m * k);
                float[] b = random(k * n);
                int aRs = switch (form) {
                    case "TN" -> 1;
                    case "strided A" -> 2 * k;
                    default -> k;
                };
                int aCs = switch (form) {
                    case "TN" -> m;
                    case "strided A" -> 2;
                    default -> 1;
                };
                int bRs = form.equals("NT") ? 1 : n;
                int bCs = form.equals("NT") ? k : 1;
                for (boolean accumulate : new boolean[] {false, true}) {
                    float[] c0 = random(m * n);
                    float[] packed = c0.clone();
                    float[] direct = c0.clone();
                    ref.gemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, c0, 0, n, accumulate);
                    Sgemm.packed(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, null, packed, 0, n, accumulate);
                    DirectSgemm.gemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, null, direct, 0, n, accumulate);
                    String what = form + " " + m + "x" + n + "x" + k + (accumulate ? " +=" : "");
                    assertClose(c0, packed, 1e-4, "packed " + what);
                    assertClose(c0, direct, 1e-4, "in place " + what);
                }
            }
        }
    }

    /**
     * 2 x 2 max pooling in evaluation: LeNet's planes (28 and 10 wide, shorter than two vectors), odd
     * sizes whose last row and column are left out, a plane too small for any window, enough planes to
     * split across threads, and windows holding NaN, -0 against 0, and infinities. Bit-identical: a
     * maximum does not round.
     */
    @Test
    void maxPoolingOverPairs() {
        int[][] shapes = {{64 * 6, 28, 28}, {64 * 16, 10, 10}, {3, 7, 9}, {2, 1, 1}, {5, 2, 34}, {1, 40, 66}, {700, 12, 12}};
        for (int[] s : shapes) {
            int planes = s[0];
            int h = s[1];
            int w = s[2];
            float[] x = random(planes * h * w);
            x[0] = Float.NaN;
            x[Math.min(3, x.length - 1)] = -0f;
            x[x.length / 2] = Float.NEGATIVE_INFINITY;
            x[x.length - 1] = Float.POSITIVE_INFINITY;
            for (int i = 5; i < x.length; i += 97) {
                x[i] = i % 2 == 0 ? 0f : -0f;
            }
            float[] expected = new float[planes * (h / 2) * (w / 2)];
            float[] actual = random(expected.length);   // stale contents must be overwritten
            ref.maxPool2x2(x, planes, h, w, expected);
            cpu.maxPool2x2(x, planes, h, w, actual);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                        "max pool " + java.util.Arrays.toString(s) + " at " + i + ": reference " + expected[i] + ", cpu "
                                + actual[i]);
            }
        }
        float[] window = {-0f, 0f, Float.NaN, 1f};
        float[] out = new float[1];
        cpu.maxPool2x2(window, 1, 2, 2, out);
        assertTrue(Float.isNaN(out[0]), "a NaN in the window wins");
        cpu.maxPool2x2(new float[] {-0f, -0f, -0f, 0f}, 1, 2, 2, out);
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(out[0]), "0 beats -0");
    }

    /**
     * The gradient of 2 x 2 max pooling against the reference, bit for bit: planes of cnn:7's and LeNet's sizes,
     * odd sizes whose last row and column get 0, a plane too small for any window, enough planes to split across
     * threads; values on a coarse grid, so that many windows hold their maximum twice or more (the first, row by
     * row, takes the gradient), and windows with NaN, -0 against 0 and infinities. Then single windows whose
     * answer is known.
     */
    @Test
    void maxPoolingGradientGoesToTheFirstMaximum() {
        int[][] shapes = {{64 * 7, 28, 28}, {64 * 14, 14, 14}, {64 * 16, 10, 10}, {3, 7, 9}, {2, 1, 1}, {5, 2, 34},
            {1, 40, 66}, {4, 5, 5}, {700, 12, 12}};
        for (int[] s : shapes) {
            int planes = s[0];
            int h = s[1];
            int w = s[2];
            float[] x = random(planes * h * w);
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.round(x[i] * 2) / 2f;   // -1, -0.5, 0, 0.5, 1
            }
            for (int i = 3; i < x.length; i += 11) {
                x[i] = x[i] == 0f ? -0f : x[i];     // -0 beside 0 in some windows
            }
            x[0] = Float.NaN;
            x[Math.min(6, x.length - 1)] = Float.NaN;
            x[x.length / 2] = Float.NEGATIVE_INFINITY;
            x[x.length - 1] = Float.POSITIVE_INFINITY;
            float[] y = new float[planes * (h / 2) * (w / 2)];
            ref.maxPool2x2(x, planes, h, w, y);
            float[] g = random(y.length);
            float[] expected = random(x.length);
            float[] actual = random(x.length);   // stale contents must be overwritten
            ref.maxPool2x2Backward(x, y, g, planes, h, w, expected);
            cpu.maxPool2x2Backward(x, y, g, planes, h, w, actual);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                        "max pool gradient " + java.util.Arrays.toString(s) + " at " + i + ": reference " + expected[i]
                                + ", cpu " + actual[i]);
            }
        }
        float[][] windows = {{1f, 1f, 1f, 1f}, {0f, 2f, 2f, 1f}, {0f, 1f, 2f, 2f}, {-0f, 0f, -1f, -2f},
            {1f, 0f, Float.NaN, 0f}, {1f, Float.NaN, Float.NaN, 0f}, {-1f, -2f, -3f, -1f}};
        int[] winner = {0, 1, 2, 0, 2, 1, 0};
        // Each window alone (2 x 2: AVX-512 takes it in masked vectors, AVX2 leaves it to the reference), and along a
        // plane 2 x 16 wide, which its vector kernel takes.
        for (Backend b : new Backend[] {ref, cpu}) {
            for (int width : new int[] {2, 16}) {
                for (int t = 0; t < windows.length; t++) {
                    float[] x = new float[2 * width];
                    for (int j = 0; j < width; j += 2) {
                        x[j] = windows[t][0];
                        x[j + 1] = windows[t][1];
                        x[width + j] = windows[t][2];
                        x[width + j + 1] = windows[t][3];
                    }
                    float[] y = new float[width / 2];
                    b.maxPool2x2(x, 1, 2, width, y);
                    float[] dx = new float[x.length];
                    java.util.Arrays.fill(dx, 9f);
                    float[] g = new float[width / 2];
                    java.util.Arrays.fill(g, 5f);
                    b.maxPool2x2Backward(x, y, g, 1, 2, width, dx);
                    float[] want = new float[x.length];
                    for (int j = 0; j < width; j += 2) {
                        int at = winner[t] / 2 * width + winner[t] % 2;
                        want[at + j] = 5f;
                    }
                    assertArrayEquals(want, dx, 0f, b.getClass().getSimpleName() + ", width " + width + ", window "
                            + java.util.Arrays.toString(windows[t]));
                }
            }
        }
    }

    @Test
    void columnSumsOnNarrowWideAndLongBlocks() {
        int[][] shapes = {{1, 1}, {3, 7}, {768, 512}, {1000, 70}, {300, 129}};
        for (int[] s : shapes) {
            int rows = s[0];
            int cols = s[1];
            float[] x = random(5 + rows * cols);
            float[] expected = new float[cols];
            float[] actual = new float[cols];
            ref.sumColumns(x, 5, rows, cols, expected);
            cpu.sumColumns(x, 5, rows, cols, actual);
            assertClose(expected, actual, 1e-5, "column sums " + rows + "x" + cols);
        }
    }

    /** Layer norm forward and backward against the reference: widths that are and are not whole vectors, with and without affine parameters, rows split across workers. */
    @Test
    void layerNormForwardAndBackward() {
        int[][] shapes = {{5, 37}, {768, 128}, {300, 129}};
        for (int[] s : shapes) {
            int rows = s[0];
            int width = s[1];
            for (boolean affine : new boolean[] {true, false}) {
                float[] x = random(rows * width);
                float[] w = affine ? random(width) : null;
                float[] b = affine ? random(width) : null;
                float[][] outs = new float[2][];
                float[][] means = new float[2][];
                float[][] inv = new float[2][];
                float[][] dxs = new float[2][];
                float[][] dws = new float[2][];
                float[][] dbs = new float[2][];
                float[] dy = random(rows * width);
                dev.backprop.backend.Backend[] backends = {ref, cpu};
                for (int i = 0; i < 2; i++) {
                    outs[i] = new float[rows * width];
                    means[i] = new float[rows];
                    inv[i] = new float[rows];
                    backends[i].layerNorm(x, rows, width, w, b, 1e-5f, outs[i], means[i], inv[i]);
                    dxs[i] = new float[rows * width];
                    dws[i] = new float[width];
                    dbs[i] = new float[width];
                    backends[i].layerNormBackward(dy, x, means[0], inv[0], w, rows, width, dxs[i], dws[i], dbs[i]);
                }
                String what = rows + "x" + width + (affine ? " affine" : "");
                assertClose(outs[0], outs[1], 1e-5, "layer norm " + what);
                assertClose(means[0], means[1], 1e-5, "layer norm mean " + what);
                assertClose(inv[0], inv[1], 1e-5, "layer norm 1/std " + what);
                assertClose(dxs[0], dxs[1], 1e-4, "layer norm dx " + what);
                assertClose(dws[0], dws[1], 1e-4, "layer norm dweight " + what);
                assertClose(dbs[0], dbs[1], 1e-4, "layer norm dbias " + what);
            }
        }
    }

    /** The target class of row 3 in {@link #softmaxCrossEntropyForwardAndBackward}. */
    private static int maskedRowTarget(int classes) {
        return classes / 3;
    }

    /** Sums of squares: short, block-sized and split lengths, an offset, and a value large enough that float32 squares overflow. */
    @Test
    void sumsOfSquaresAgainstTheDoubleLoop() {
        for (int n : new int[] {0, 1, 15, 1024, 1025, 49_152, 100_003}) {
            float[] x = random(n + 3);
            double expected = ref.sumOfSquares(x, 3, n);
            double actual = cpu.sumOfSquares(x, 3, n);
            assertEquals(expected, actual, 1e-6 * (1 + expected), "n = " + n);
            if (n > 0) {
                assertEquals(ref.sumOfSquares(x, 0, n), cpu.sumOfSquares(x, 0, n), 1e-6 * (1 + expected), "offset 0, n = " + n);
            }
        }
        float[] big = {3e19f, 4e19f};
        assertEquals(Double.POSITIVE_INFINITY, ref.sumOfSquares(big, 0, 2), "float32 squares overflow, as square() does");
        assertEquals(Double.POSITIVE_INFINITY, cpu.sumOfSquares(big, 0, 2), "float32 squares overflow, as square() does");
    }

    /**
     * Softmax cross-entropy both ways against the reference: class counts under, at and over whole vectors (the
     * GPT's 65), rows split across the workers, label smoothing, rows whose logits are large, and a NaN row. Rows of
     * fewer classes than a vector's lanes go a float at a time (the MNIST classifier's 128 x 10 with 16 lanes); 16
     * classes are one whole vector with AVX-512 and two with AVX2.
     */
    @Test
    void softmaxCrossEntropyForwardAndBackward() {
        int[][] shapes = {{3, 5}, {7, 8}, {128, 10}, {37, 16}, {768, 65}, {40, 1000}, {1, 1}};
        for (int[] s : shapes) {
            int rows = s[0];
            int classes = s[1];
            for (float smoothing : new float[] {0f, 0.1f}) {
                float[] x = random(rows * classes);
                for (int i = 0; i < x.length; i++) {
                    x[i] *= 8;
                }
                if (rows > 2) {
                    for (int j = 0; j < classes; j++) {
                        x[classes + j] += 1000f;   // a row far from zero: the maximum keeps exp finite
                    }
                    x[2 * classes + classes / 2] = Float.NaN;
                }
                if (rows > 3 && classes > 1) {
                    x[3 * classes + (maskedRowTarget(classes) + 1) % classes] = Float.NEGATIVE_INFINITY;   // a masked class
                }
                int[] targets = new int[rows];
                float[] dLoss = random(rows);
                for (int r = 0; r < rows; r++) {
                    targets[r] = r == 3 ? maskedRowTarget(classes) : random.nextInt(classes);
                }
                float[][] p = new float[2][rows * classes];
                float[][] loss = new float[2][rows];
                float[][] dx = new float[2][rows * classes];
                Backend[] backends = {ref, cpu};
                for (int i = 0; i < 2; i++) {
                    backends[i].softmaxCrossEntropy(x, rows, classes, targets, smoothing, p[i], loss[i]);
                    backends[i].softmaxCrossEntropyBackward(p[0], rows, classes, targets, smoothing, dLoss, dx[i]);
                }
                String what = rows + "x" + classes + " smoothing " + smoothing;
                assertClose(p[0], p[1], 1e-6, "probabilities " + what);
                assertClose(loss[0], loss[1], 1e-5, "loss " + what);
                assertArrayEquals(dx[0], dx[1], "gradient " + what + ": the same formula on the same probabilities");
                if (rows > 2) {
                    assertTrue(Float.isNaN(loss[1][2]) && Float.isNaN(p[1][2 * classes]), "a NaN logit makes its row NaN");
                    assertTrue(Float.isFinite(loss[1][1]), "a row of logits near 1000 has a finite loss: " + loss[1][1]);
                }
                if (rows > 3 && classes > 1) {
                    assertEquals(smoothing == 0f, Float.isFinite(loss[0][3]), "a masked class: finite without smoothing");
                    assertEquals(smoothing == 0f, Float.isFinite(loss[1][3]), "a masked class: finite without smoothing");
                }
            }
        }
    }

    /** Batch norm forward and backward against the reference: spatial sizes that are and are not whole vectors, feature rows (inner 1), with and without affine parameters, a large mean, channels split across workers. */
    @Test
    void batchNormForwardAndBackward() {
        int[][] shapes = {{4, 3, 37}, {64, 32, 196}, {128, 300, 1}, {2, 5, 16}};
        for (int[] s : shapes) {
            int n = s[0];
            int c = s[1];
            int inner = s[2];
            for (boolean affine : new boolean[] {true, false}) {
                float[] x = random(n * c * inner);
                if (!affine) {
                    for (int i = 0; i < x.length; i++) {
                        x[i] += 50;   // a large mean, which a subtraction in the wrong place would lose
                    }
                }
                float[] w = affine ? random(c) : null;
                float[] b = affine ? random(c) : null;
                float[] dy = random(n * c * inner);
                float[][] outs = new float[2][n * c * inner];
                float[][] means = new float[2][c];
                float[][] vars = new float[2][c];
                float[][] inv = new float[2][c];
                float[][] dxs = new float[2][n * c * inner];
                float[][] dws = new float[2][c];
                float[][] dbs = new float[2][c];
                float[][] evals = new float[2][n * c * inner];
                dev.backprop.backend.Backend[] backends = {ref, cpu};
                for (int i = 0; i < 2; i++) {
                    backends[i].batchNorm(x, n, c, inner, w, b, 1e-5f, false, outs[i], means[i], vars[i], inv[i]);
                    backends[i].batchNormBackward(dy, x, means[0], inv[0], w, b, false, n, c, inner, dxs[i], dws[i],
                            dbs[i]);
                    assertBatchNormReluIsTheTwoOps(backends[i], x, n, c, inner, w, b, dy, outs[i], means[i], inv[i]);
                    // Evaluation with the batch's own statistics normalises exactly as training did.
                    backends[i].batchNormInference(x, n, c, inner, means[0], vars[0], w, b, 1e-5f, evals[i]);
                }
                String what = n + "x" + c + "x" + inner + (affine ? " affine" : "");
                assertClose(outs[0], outs[1], 1e-4, "batch norm " + what);
                assertClose(outs[0], evals[0], 1e-4, "batch norm with fixed statistics, reference, " + what);
                assertClose(evals[0], evals[1], 1e-4, "batch norm with fixed statistics " + what);
                assertClose(means[0], means[1], 1e-5, "batch norm mean " + what);
                assertClose(vars[0], vars[1], 1e-4, "batch norm variance " + what);
                assertClose(inv[0], inv[1], 1e-4, "batch norm 1/std " + what);
                assertClose(dxs[0], dxs[1], 1e-4, "batch norm dx " + what);
                assertClose(dws[0], dws[1], 1e-4, "batch norm dweight " + what);
                assertClose(dbs[0], dbs[1], 1e-4, "batch norm dbias " + what);
            }
        }
    }

    /**
     * Batch norm with ReLU in one op is, on each backend, bit for bit batch norm and then that
     * backend's ReLU: forward, and backward against dy passed where the plain output was above 0.
     */
    private static void assertBatchNormReluIsTheTwoOps(dev.backprop.backend.Backend k, float[] x, int n, int c,
                                                       int inner, float[] w, float[] b, float[] dy, float[] plain,
                                                       float[] mean, float[] invStd) {
        int size = x.length;
        Layout all = Layout.contiguous(new int[] {size});
        float[] relu = new float[size];
        k.map(UnaryOp.RELU, 0f, 0f, plain, all, relu);
        float[] fused = new float[size];
        k.batchNorm(x, n, c, inner, w, b, 1e-5f, true, fused, new float[c], new float[c], new float[c]);
        String what = k.getClass().getSimpleName() + " " + n + "x" + c + "x" + inner + (w != null ? " affine" : "");
        org.junit.jupiter.api.Assertions.assertArrayEquals(relu, fused, "batch norm + relu forward, " + what);
        float[] passed = new float[size];
        k.zip(BinaryOp.PASS_IF_POSITIVE, dy, all, plain, all, passed);
        float[][] twoOps = {new float[size], new float[c], new float[c]};
        float[][] oneOp = {new float[size], new float[c], new float[c]};
        k.batchNormBackward(passed, x, mean, invStd, w, b, false, n, c, inner, twoOps[0], twoOps[1], twoOps[2]);
        k.batchNormBackward(dy, x, mean, invStd, w, b, true, n, c, inner, oneOp[0], oneOp[1], oneOp[2]);
        for (int i = 0; i < 3; i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(twoOps[i], oneOp[i],
                    "batch norm + relu backward (" + new String[] {"dx", "dweight", "dbias"}[i] + "), " + what);
        }
    }

    /** A dense layer's product with its bias: in place (full and ragged panels and rows) and packed, for every shape. */
    @Test
    void gemmWithABiasOnEveryRow() {
        int[][] shapes = {{1, 1, 1}, {2, 37, 19}, {5, 31, 3}, {13, 70, 33}, {768, 128, 512}, {600, 700, 900}, {4, 9, 0},
                {200, 10, 64},   // one narrow panel, many rows: the one-vector tile and its bias
                // four-vector blocks by columns and a row tile at a time, with the rest
                {50, 130, 40}, {20, 200, 16}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            for (String form : new String[] {"NN", "NT"}) {
                float[] a = random(m * k);
                float[] b = random(k * n);
                float[] bias = random(n);
                int bRs = form.equals("NT") ? 1 : n;
                int bCs = form.equals("NT") ? k : 1;
                float[] c0 = random(m * (n + 3));
                float[] c1 = c0.clone();
                ref.gemmBias(m, n, k, a, 0, k, 1, b, 0, bRs, bCs, bias, c0, 0, n + 3);
                cpu.gemmBias(m, n, k, a, 0, k, 1, b, 0, bRs, bCs, bias, c1, 0, n + 3);
                assertClose(c0, c1, 1e-4, "bias " + form + " " + m + "x" + n + "x" + k);
                if (k > 0) {
                    // The packed algorithm's tiles start from the bias, whichever algorithm the shape gets.
                    float[] c2 = c1.clone();
                    Sgemm.packed(m, n, k, a, 0, k, 1, b, 0, bRs, bCs, bias, c2, 0, n + 3, false);
                    assertClose(c0, c2, 1e-4, "bias, packed " + form + " " + m + "x" + n + "x" + k);
                }
            }
        }
    }

    /**
     * Products with a packed B against the reference's plain loops: one to four rows (two panels at a
     * time, an odd panel left, a partial last panel) and more (the 6-row tile or Sgemm's, edge rows), a B read
     * as {@code W^T} and as row-major, with and without a bias, A and C at offsets, C wider than n;
     * the split across threads (from 16K floats of B) for one row and for many, by B's panels (a row panel or
     * two, and the MLP's batch of 64 with its 11 row tiles and 4 panels) and by row panels (one panel, 34 row
     * tiles); k of 0.
     */
    @Test
    void gemmWithAPackedMatrix() {
        // {m, n, k}
        int[][] shapes = {{1, 1, 1}, {1, 65, 128}, {3, 384, 128}, {4, 97, 33}, {2, 2 * 32, 7}, {5, 31, 3}, {13, 70, 33},
            {32, 512, 128}, {64, 128, 512}, {7, 384, 128}, {20, 256, 96}, {200, 20, 64}, {1, 4, 0}, {7, 40, 0}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            for (boolean transposed : new boolean[] {false, true}) {
                for (boolean withBias : new boolean[] {false, true}) {
                    float[] a = random(5 + m * (k + 2));
                    float[] b = random(3 + k * n);
                    float[] bias = withBias ? random(n) : null;
                    int bRs = transposed ? 1 : n;
                    int bCs = transposed ? k : 1;
                    float[] c0 = random(7 + m * (n + 4));
                    float[] c1 = c0.clone();
                    var refPacked = ref.pack(k, n, b, 3, bRs, bCs);
                    var cpuPacked = cpu.pack(k, n, b, 3, bRs, bCs);
                    ref.gemmPacked(m, a, 5, k + 2, refPacked, bias, c0, 7, n + 4);
                    cpu.gemmPacked(m, a, 5, k + 2, cpuPacked, bias, c1, 7, n + 4);
                    float[] plain = c0.clone();
                    if (bias == null) {
                        ref.gemm(m, n, k, a, 5, k + 2, 1, b, 3, bRs, bCs, plain, 7, n + 4, false);
                    } else {
                        ref.gemmBias(m, n, k, a, 5, k + 2, 1, b, 3, bRs, bCs, bias, plain, 7, n + 4);
                    }
                    String what = "packed " + m + "x" + n + "x" + k + (transposed ? " W^T" : "") + (withBias ? " with bias" : "");
                    assertClose(plain, c0, 1e-5, what + ", reference");
                    assertClose(c0, c1, 1e-4, what);
                }
            }
        }
        var foreign = ref.pack(2, 2, new float[4], 0, 2, 1);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> cpu.gemmPacked(1, new float[2], 0, 2, foreign, null, new float[2], 0, 2));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("packed by another backend"), e.getMessage());
    }

    @Test
    void gemmWithOffsetsAndALeadingDimension() {
        int m = 9;
        int n = 35;
        int k = 20;
        float[] a = random(5 + m * k);
        float[] b = random(3 + k * n);
        float[] c0 = random(7 + m * (n + 4));
        float[] packed = c0.clone();
        float[] direct = c0.clone();
        ref.gemm(m, n, k, a, 5, k, 1, b, 3, n, 1, c0, 7, n + 4, true);
        Sgemm.packed(m, n, k, a, 5, k, 1, b, 3, n, 1, null, packed, 7, n + 4, true);
        DirectSgemm.gemm(m, n, k, a, 5, k, 1, b, 3, n, 1, null, direct, 7, n + 4, true);
        assertClose(c0, packed, 1e-4, "offsets, packed");
        assertClose(c0, direct, 1e-4, "offsets, in place");
    }

    /**
     * The fused attention kernel against the reference, forward and backward: packed QKV rows read
     * in place, heads of width 32 and 20 (a partial vector), more keys than queries, a key count
     * that is not a whole number of vectors, causal and padding masks, a sequence that is all padding,
     * one to five query rows (the path a generated token takes); each right after a call on NaNs of the
     * same geometry, whose scratch the kernel's threads keep.
     */
    @Test
    void fusedAttentionMatchesTheReference() {
        // {batch, heads, queries, keys, dim}
        // The last three take forward's row-by-row path for a few queries (a generated token's), the
        // last with enough work to split its problems across the threads.
        int[][] shapes = {{2, 4, 64, 64, 32}, {3, 2, 5, 37, 20}, {2, 2, 100, 100, 16}, {1, 2, 70, 90, 24},
            {1, 1, 1, 17, 16}, {2, 3, 3, 29, 20}, {1, 4, 2, 70, 32}, {4, 8, 1, 300, 32}};
        for (int[] sh : shapes) {
            int b = sh[0];
            int h = sh[1];
            int lq = sh[2];
            int lk = sh[3];
            int d = sh[4];
            int width = h * d;
            // q from a [B, Lq, H*D] buffer; k and v side by side in one [B, Lk, 2*H*D] buffer.
            float[] q = random(b * lq * width);
            float[] kv = random(b * lk * 2 * width);
            Layout lqLayout = new Layout(new int[] {b, h, lq, d}, new int[] {lq * width, d, width, 1}, 0);
            Layout lkLayout = new Layout(new int[] {b, h, lk, d}, new int[] {lk * 2 * width, d, 2 * width, 1}, 0);
            Layout lvLayout = new Layout(new int[] {b, h, lk, d}, new int[] {lk * 2 * width, d, 2 * width, 1}, width);
            float[] padding = new float[b * lk];
            for (int j = lk / 2; j < lk; j++) {
                padding[j] = 1;
            }
            java.util.Arrays.fill(padding, (b - 1) * lk, b * lk, b > 1 ? 1 : 0);
            for (boolean causal : new boolean[] {false, true}) {
                for (float[] mask : new float[][] {null, padding}) {
                    for (boolean likeInputs : new boolean[] {false, true}) {
                        var g = new dev.backprop.backend.AttentionGeometry(b, h, lq, lk, d, (float) (1 / Math.sqrt(d)), causal,
                                lqLayout, lkLayout, lvLayout, likeInputs);
                        String what = java.util.Arrays.toString(sh) + (causal ? " causal" : "") + (mask != null ? " padded" : "")
                                + (likeInputs ? " gradients in the inputs' layout" : "");
                        float[][] ref0 = runAttention(ref, g, q, kv, mask, false);
                        // A call on NaNs first: the threads keep their scratch for the next call of this
                        // geometry, and nothing of the last call's may reach this one's results.
                        runAttention(cpu, g, nans(q.length), nans(kv.length), mask, false);
                        float[][] cpu0 = runAttention(cpu, g, q, kv, mask, false);
                        // The probabilities kept from forward for backward, where the CPU keeps them (forward's
                        // own, normalised by their sum, rather than recomputed from the log-sum-exp: the last bit may
                        // differ).
                        float[][] kept = runAttention(cpu, g, q, kv, mask, true);
                        String[] names = {"out", "logsumexp", "dq", "dk", "dv"};
                        for (int i = 0; i < names.length; i++) {
                            assertClose(ref0[i], cpu0[i], 1e-5, what + " " + names[i]);
                            assertClose(ref0[i], kept[i], 1e-5, what + " " + names[i] + ", probabilities kept");
                        }
                    }
                }
            }
        }
    }

    /** The CPU keeps the probabilities of small calls (the GPT recipe's), not of large ones or of a few query rows. */
    @Test
    void attentionKeepsTheProbabilitiesOfSmallCallsOnly() {
        int width = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        assertEquals(12 * 4 * 64 * 64, cpu.attentionProbabilities(selfAttention(12, 4, 64, 32)), "the GPT recipe's");
        assertEquals(2 * 3 * 70 * Math.ceilDiv(70, width) * width,
                cpu.attentionProbabilities(selfAttention(2, 3, 70, 16)), "rows padded to whole vectors");
        assertEquals(0, cpu.attentionProbabilities(selfAttention(16, 12, 128, 32)), "MiniLM's batch of 16: recomputed");
        assertEquals(0, cpu.attentionProbabilities(selfAttention(1, 4, 4, 32)), "four query rows: row by row");
        assertEquals(0, ref.attentionProbabilities(selfAttention(12, 4, 64, 32)), "the reference recomputes");
    }

    private static dev.backprop.backend.AttentionGeometry selfAttention(int b, int h, int t, int d) {
        Layout l = Layout.contiguous(new int[] {b, h, t, d});
        return new dev.backprop.backend.AttentionGeometry(b, h, t, t, d, 0.5f, true, l, l, l);
    }

    private static float[] nans(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, Float.NaN);
        return v;
    }

    /**
     * Forward and backward; with {@code keep}, the probabilities kept between them where the backend keeps them, in
     * an array of NaNs, so that an entry backward reads and forward did not write shows.
     */
    private float[][] runAttention(dev.backprop.backend.Backend backend, dev.backprop.backend.AttentionGeometry g,
                                   float[] q, float[] kv, float[] mask, boolean keep) {
        int outSize = g.batch() * g.queries() * g.heads() * g.dim();
        int kvSize = g.batch() * g.keys() * g.heads() * g.dim();
        float[] out = new float[outSize];
        float[] lse = new float[g.batch() * g.heads() * g.queries()];
        int keptSize = keep ? backend.attentionProbabilities(g) : 0;
        float[] kept = keptSize == 0 ? null : nans(keptSize);
        backend.attention(g, q, kv, kv, mask, out, lse, kept);
        float[] dOut = new float[outSize];
        for (int i = 0; i < outSize; i++) {
            dOut[i] = (float) Math.sin(i * 0.37);
        }
        // The gradients' arrays hold NaNs on entry: the backend must write every entry (a query that sees no key and a
        // key no query sees get zeros), as the autograd op hands it uncleared arrays.
        float[] dq = nans(outSize);
        // Like the inputs: K's and V's gradients interleaved in one array, as K and V are.
        float[] dk = nans(g.gradientsLikeInputs() ? kv.length : kvSize);
        float[] dv = g.gradientsLikeInputs() ? dk : nans(kvSize);
        backend.attentionBackward(g, q, kv, kv, mask, out, lse, kept, dOut, dq, dk, dv);
        boolean finiteInputs = !Float.isNaN(q[0]);   // inputs of NaN give NaN gradients
        for (float[] grad : finiteInputs ? new float[][] {dq, dk, dv} : new float[0][]) {
            for (int i = 0; i < grad.length; i++) {
                if (Float.isNaN(grad[i])) {
                    fail(backend.getClass().getSimpleName() + " left entry " + i + " of a gradient unwritten");
                }
            }
        }
        // Rows that see no key have a log-sum-exp of -inf; a finite stand-in lets assertClose compare them.
        for (int i = 0; i < lse.length; i++) {
            lse[i] = lse[i] == Float.NEGATIVE_INFINITY ? -1e30f : lse[i];
        }
        return new float[][] {out, lse, dq, dk, dv};
    }

    /**
     * The vectorised transcendental functions against the reference's double-precision ones over
     * their whole range, including tails, signed zeros, infinities and NaN: a relative error of
     * 2e-6 (a few float32 ulps), growing in the tails with the size of the exponent behind the value
     * (a float32 argument of -50 to exp carries an error of 4e-6); or a given absolute one.
     */
    @Test
    void transcendentalKernelsOverTheirRange() {
        int n = 4096 + 7;
        float[] x = new float[n];
        for (int i = 0; i < n - 7; i++) {
            x[i] = (float) (-40 + 80.0 * i / (n - 8));
        }
        float[] special = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-30f, -88.5f};
        System.arraycopy(special, 0, x, n - 7, 7);
        Layout l = Layout.contiguous(new int[] {n});
        for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.SILU, UnaryOp.GELU,
                                         UnaryOp.GELU_TANH}) {
            float[][] r = mapBoth(op, 0, 0, x, l, n);
            assertRelative(x, r[0], r[1], op.toString(), 1e-30);
        }
        float[] positive = new float[n];
        for (int i = 0; i < n; i++) {
            positive[i] = (float) Math.pow(10, -30 + 60.0 * i / n);
        }
        float[] r0 = new float[n];
        float[] r1 = new float[n];
        ref.map(UnaryOp.LOG, 0, 0, positive, l, r0);
        cpu.map(UnaryOp.LOG, 0, 0, positive, l, r1);
        assertRelative(positive, r0, r1, "LOG", 1e-30);
        for (UnaryOp op : new UnaryOp[] {UnaryOp.GELU, UnaryOp.GELU_TANH}) {
            float[] d0 = new float[n];
            float[] d1 = new float[n];
            ref.mapWithDerivative(op, x, l, r0, d0);
            cpu.mapWithDerivative(op, x, l, r1, d1);
            assertRelative(x, r0, r1, op + " with derivative", 1e-30);
            // GELU' = Phi(x) + x phi(x) passes through zero near x = -0.75 by cancellation of terms
            // near 0.2: there the error is absolute, a float32 ulp of those terms.
            assertRelative(x, d0, d1, op + "'", 1e-7);
        }
    }

    /**
     * {@code addRows} (an embedding table's gradient) against the reference's loop, bit for bit: repeated rows, widths
     * under, at and past a vector, and sizes on one thread and split across the workers.
     */
    @Test
    void addRowsMatchesTheReferenceBitForBit() {
        SplittableRandom r = new SplittableRandom(7);
        int[][] cases = {{10, 1, 3}, {50, 15, 7}, {40, 16, 5}, {300, 37, 11}, {768, 128, 65}, {2000, 300, 9}};
        for (int[] c : cases) {
            int n = c[0];
            int width = c[1];
            int table = c[2];
            int[] rows = new int[n];
            float[] src = new float[n * width];
            float[] start = new float[table * width];
            for (int i = 0; i < n; i++) {
                rows[i] = r.nextInt(table);
            }
            for (int i = 0; i < src.length; i++) {
                src[i] = (float) r.nextDouble(-3, 3);
            }
            for (int i = 0; i < start.length; i++) {
                start[i] = (float) r.nextDouble(-1, 1);
            }
            float[] expected = start.clone();
            float[] actual = start.clone();
            ref.addRows(expected, rows, src, width);
            cpu.addRows(actual, rows, src, width);
            assertArrayEquals(expected, actual, "addRows of " + n + " rows of " + width + " into " + table);
        }
    }

    /**
     * {@code bytesToFloats} (a dataset's pixels decoded) against the reference's loop, bit for bit: every byte value,
     * divisors whose quotients round, overflow to infinity or fall below the normal floats, runs shorter than a vector,
     * with a tail, at odd offsets.
     */
    @Test
    void bytesToFloatsMatchesTheReferenceBitForBit() {
        SplittableRandom r = new SplittableRandom(11);
        byte[] src = new byte[1200];
        for (int i = 0; i < 256; i++) {
            src[i] = (byte) i;
        }
        for (int i = 256; i < src.length; i++) {
            src[i] = (byte) r.nextInt(256);
        }
        float[] divisors = {255f, 1f, 3f, 0.1f, -7.5f, 1e-30f, 3e38f, Float.MIN_VALUE, 6.02e23f};
        int[][] runs = {{0, 256}, {0, 0}, {5, 3}, {1, 17}, {3, 784}, {256, 944}, {7, 255}};
        for (float divisor : divisors) {
            for (int[] run : runs) {
                float[] expected = new float[run[1] + 9];
                float[] actual = new float[run[1] + 9];
                java.util.Arrays.fill(expected, -1f);
                java.util.Arrays.fill(actual, -1f);
                ref.bytesToFloats(src, run[0], divisor, expected, 2, run[1]);
                cpu.bytesToFloats(src, run[0], divisor, actual, 2, run[1]);
                assertArrayEquals(expected, actual, run[1] + " bytes from " + run[0] + " divided by " + divisor);
            }
        }
        float[] all = new float[256];
        cpu.bytesToFloats(src, 0, 255f, all, 0, 256);
        assertEquals(0f, all[0]);
        assertEquals(1f, all[255]);
        assertEquals(128 / 255f, all[128]);
    }

    /**
     * GELU and its derivative against the true function (an erfc in double precision by its power series below 2 and
     * its continued fraction above, independent of the reference's fitted form), from -20 to 20 and densely where
     * training puts most activations: each value within 8 float32 ulps, and each derivative within 8 ulps of the
     * larger of its two terms {@code Phi(x)} and {@code x phi(x)} (they cancel near x = -0.75), down to 1e-30 (below
     * x = -11.7 the tail's factors approach the subnormal floats and lose bits). The kernel's worst were 6 and 5 ulps
     * when this was written; the test failed with the low part of x^2 left out of the density, and with the tail
     * polynomial's constant term cut to 0.28208. The value alone is also the same bits as with the derivative.
     */
    @Test
    void geluWithinUlpsOfTheTrueFunction() {
        int n = 400_000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 2 == 0 ? (float) (-20 + 40.0 * i / n) : (float) (-4 + 8.0 * i / n);
        }
        float[] value = new float[n];
        float[] derivative = new float[n];
        cpu.mapWithDerivative(UnaryOp.GELU, x, Layout.contiguous(new int[] {n}), value, derivative);
        float[] alone = new float[n];
        cpu.map(UnaryOp.GELU, 0f, 0f, x, Layout.contiguous(new int[] {n}), alone);
        assertArrayEquals(value, alone, "GELU's value with and without its derivative");
        for (int i = 0; i < n; i++) {
            double xi = x[i];
            double cdf = 0.5 * trueErfc(-xi / Math.sqrt(2));
            double density = xi * Math.exp(-0.5 * xi * xi) / Math.sqrt(2 * Math.PI);
            double v = xi * cdf;
            if (Math.abs(v) >= 1e-30) {
                assertTrue(Math.abs(value[i] - v) <= 8 * Math.ulp((float) v),
                        "GELU(" + x[i] + ") = " + value[i] + ", true " + v);
            }
            double larger = Math.max(Math.abs(cdf), Math.abs(density));
            if (larger >= 1e-30) {
                assertTrue(Math.abs(derivative[i] - (cdf + density)) <= 8 * Math.ulp((float) larger),
                        "GELU'(" + x[i] + ") = " + derivative[i] + ", true " + (cdf + density));
            }
        }
    }

    /** erfc in double: 1 - the power series of erf below 2, the continued fraction from 2. */
    private static double trueErfc(double x) {
        if (x < 0) {
            return 2 - trueErfc(-x);
        }
        if (x < 2) {
            double sum = x;
            double term = x;
            for (int k = 1; k < 100; k++) {
                term *= -x * x / k;
                sum += term / (2 * k + 1);
            }
            return 1 - 2 / Math.sqrt(Math.PI) * sum;
        }
        double f = 0;
        for (int k = 400; k >= 1; k--) {
            f = k / 2.0 / (x + f);
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
    }

    /**
     * exp where its results underflow, arguments from -120 to -80 and -infinity interleaved with ordinary ones in
     * every vector (as a masked row of attention scores has them): +0 at or below -104, where the kernel sets the
     * lanes rather than computing them, and the subnormal results between -104 and -87.3 within one subnormal unit
     * (2^-149) of the reference's.
     */
    @Test
    void expUnderflowsToZeroAndThroughTheSubnormals() {
        int n = 4096;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 3 == 0 ? (float) (i % 7 - 3)
                    : i % 5 == 0 ? Float.NEGATIVE_INFINITY
                    : (float) (-120 + 40.0 * i / n);
        }
        x[1] = -104f;
        x[2] = -103.5f;
        x[4] = -103f;
        float[][] r = mapBoth(UnaryOp.EXP, 0, 0, x, Layout.contiguous(new int[] {n}), n);
        int subnormal = 0;
        for (int i = 0; i < n; i++) {
            if (x[i] <= -104f) {
                assertEquals(0, Float.floatToRawIntBits(r[1][i]), "exp(" + x[i] + ") must be +0, got " + r[1][i]);
            } else {
                assertEquals(r[0][i], r[1][i], Math.max(Float.MIN_VALUE, 4e-6 * r[0][i]), "exp(" + x[i] + ")");
            }
            if (r[1][i] != 0f && r[1][i] < Float.MIN_NORMAL) {
                subnormal++;
            }
        }
        assertTrue(subnormal > 300, "the arguments should reach the subnormal results, " + subnormal + " did");
        assertTrue(r[1][2] > 0f && r[1][4] > 0f,
                "just above -104 e^x is among the smallest subnormals: " + r[1][2] + ", " + r[1][4]);
    }

    /**
     * The one-float exp (the tails of rows too narrow for a vector, as a classifier's ten logits) gives a vector lane's
     * bits for every argument: ordinary ones, the clamp at 89 and infinity, the underflow to +0 at and below -104, the
     * subnormal results above it, zero, -infinity and NaN.
     */
    @Test
    void oneFloatExpGivesTheVectorLanesBits() {
        float[] special = {0f, -0f, 1f, -1f, 88.5f, 89f, 89.5f, 200f, Float.POSITIVE_INFINITY, -87.3f, -90f, -103.9f,
            -104f, -104.1f, -150f, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f};
        int v = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        int n = (special.length + 4096 + v - 1) / v * v;
        float[] x = new float[n];
        System.arraycopy(special, 0, x, 0, special.length);
        for (int i = special.length; i < n; i++) {
            x[i] = (float) (-110 + 200.0 * random.nextDouble());
        }
        float[] lanes = new float[n];
        VectorMath.exp(x, 0, lanes, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(lanes[i]), Float.floatToRawIntBits(VectorMath.exp(x[i])),
                    "exp(" + x[i] + "): lane " + lanes[i] + ", one float " + VectorMath.exp(x[i]));
        }
    }

    private static void assertRelative(float[] x, float[] expected, float[] actual, String what, double absolute) {
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            boolean same = expected[i] == actual[i] || Float.isNaN(expected[i]) && Float.isNaN(actual[i]);
            double relative = 2e-6 * Math.max(1, Math.abs(Math.log(Math.abs(expected[i]))) / 4);
            assertTrue(same || err <= relative * Math.abs(expected[i]) || err <= absolute,
                    what + "(" + x[i] + "): reference " + expected[i] + ", cpu " + actual[i]);
        }
    }

    @Test
    void elementwiseAndReductions() {
        for (int n : new int[] {1, 15, 16, 17, 100, 1023, 100_003, 300_007}) {   // the last split across workers
            float[] x = random(n + 3);
            float[] y = random(n + 3);
            Layout l = new Layout(new int[] {n}, new int[] {1}, 3);
            for (UnaryOp op : UnaryOp.values()) {
                float[][] r = mapBoth(op, 0.3f, 0.7f, x, l, n);
                assertClose(r[0], r[1], 1e-6, op + " n=" + n);
            }
            for (BinaryOp op : BinaryOp.values()) {
                float[][] r = zipBoth(op, x, l, y, l, n);
                assertClose(r[0], r[1], 1e-6, op + " n=" + n);
            }
            for (ReduceOp op : ReduceOp.values()) {
                float[] r0 = new float[1];
                float[] r1 = new float[1];
                float[] contiguous = java.util.Arrays.copyOfRange(x, 3, 3 + n);
                ref.reduceRows(op, contiguous, 1, n, r0);
                cpu.reduceRows(op, contiguous, 1, n, r1);
                assertClose(r0, r1, 1e-5, op + " n=" + n);
            }
        }
    }

    /**
     * Many rows at once (a convolution's bias gradient: LeNet's first layer, 6 channels of 128 images, 784
     * positions each), split across the workers: each row's sum, maximum and minimum is the one a row alone
     * gets, bit for bit, and the reference's within rounding.
     */
    @Test
    void rowReductionsSplitAcrossTheWorkers() {
        int rows = 768;
        int cols = 784;
        float[] x = random(rows * cols);
        for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN}) {
            float[] all = random(rows);
            cpu.reduceRows(op, x, rows, cols, all);
            float[] expected = new float[rows];
            ref.reduceRows(op, x, rows, cols, expected);
            assertClose(expected, all, 1e-5, op + " of " + rows + " rows");
            float[] one = new float[1];
            for (int r = 0; r < rows; r++) {
                cpu.reduceRows(op, java.util.Arrays.copyOfRange(x, r * cols, (r + 1) * cols), 1, cols, one);
                assertEquals(Float.floatToIntBits(one[0]), Float.floatToIntBits(all[r]), op + " row " + r);
            }
        }
    }

    /**
     * NaN, both infinities and -0 in the vector body and in the scalar tail give every unary and binary
     * op the reference's result, sign of zero included: ReLU keeps NaN in both parts (the vector max kept
     * it while the tail gave 0), GELU of +infinity is infinity (not NaN), tanh(-0) is -0, and ReLU's
     * gradient passes where its input is NaN.
     */
    @Test
    void specialValuesInTheVectorBodyAndTheTail() {
        int n = 4 * jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() + 7;
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, 25f, -25f};
        float[] x = random(n);
        for (int k = 0; k < specials.length; k++) {
            x[3 + 5 * k] = specials[k];        // in the body
            x[n - 1 - k] = specials[k];        // in the tail
        }
        Layout l = new Layout(new int[] {n}, new int[] {1}, 0);
        for (UnaryOp op : UnaryOp.values()) {
            float[][] r = mapBoth(op, 0.3f, 0.7f, x, l, n);
            for (int i = 0; i < n; i++) {
                assertTrue(agree(r[0][i], r[1][i]), op + " of " + x[i] + " at " + i + ": reference " + r[0][i] + ", cpu "
                        + r[1][i]);
            }
        }
        // Every binary op on every pair of them (in the body), and on a few pairs in the tail.
        float[] a = random(specials.length * specials.length + n);
        float[] b = random(a.length);
        int k = 0;
        for (float p : specials) {
            for (float q : specials) {
                a[k] = p;
                b[k++] = q;
            }
        }
        for (int t = 0; t < specials.length; t++) {
            a[a.length - 1 - t] = specials[t];
            b[b.length - 1 - t] = specials[(t + 3) % specials.length];
        }
        Layout pairs = new Layout(new int[] {a.length}, new int[] {1}, 0);
        for (BinaryOp op : BinaryOp.values()) {
            float[][] r = zipBoth(op, a, pairs, b, pairs, a.length);
            for (int i = 0; i < a.length; i++) {
                assertTrue(agree(r[0][i], r[1][i]), op + " of " + a[i] + " and " + b[i] + ": reference " + r[0][i]
                        + ", cpu " + r[1][i]);
            }
        }
    }

    /** {@code op} over n values on the reference backend and on this one: {reference, cpu}. */
    private float[][] mapBoth(UnaryOp op, float alpha, float beta, float[] x, Layout l, int n) {
        float[][] r = {new float[n], new float[n]};
        ref.map(op, alpha, beta, x, l, r[0]);
        cpu.map(op, alpha, beta, x, l, r[1]);
        return r;
    }

    /** {@code op} of a and b into n values on the reference backend and on this one: {reference, cpu}. */
    private float[][] zipBoth(BinaryOp op, float[] a, Layout la, float[] b, Layout lb, int n) {
        float[][] r = {new float[n], new float[n]};
        ref.zip(op, a, la, b, lb, r[0]);
        cpu.zip(op, a, la, b, lb, r[1]);
        return r;
    }

    /** NaN for NaN, the same bits for an infinity or a zero (its sign included), else within 1e-6 relative. */
    private static boolean agree(float expected, float actual) {
        if (Float.isNaN(expected)) {
            return Float.isNaN(actual);
        }
        if (Float.isInfinite(expected) || expected == 0f) {
            return Float.floatToIntBits(expected) == Float.floatToIntBits(actual);
        }
        return Math.abs(expected - actual) <= 1e-6 * (1 + Math.abs(expected));
    }

    @Test
    void broadcastRowsLikeABias() {
        int rows = 5;
        int cols = 37;
        float[] x = random(rows * cols);
        float[] bias = random(cols);
        Layout lx = Layout.contiguous(new int[] {rows, cols});
        Layout lb = new Layout(new int[] {rows, cols}, new int[] {0, 1}, 0);
        float[] r0 = new float[rows * cols];
        float[] r1 = new float[rows * cols];
        ref.zip(BinaryOp.ADD, x, lx, bias, lb, r0);
        cpu.zip(BinaryOp.ADD, x, lx, bias, lb, r1);
        assertClose(r0, r1, 0, "bias add");
        Layout transposed = new Layout(new int[] {cols, rows}, new int[] {1, cols}, 0);
        float[] t0 = new float[rows * cols];
        float[] t1 = new float[rows * cols];
        ref.copy(x, transposed, t0, 0);
        cpu.copy(x, transposed, t1, 0);
        assertClose(t0, t1, 0, "strided copy");
    }

    /**
     * A block repeated over leading dimensions (the GPT's position embedding {@code [T, C]} added to a batch of
     * sequences), on either side of every binary op: the reference's values, also where the array is split across
     * the workers at points inside a block (a block of 1,353 floats, 54,120 in all) and with an offset.
     */
    @Test
    void blocksRepeatedOverLeadingDimensions() {
        int[][] shapes = {{12, 64, 128}, {40, 33, 41}, {2, 1, 5, 3}};
        for (int[] shape : shapes) {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            int block = shape[shape.length - 1] * shape[shape.length - 2];
            float[] x = random(n + 2);
            float[] r = random(block + 5);
            Layout lx = new Layout(shape, Layout.contiguousStrides(shape), 2);
            int[] strides = Layout.contiguousStrides(shape);
            for (int d = 0; d < shape.length - 2; d++) {
                strides[d] = 0;
            }
            Layout lr = new Layout(shape, strides, 5);
            assertEquals(block, CpuBackend.repeatedBlock(lr), java.util.Arrays.toString(shape));
            for (BinaryOp op : BinaryOp.values()) {
                float[][] both = zipBoth(op, x, lx, r, lr, n);
                assertClose(both[0], both[1], 1e-6, op + " tensor op block " + java.util.Arrays.toString(shape));
                both = zipBoth(op, r, lr, x, lx, n);
                assertClose(both[0], both[1], 1e-6, op + " block op tensor " + java.util.Arrays.toString(shape));
            }
        }
        // What is and is not such a repetition.
        assertEquals(37, CpuBackend.repeatedBlock(new Layout(new int[] {5, 37}, new int[] {0, 1}, 0)));
        assertEquals(185, CpuBackend.repeatedBlock(Layout.contiguous(new int[] {5, 37})));
        assertEquals(37, CpuBackend.repeatedBlock(new Layout(new int[] {5, 1, 37}, new int[] {0, 99, 1}, 0)));
        assertEquals(0, CpuBackend.repeatedBlock(new Layout(new int[] {5, 4, 37}, new int[] {37, 0, 1}, 0)));
        assertEquals(0, CpuBackend.repeatedBlock(new Layout(new int[] {5, 37}, new int[] {1, 5}, 0)));
        assertEquals(1, CpuBackend.repeatedBlock(new Layout(new int[] {5, 37}, new int[] {0, 0}, 0)));
    }

    @Test
    void fusedAdamMatchesTheReferenceLoop() {
        for (int n : new int[] {1, 17, 1000, 70_001}) {
            for (boolean decoupled : new boolean[] {false, true}) {
                for (boolean amsgrad : new boolean[] {false, true}) {
                    float[] p0 = random(n);
                    float[] g = random(n);
                    float[] m0 = random(n);
                    float[] v0 = new float[n];
                    for (int i = 0; i < n; i++) {
                        v0[i] = Math.abs(m0[i]) * 0.1f;
                    }
                    float[] x0 = v0.clone();
                    float[] p1 = p0.clone();
                    float[] m1 = m0.clone();
                    float[] v1 = v0.clone();
                    float[] x1 = x0.clone();
                    dev.backprop.backend.AdamStep step = new dev.backprop.backend.AdamStep(0.01f, 0.9f, 0.999f, 1e-8f,
                            0.05f, decoupled, amsgrad, 1 - Math.pow(0.9, 3), 1 - Math.pow(0.999, 3));
                    ref.adam(step, p0, g, m0, v0, amsgrad ? x0 : null, 0, n);
                    cpu.adam(step, p1, g, m1, v1, amsgrad ? x1 : null, 0, n);
                    String what = "adam n=" + n + (decoupled ? " decoupled" : "") + (amsgrad ? " amsgrad" : "");
                    assertClose(p0, p1, 1e-6, what + " param");
                    assertClose(m0, m1, 1e-6, what + " m");
                    assertClose(v0, v1, 1e-6, what + " v");
                }
            }
        }
    }

    @Test
    void adamTakesMomentsTooSmallToDecayAsNormalFloatsAsZero() {
        int n = 40;   // two 16-float vectors and a tail
        float[] p0 = random(n);
        float[] g = new float[n];   // a gradient turned zero: the moments only decay
        float[] m0 = new float[n];
        float[] v0 = new float[n];
        float kept = 2 * dev.backprop.backend.AdamStep.flushBelow(0.9f);
        for (int i = 0; i < n; i++) {
            m0[i] = i % 2 == 0 ? (i % 4 == 0 ? 1e-39f : -1e-39f) : (i % 3 == 0 ? -kept : kept);
            v0[i] = i % 2 == 0 ? 3e-40f : 4e-38f;
        }
        float[] p1 = p0.clone();
        float[] m1 = m0.clone();
        float[] v1 = v0.clone();
        dev.backprop.backend.AdamStep step = new dev.backprop.backend.AdamStep(0.01f, 0.9f, 0.999f, 1e-8f, 0f, false,
                false, 1 - Math.pow(0.9, 3), 1 - Math.pow(0.999, 3));
        ref.adam(step, p0, g, m0, v0, null, 0, n);
        cpu.adam(step, p1, g, m1, v1, null, 0, n);
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) {
                // Subnormal moments (below MIN_NORMAL / beta) become zero, in the definition and in the kernel.
                assertEquals(0f, m0[i], "reference m[" + i + "]");
                assertEquals(0f, v0[i], "reference v[" + i + "]");
            } else {
                assertEquals(0.9f * (i % 3 == 0 ? -kept : kept), m0[i], "reference m[" + i + "]");
                assertEquals(0.999f * 4e-38f, v0[i], "reference v[" + i + "]");
            }
        }
        assertArrayEquals(m0, m1, "m, kernel against the reference, bit for bit");
        assertArrayEquals(v0, v1, "v, kernel against the reference, bit for bit");
        assertClose(p0, p1, 1e-6, "param");
    }

    @Test
    void perChannelBroadcastsAndPermutedCopies() {
        int n = 3;
        int c = 4;
        int hw = 20;
        float[] x = random(n * c * hw);
        float[] stat = random(c);
        Layout lx = Layout.contiguous(new int[] {n, c, 4, 5});
        Layout ls = new Layout(new int[] {n, c, 4, 5}, new int[] {0, 1, 0, 0}, 0);
        for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV}) {
            float[][] r = zipBoth(op, x, lx, stat, ls, x.length);
            assertClose(r[0], r[1], 1e-6, op + " tensor op channel");
            r = zipBoth(op, stat, ls, x, lx, x.length);
            assertClose(r[0], r[1], 1e-6, op + " channel op tensor");
        }
        // [N, C, H, W] viewed as [C, N, H, W]: planes of H*W stay contiguous.
        Layout permuted = new Layout(new int[] {c, n, 4, 5}, new int[] {hw, c * hw, 5, 1}, 0);
        float[] t0 = new float[x.length];
        float[] t1 = new float[x.length];
        ref.copy(x, permuted, t0, 0);
        cpu.copy(x, permuted, t1, 0);
        assertClose(t0, t1, 0, "permuted copy");
    }
}
