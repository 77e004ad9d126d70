package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AutogradTest {

    @Test
    void sumOfSquaresHasGradientTwoX() {
        Tensor x = Tensor.of(new float[][] {{1, 2}, {3, 4}}).setRequiresGrad(true);
        x.mul(x).sum().backward();
        assertArrayEquals(new float[] {2, 4, 6, 8}, x.grad().toFloatArray());
    }

    @Test
    void gradientsAccumulateUntilZeroed() {
        Tensor x = Tensor.of(1f, 2f).setRequiresGrad(true);
        x.mul(3f).sum().backward();
        x.mul(3f).sum().backward();
        assertArrayEquals(new float[] {6, 6}, x.grad().toFloatArray());
        x.zeroGrad();
        assertNull(x.grad());
        x.mul(x).sum().backward();
        assertArrayEquals(new float[] {2, 4}, x.grad().toFloatArray());
    }

    /**
     * A weight's gradient is computed straight into the buffer zeroGrad released, and is the same tensor step after
     * step: its values are the product's alone (nothing of the step before, whose buffer is filled with NaN first), it
     * sums when the weight is used twice, and when the weight is also the input (its two gradients meet in one rule,
     * one of them in the lent buffer) the sum is still right.
     */
    @Test
    void aWeightsGradientIsWrittenIntoTheBufferZeroGradReleased() {
        Generator generator = new Generator(7);
        Tensor w = Tensor.randn(generator, 4, 4).setRequiresGrad(true);
        Tensor x1 = Tensor.randn(generator, 5, 4);
        Tensor x2 = Tensor.randn(generator, 3, 4);
        x1.linear(w, null).sum().backward();
        Tensor kept = w.grad();
        assertArrayEquals(columnSums(x1), kept.toFloatArray(), 1e-6f);
        for (int step = 0; step < 2; step++) {
            kept.mulInPlace(Float.NaN);
            w.zeroGrad();
            x2.linear(w, null).sum().backward();
            assertSame(kept, w.grad(), "the released buffer is the next gradient");
            assertArrayEquals(columnSums(x2), w.grad().toFloatArray(), 1e-6f);
        }
        kept.mulInPlace(Float.NaN);
        w.zeroGrad();
        x1.linear(w, null).sum().add(x2.linear(w, null).sum()).backward();
        float[] both = columnSums(x1);
        float[] second = columnSums(x2);
        for (int i = 0; i < both.length; i++) {
            both[i] += second[i];
        }
        assertArrayEquals(both, w.grad().toFloatArray(), 1e-5f);
        w.zeroGrad();
        w.linear(w, null).sum().backward();    // d/dW of sum(W W^T): the column sums of W, twice
        float[] twice = columnSums(w.detach());
        for (int i = 0; i < twice.length; i++) {
            twice[i] *= 2;
        }
        assertArrayEquals(twice, w.grad().toFloatArray(), 1e-5f);
    }

    /** {@code [rows, cols]} to the gradient of {@code sum(x W^T)} for a [4, cols] W: each row the columns' sums. */
    private static float[] columnSums(Tensor x) {
        float[] v = x.toFloatArray();
        int cols = x.size(1);
        float[] sums = new float[cols];
        for (int i = 0; i < v.length; i++) {
            sums[i % cols] += v[i];
        }
        float[] out = new float[4 * cols];
        for (int o = 0; o < 4; o++) {
            System.arraycopy(sums, 0, out, o * cols, cols);
        }
        return out;
    }

    /**
     * A convolution's weight gradient written into the released buffer (NaN-filled) equals the one a fresh weight of
     * the same values gets, bit for bit, for the plain convolution and the fused block with pooling.
     */
    @Test
    void aConvolutionsWeightGradientOverwritesTheReleasedBuffer() {
        Generator generator = new Generator(8);
        Tensor x = Tensor.randn(generator, 2, 3, 8, 8);
        Tensor values = Tensor.randn(generator, 4, 3, 3, 3);
        for (boolean pooled : new boolean[] {false, true}) {
            Tensor w = values.detach().clone().setRequiresGrad(true);
            convolve(x, w, pooled).sum().backward();
            w.grad().mulInPlace(Float.NaN);
            w.zeroGrad();
            convolve(x.mul(0.5f), w, pooled).sum().backward();
            Tensor fresh = values.detach().clone().setRequiresGrad(true);
            convolve(x.mul(0.5f), fresh, pooled).sum().backward();
            assertArrayEquals(fresh.grad().toFloatArray(), w.grad().toFloatArray(), pooled ? "with pooling" : "plain");
        }
    }

    private static Tensor convolve(Tensor x, Tensor w, boolean pooled) {
        return pooled ? x.conv2dMaxPool2x2(w, null, Conv2dSpec.of(1, 1, 1, 1), true) : x.conv2d(w, null, Conv2dSpec.DEFAULT);
    }

    @Test
    void pathsThatMeetAreSummed() {
        // y = x*x + exp(x) uses x on three paths.
        Tensor x = Tensor.of(0.5f, -1f).setRequiresGrad(true);
        x.mul(x).add(x.exp()).sum().backward();
        assertArrayEquals(new float[] {1f + (float) Math.exp(0.5), -2f + (float) Math.exp(-1)},
                x.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void backwardWithAGivenUpstreamGradient() {
        Tensor x = Tensor.of(1f, 2f, 3f).setRequiresGrad(true);
        x.mul(2f).backward(Tensor.of(1f, 10f, 100f));
        assertArrayEquals(new float[] {2, 20, 200}, x.grad().toFloatArray());
    }

    @Test
    void noGradScopeRecordsNothingAndRestores() {
        Tensor x = Tensor.ones(2).setRequiresGrad(true);
        try (var outer = GradMode.noGrad()) {
            Tensor y = x.mul(2f);
            assertFalse(y.requiresGrad());
            assertTrue(y.isLeaf());
            try (var inner = GradMode.enableGrad()) {
                assertTrue(x.mul(2f).requiresGrad());
            }
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertTrue(x.mul(2f).requiresGrad());
    }

    @Test
    void detachCutsTheGraph() {
        Tensor x = Tensor.of(3f).setRequiresGrad(true);
        Tensor y = x.mul(x.detach());
        y.sum().backward();
        assertArrayEquals(new float[] {3}, x.grad().toFloatArray());
        assertTrue(x.detach().sharesStorageWith(x));
        assertFalse(x.detach().requiresGrad());
    }

    @Test
    void secondBackwardThroughAFreedGraphFails() {
        Tensor x = Tensor.of(1f, 2f).setRequiresGrad(true);
        Tensor loss = x.exp().sum();
        loss.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("second time"), e.getMessage());
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Tensor x = Tensor.of(1f, 2f).setRequiresGrad(true);
        Tensor loss = x.mul(x).sum();
        loss.backward(Tensor.scalar(1f), true);
        loss.backward(Tensor.scalar(1f), false);
        assertArrayEquals(new float[] {4, 8}, x.grad().toFloatArray());
    }

    @Test
    void inPlaceChangeToASavedTensorFailsAtBackward() {
        Tensor w = Tensor.of(1f, 2f).setRequiresGrad(true);
        Tensor c = Tensor.of(3f, 4f);
        Tensor loss = w.mul(c).sum();
        c.addInPlace(Tensor.scalar(1f));
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("'mul'") && e.getMessage().contains("modified in place"), e.getMessage());
    }

    @Test
    void inPlaceChangeToAParameterNeedsNoGrad() {
        Tensor w = Tensor.of(1f, 2f).setRequiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.subInPlace(Tensor.of(1f, 1f)));
        assertTrue(e.getMessage().contains("GradMode.noGrad()"), e.getMessage());
        try (var scope = GradMode.noGrad()) {
            w.subInPlace(Tensor.of(1f, 1f));
        }
        assertArrayEquals(new float[] {0, 1}, w.toFloatArray());
    }

    @Test
    void backwardOnANonScalarNeedsAGradient() {
        Tensor x = Tensor.of(1f, 2f).setRequiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.mul(2f).backward());
        assertTrue(e.getMessage().contains("shape [2]"), e.getMessage());
        assertThrows(ShapeException.class, () -> x.mul(2f).backward(Tensor.ones(3)));
        assertThrows(IllegalStateException.class, () -> Tensor.ones(2).sum().backward());
    }

    @Test
    void retainGradKeepsAnIntermediateGradient() {
        Tensor x = Tensor.of(2f).setRequiresGrad(true);
        Tensor h = x.mul(3f).retainGrad();
        h.mul(h).sum().backward();
        assertArrayEquals(new float[] {12}, h.grad().toFloatArray());
        assertArrayEquals(new float[] {36}, x.grad().toFloatArray());
    }

    @Test
    void deepGraphsDoNotOverflowTheStack() {
        Tensor x = Tensor.of(1f).setRequiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 20_000; i++) {
            y = y.mul(1.0001f);
        }
        y.sum().backward();
        assertEquals(Math.pow(1.0001, 20_000), x.grad().item(), 1e-2);
    }

    @Test
    void gradientOfAViewReachesTheBase() {
        Tensor x = Tensor.arange(6).reshape(2, 3).setRequiresGrad(true);
        x.t().narrow(0, 1, 2).mul(Tensor.of(new float[][] {{1, 2}, {3, 4}})).sum().backward();
        assertArrayEquals(new float[] {0, 1, 3, 0, 2, 4}, x.grad().toFloatArray());
    }

    @Test
    void maxAlongADimensionSendsTheGradientToTheArgmax() {
        Tensor x = Tensor.of(new float[][] {{1, 7, 7}, {4, 2, 0}}).setRequiresGrad(true);
        x.max(1, false).values().sum().backward();
        assertArrayEquals(new float[] {0, 1, 0, 1, 0, 0}, x.grad().toFloatArray());
        Tensor y = Tensor.of(3f, 3f, 1f).setRequiresGrad(true);
        y.max().backward();
        assertArrayEquals(new float[] {0.5f, 0.5f, 0f}, y.grad().toFloatArray());
    }

    @Test
    void aRuleWithoutAGradientForAnInputThatNeedsOneThrowsNamingTheOp() {
        Tensor x = Tensor.of(1, 2).setRequiresGrad(true);
        Tensor w = Tensor.of(3, 4);   // needs no gradient: a rule may leave it out
        Tensor y;
        try (var off = GradMode.noGrad()) {
            y = x.mul(w);
        }
        y = Graph.op("half-written", y, w, x).backward(g -> Graph.grads(null, null));
        Tensor loss = y.sum();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, loss::backward);
        assertTrue(e.getMessage().contains("'half-written' has no gradient for its input 1 [2], which requires one"),
                e.getMessage());

        Tensor z;
        try (var off = GradMode.noGrad()) {
            z = x.mul(w);
        }
        z = Graph.op("complete", z, w, x).backward(g -> Graph.grads(null, g.mul(w)));
        z.sum().backward();
        assertArrayEquals(new float[] {3, 4}, x.grad().toFloatArray(), "a null for the input that needs none is fine");
    }
}
