package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
