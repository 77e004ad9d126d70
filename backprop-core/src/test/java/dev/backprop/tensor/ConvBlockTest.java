package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.junit.jupiter.api.Test;

/**
 * The convolutional block {@link Tensor#conv2dMaxPool2x2}: without gradients one backend op, with
 * them the three ops; both give what convolution, pooling and ReLU give one after the other.
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

    @Test
    void withGradientsItRecordsTheThreeOps() {
        Tensor x = Tensor.randn(random, 2, 2, 6, 6).setRequiresGrad(true);
        Tensor w = Tensor.randn(random, 3, 2, 3, 3).setRequiresGrad(true);
        Tensor b = Tensor.randn(random, 3).setRequiresGrad(true);
        Tensor weights = Tensor.randn(random, 2, 3, 2, 2);
        composed(x, w, b, Conv2dSpec.DEFAULT, true).mul(weights).sum().backward();
        float[][] expected = {x.grad().toFloatArray(), w.grad().toFloatArray(), b.grad().toFloatArray()};
        x.zeroGrad();
        w.zeroGrad();
        b.zeroGrad();
        Tensor y = x.conv2dMaxPool2x2(w, b, Conv2dSpec.DEFAULT, true);
        y.mul(weights).sum().backward();
        assertNotNull(x.grad(), "the input's gradient flows through the block");
        assertArrayEquals(expected[0], x.grad().toFloatArray(), 0f, "input gradient");
        assertArrayEquals(expected[1], w.grad().toFloatArray(), 0f, "weight gradient");
        assertArrayEquals(expected[2], b.grad().toFloatArray(), 0f, "bias gradient");
    }
}
