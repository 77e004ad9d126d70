package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

/**
 * The convolutional block {@link Tensor#conv2dMaxPool2x2}, with and without gradients: one op that gives
 * what convolution, pooling and ReLU give one after the other, values and gradients.
 */
class ConvBlockTest {
    private final Generator random = new Generator(11);

    private static Tensor composed(Tensor x, Tensor w, Tensor b, Conv2dSpec spec, boolean relu) {
        Tensor pooled = x.conv2d(w, b, spec).maxPool2d(2, 2, 0);
        return relu ? pooled.relu() : pooled;
    }

    @Test
    void withoutGradientsItGivesTheThreeOpsValues() {
        // 7 x 7 with a 3 x 3 kernel: a 5 x 5 output whose last row and column the pooling leaves out;
        // then "same" padding on an even image, with and without a bias.
        Tensor x = Tensor.randn(random, 2, 3, 7, 7);
        Tensor w = Tensor.randn(random, 4, 3, 3, 3);
        Tensor b = Tensor.randn(random, 4);
        for (Conv2dSpec spec : new Conv2dSpec[] {Conv2dSpec.DEFAULT, Conv2dSpec.of(1, 1, 1, 1)}) {
            for (boolean relu : new boolean[] {false, true}) {
                for (Tensor bias : new Tensor[] {b, null}) {
                    Tensor expected = composed(x, w, bias, spec, relu);
                    Tensor got;
                    try (var off = GradMode.noGrad()) {
                        got = x.conv2dMaxPool2x2(w, bias, spec, relu);
                    }
                    assertEquals(expected.shape(), got.shape());
                    assertArrayEquals(expected.toFloatArray(), got.toFloatArray(), 0f,
                            "padding " + spec.padH() + (relu ? ", relu" : "") + (bias == null ? ", no bias" : ""));
                }
            }
        }
    }

    /**
     * With gradients, one op whose input and weight gradients are the three ops' bit for bit (the bias's within
     * rounding): with and without ReLU, bias and
     * padding, an output whose last row and column the pooling leaves out, and inputs on a coarse grid of
     * values, where windows tie for their maximum and ReLU clamps whole windows to zero.
     */
    @Test
    void withGradientsItGivesTheThreeOpsGradients() {
        for (boolean coarse : new boolean[] {false, true}) {
            for (Conv2dSpec spec : new Conv2dSpec[] {Conv2dSpec.DEFAULT, Conv2dSpec.of(1, 1, 1, 1)}) {
                for (boolean relu : new boolean[] {false, true}) {
                    for (boolean withBias : new boolean[] {true, false}) {
                        String what = (coarse ? "coarse, " : "") + "padding " + spec.padH() + (relu ? ", relu" : "")
                                + (withBias ? "" : ", no bias");
                        gradientsMatch(coarse, spec, relu, withBias, what);
                    }
                }
            }
        }
    }

    private void gradientsMatch(boolean coarse, Conv2dSpec spec, boolean relu, boolean withBias, String what) {
        Tensor x = values(2, 2, 7, 7, coarse).setRequiresGrad(true);
        Tensor w = values(3, 2, 3, 3, coarse).setRequiresGrad(true);
        Tensor b = withBias ? values(1, 1, 1, 3, coarse).reshape(3).setRequiresGrad(true) : null;
        int side = spec.padH() == 0 ? 2 : 3;
        Tensor weights = Tensor.randn(random, 2, 3, side, side);
        Tensor expectedOut = composed(x, w, b, spec, relu);
        expectedOut.mul(weights).sum().backward();
        float[][] expected = {x.grad().toFloatArray(), w.grad().toFloatArray(), withBias ? b.grad().toFloatArray() : null};
        x.zeroGrad();
        w.zeroGrad();
        if (withBias) {
            b.zeroGrad();
        }
        Tensor y = x.conv2dMaxPool2x2(w, b, spec, relu);
        assertArrayEquals(expectedOut.toFloatArray(), y.toFloatArray(), 0f, "output, " + what);
        y.mul(weights).sum().backward();
        assertNotNull(x.grad(), "the input's gradient flows through the block");
        assertArrayEquals(expected[0], x.grad().toFloatArray(), 0f, "input gradient, " + what);
        assertArrayEquals(expected[1], w.grad().toFloatArray(), 0f, "weight gradient, " + what);
        if (withBias) {
            // The same gradients summed in another order: the pooled ones, not the full output's with its zeros.
            assertArrayEquals(expected[2], b.grad().toFloatArray(), 1e-5f, "bias gradient, " + what);
        }
    }

    /** Normal values, or on the coarse grid of halves from -2 to 2, where sums tie exactly. */
    private Tensor values(int a, int b, int c, int d, boolean coarse) {
        Tensor t = Tensor.randn(random, a, b, c, d);
        if (!coarse) {
            return t;
        }
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(-2f, Math.min(2f, Math.round(v[i] * 2f) / 2f));
        }
        return Tensor.fromArray(v, a, b, c, d);
    }
}
