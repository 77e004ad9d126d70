package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void sumOfSquaresReadsViewsWhereTheyLie() {
        Tensor t = Tensor.arange(12).reshape(3, 4);                 // 0 .. 11
        assertEquals(506.0, t.sumOfSquares());                        // sum of i^2 for i < 12
        assertEquals(506.0 - (0 + 1 + 4 + 9), t.narrow(0, 1, 2).sumOfSquares(), "rows 1 and 2: a view at an offset");
        assertEquals(1 + 25 + 81, t.narrow(1, 1, 1).sumOfSquares(), "column 1: a strided view");
        assertEquals(506.0, t.transpose(0, 1).sumOfSquares());
        assertEquals(0.0, Tensor.zeros(0).sumOfSquares());
    }

    @Test
    void creation() {
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0}, Tensor.zeros(2, 3).toFloatArray());
        assertArrayEquals(new float[] {7, 7}, Tensor.full(7f, 2).toFloatArray());
        assertArrayEquals(new float[] {1, 1.5f, 2, 2.5f}, Tensor.arange(1f, 3f, 0.5f).toFloatArray());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4}, Tensor.arange(5).toFloatArray());
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1}, Tensor.linspace(0f, 1f, 5).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, Tensor.eye(3).toFloatArray());
        assertEquals(Shape.scalar(), Tensor.scalar(3f).shape());
        assertEquals(3f, Tensor.scalar(3f).item());
        Tensor m = Tensor.of(new float[][] {{1, 2, 3}, {4, 5, 6}});
        assertEquals(Shape.of(2, 3), m.shape());
        assertEquals(6f, m.get(1, 2));
        assertEquals(4f, m.get(-1, 0));
    }

    @Test
    void randomDrawsRepeatForTheSameSeed() {
        float[] a = Tensor.randn(new Generator(42), 100).toFloatArray();
        float[] b = Tensor.randn(new Generator(42), 100).toFloatArray();
        float[] c = Tensor.randn(new Generator(43), 100).toFloatArray();
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c));
        float[] u = Tensor.rand(new Generator(1), 10_000).toFloatArray();
        double mean = 0;
        for (float v : u) {
            assertTrue(v >= 0f && v < 1f);
            mean += v / u.length;
        }
        assertEquals(0.5, mean, 0.02);
        float[] n = Tensor.randn(new Generator(2), 20_000).toFloatArray();
        double m = 0;
        double sq = 0;
        for (float v : n) {
            m += v / n.length;
            sq += (double) v * v / n.length;
        }
        assertEquals(0.0, m, 0.03);
        assertEquals(1.0, sq - m * m, 0.03);
        for (float v : Tensor.randint(new Generator(3), -2, 3, 1000).toFloatArray()) {
            assertTrue(v >= -2 && v < 3 && v == Math.rint(v));
        }
    }

    @Test
    void viewsShareStorageLikePyTorch() {
        Tensor x = Tensor.arange(24).reshape(2, 3, 4);
        assertTrue(x.reshape(6, 4).sharesStorageWith(x));
        assertTrue(x.transpose(0, 2).sharesStorageWith(x));
        assertTrue(x.narrow(2, 1, 2).sharesStorageWith(x));
        assertTrue(x.select(1, 2).sharesStorageWith(x));
        assertTrue(x.narrow(0, 1, 1).expand(5, 3, 4).sharesStorageWith(x));
        assertTrue(x.unsqueeze(0).squeeze(0).sharesStorageWith(x));
        // A transposed view cannot be flattened in place: reshape copies, like PyTorch's.
        Tensor t = x.transpose(1, 2);
        assertFalse(t.isContiguous());
        assertFalse(t.reshape(-1).sharesStorageWith(x));
        assertSame(x, x.contiguous());
        assertNotSame(t, t.contiguous());
        assertTrue(t.contiguous().isContiguous());
        // A narrowed view along the first dimension stays viewable.
        assertTrue(x.narrow(0, 1, 1).view(3, 4).sharesStorageWith(x));
    }

    @Test
    void viewValues() {
        Tensor x = Tensor.arange(6).reshape(2, 3);
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, x.t().toFloatArray());
        assertArrayEquals(new float[] {1, 2, 4, 5}, x.narrow(1, 1, 2).toFloatArray());
        assertArrayEquals(new float[] {3, 4, 5}, x.select(0, 1).toFloatArray());
        assertArrayEquals(new float[] {0, 1, 2, 0, 1, 2}, x.select(0, 0).expand(2, 3).toFloatArray());
        assertArrayEquals(new int[] {3, 1}, x.strides());
        assertArrayEquals(new int[] {1, 3}, x.t().strides());
        Tensor p = Tensor.arange(24).reshape(2, 3, 4).permute(2, 0, 1);
        assertEquals(Shape.of(4, 2, 3), p.shape());
        assertEquals(13f, p.get(1, 1, 0));
        assertEquals(Shape.of(2, 12), Tensor.zeros(2, 3, 4).flatten(1, -1).shape());
    }

    @Test
    void inPlaceWritesReachTheBaseThroughAView() {
        Tensor x = Tensor.zeros(2, 3);
        x.narrow(1, 1, 2).fillInPlace(5f);
        assertArrayEquals(new float[] {0, 5, 5, 0, 5, 5}, x.toFloatArray());
        x.t().addInPlace(Tensor.of(1, 2, 3).unsqueeze(1));
        assertArrayEquals(new float[] {1, 7, 8, 1, 7, 8}, x.toFloatArray());
    }

    @Test
    void inPlaceWithAnAliasedOperandUsesTheOldValues() {
        Tensor x = Tensor.arange(4).reshape(2, 2);
        x.addInPlace(x.t());
        assertArrayEquals(new float[] {0, 3, 3, 6}, x.toFloatArray());
    }

    @Test
    void broadcastingArithmetic() {
        Tensor a = Tensor.arange(6).reshape(2, 3);
        Tensor col = Tensor.of(10, 20).reshape(2, 1);
        assertArrayEquals(new float[] {10, 11, 12, 23, 24, 25}, a.add(col).toFloatArray());
        assertArrayEquals(new float[] {0, 2, 6, 3, 8, 15}, a.mul(Tensor.of(1, 2, 3)).toFloatArray());
        assertEquals(Shape.of(4, 2, 3), a.add(Tensor.zeros(4, 1, 1)).shape());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, Tensor.where(a.ge(Tensor.scalar(3)), a, a).toFloatArray());
        assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1}, a.gt(Tensor.scalar(2.5f)).toFloatArray());
        assertArrayEquals(new float[] {-1, 0, 1, 2, 3, 3}, a.sub(1f).clamp(-1f, 3f).toFloatArray());
    }

    @Test
    void matmulForms() {
        Tensor a = Tensor.of(new float[][] {{1, 2}, {3, 4}, {5, 6}});
        Tensor b = Tensor.of(new float[][] {{1, 0, 2}, {0, 1, 3}});
        assertArrayEquals(new float[] {1, 2, 8, 3, 4, 18, 5, 6, 28}, a.matmul(b).toFloatArray());
        assertArrayEquals(new float[] {17, 39, 61}, a.matmul(Tensor.of(5, 6)).toFloatArray());
        assertArrayEquals(new float[] {22, 28}, Tensor.of(1, 2, 3).matmul(a).toFloatArray());
        Tensor batch = Tensor.stack(0, a, a.mul(2f));
        Tensor out = batch.matmul(b);
        assertEquals(Shape.of(2, 3, 3), out.shape());
        assertArrayEquals(a.matmul(b).mul(2f).toFloatArray(), out.select(0, 1).toFloatArray());
        assertArrayEquals(new float[] {35, 44, 44, 56}, a.t().matmul(a).toFloatArray());
    }

    @Test
    void reductions() {
        Tensor x = Tensor.of(new float[][] {{1, 5, 3}, {4, 2, 6}});
        assertEquals(21f, x.sum().item());
        assertArrayEquals(new float[] {5, 7, 9}, x.sum(0, false).toFloatArray());
        assertEquals(Shape.of(2, 1), x.sum(1, true).shape());
        assertArrayEquals(new float[] {3, 4}, x.mean(1, false).toFloatArray());
        ValuesAndIndices m = x.max(1, false);
        assertArrayEquals(new float[] {5, 6}, m.values().toFloatArray());
        assertArrayEquals(new float[] {1, 2}, m.indices().toFloatArray());
        assertArrayEquals(new float[] {0, 1}, x.argmin(1, false).toFloatArray());
        assertEquals(6f, x.max().item());
        assertArrayEquals(new float[] {4f, 4f}, x.var(new int[] {1}, 1, false).toFloatArray());
        assertEquals((float) Math.log(Math.exp(1) + Math.exp(5) + Math.exp(3)), x.logsumexp(1, false).get(0), 1e-6f);
        float[] sm = x.softmax(1).sum(1, false).toFloatArray();
        assertArrayEquals(new float[] {1, 1}, sm, 1e-6f);
        // Large logits stay finite: softmax and logsumexp subtract the maximum first.
        Tensor big = Tensor.of(1000f, 1001f);
        assertEquals(1001f + (float) Math.log1p(Math.exp(-1)), big.logsumexp(0, false).item(), 1e-3f);
        assertTrue(Float.isFinite(big.logSoftmax(0).get(0)));
    }

    @Test
    void joinsAndIndexing() {
        Tensor a = Tensor.arange(4).reshape(2, 2);
        Tensor b = Tensor.full(9f, 2, 1);
        assertArrayEquals(new float[] {0, 1, 9, 2, 3, 9}, Tensor.cat(1, a, b).toFloatArray());
        assertEquals(Shape.of(2, 2, 2), Tensor.stack(2, a, a).shape());
        assertArrayEquals(new float[] {2, 3, 0, 1, 2, 3}, a.indexSelect(0, Tensor.of(1, 0, 1)).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 2, 2},
                a.gather(1, Tensor.of(new float[][] {{1, 0}, {0, 0}})).toFloatArray());
        assertArrayEquals(new float[] {0, 3, 0, 0, 0, 4},
                Tensor.zeros(2, 3).scatterAdd(1, Tensor.of(new float[][] {{1, 1}, {2, 2}}),
                        Tensor.of(new float[][] {{1, 2}, {3, 1}})).toFloatArray());
    }

    @Test
    void toStringShowsShapeAndValues() {
        String s = Tensor.of(new float[][] {{1, 2}, {3, 4}}).toString();
        assertEquals("tensor(shape=[2, 2])\n[[1., 2.],\n [3., 4.]]", s);
        String f = Tensor.of(0.5f, -1.25f).toString();
        assertEquals("tensor(shape=[2])\n[ 0.5000, -1.2500]", f);
        Tensor big = Tensor.arange(2000).reshape(100, 20);
        String b = big.toString();
        assertTrue(b.contains("..."), b);
        assertTrue(b.length() < 600, "truncated view expected, got " + b.length() + " characters");
        assertTrue(b.startsWith("tensor(shape=[100, 20])"));
        assertTrue(b.contains("1999."));
        Tensor g = Tensor.ones(2).setRequiresGrad(true).mul(2f);
        assertTrue(g.toString().startsWith("tensor(shape=[2], gradFn=affine)"), g.toString());
    }

    /**
     * ReLU as PyTorch has it at the edges: NaN stays NaN and its gradient passes (threshold_backward
     * blocks only where the value is at most 0); -0, 0 and -infinity give 0 and block it.
     */
    @Test
    void reluKeepsNaNAndPassesItsGradient() {
        float[] v = {Float.NaN, -1f, 2f, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        Tensor x = Tensor.fromArray(v, v.length).setRequiresGrad(true);
        Tensor y = x.relu();
        float[] out = y.toFloatArray();
        assertTrue(Float.isNaN(out[0]));
        assertArrayEquals(new float[] {0f, 2f, 0f, 0f, Float.POSITIVE_INFINITY, 0f}, java.util.Arrays.copyOfRange(out, 1, 7));
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(out[3]), "-0 becomes +0");
        y.backward(Tensor.ones(v.length));
        assertArrayEquals(new float[] {1f, 0f, 1f, 0f, 0f, 1f, 0f}, x.grad().toFloatArray());
    }

    @Test
    void maxPoolingWithoutGradientsGivesTheSameMaximaNaNIncluded() {
        float[] v = new float[2 * 3 * 6 * 4];
        Generator g = new Generator(4);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) g.nextDouble() * 10 - 5;
        }
        v[7] = Float.NaN;
        Tensor recorded = Tensor.fromArray(v, 2, 3, 6, 4).setRequiresGrad(true).maxPool2d(2, 2, 0);
        assertTrue(recorded.requiresGrad());
        Tensor plain;
        try (var off = GradMode.noGrad()) {
            plain = Tensor.fromArray(v, 2, 3, 6, 4).maxPool2d(2, 2, 0);
        }
        assertArrayEquals(recorded.toFloatArray(), plain.toFloatArray());
        // v[7] sits at row 1, column 3 of the first plane: its window is the second of the first output row.
        assertTrue(Float.isNaN(plain.toFloatArray()[1]));
        assertEquals(Math.max(Math.max(v[0], v[1]), Math.max(v[4], v[5])), plain.toFloatArray()[0]);
    }

    /**
     * 2 x 2 max pooling of stride 2 finds each window's maximum again in backward: the gradient goes
     * to the window's first element (row by row) equal to it, 0 and -0 counting as equal, or to its
     * first NaN; a last odd row and column get none. Values from a small set, so ties are common.
     */
    @Test
    void maxPoolingGradientGoesToEachWindowsFirstMaximum() {
        int n = 2, c = 3, h = 7, w = 5;
        float[] choices = {-1f, 0f, -0f, 1f, 2f};
        Generator g = new Generator(5);
        float[] v = new float[n * c * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = choices[(int) (g.nextDouble() * choices.length)];
        }
        v[w + 1] = Float.NaN;          // second row of the first window: the window's only NaN
        v[2] = Float.NaN;               // the second window's first row
        v[3] = Float.NaN;               // and its second element: the gradient goes to v[2]
        Tensor x = Tensor.fromArray(v, n, c, h, w).setRequiresGrad(true);
        Tensor upstream = Tensor.randn(new Generator(6), n, c, h / 2, w / 2);
        x.maxPool2d(2, 2, 0).mul(upstream).sum().backward();
        float[] expected = new float[v.length];
        float[] up = upstream.toFloatArray();
        for (int plane = 0, o = 0; plane < n * c; plane++) {
            for (int oh = 0; oh < h / 2; oh++) {
                for (int ow = 0; ow < w / 2; ow++, o++) {
                    int i0 = plane * h * w + 2 * oh * w + 2 * ow;
                    int[] window = {i0, i0 + 1, i0 + w, i0 + w + 1};
                    float best = Math.max(Math.max(v[window[0]], v[window[1]]), Math.max(v[window[2]], v[window[3]]));
                    for (int i : window) {
                        if (v[i] == best || Float.isNaN(best) && Float.isNaN(v[i])) {
                            expected[i] = up[o];
                            break;
                        }
                    }
                }
            }
        }
        assertArrayEquals(expected, x.grad().toFloatArray());
        assertEquals(up[0], x.grad().toFloatArray()[w + 1]);
        assertEquals(up[1], x.grad().toFloatArray()[2]);
    }
}
