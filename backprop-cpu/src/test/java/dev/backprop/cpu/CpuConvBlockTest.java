package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.backprop.backend.Backends;
import dev.backprop.tensor.Conv2dSpec;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * LeNet's convolutional blocks ({@link Tensor#conv2dMaxPool2x2} with ReLU) trained on the CPU backend: the
 * fused op's output and input and weight gradients are those of convolution, pooling and ReLU one after the
 * other on the same backend, bit for bit, its bias gradient within rounding. Its two convolutions take the
 * direct kernels' two input gradients: conv1's "same" padding the full correlation, conv2's valid 5 x 5 the
 * scatter.
 */
class CpuConvBlockTest {
    private final Generator random = new Generator(12);

    @Test
    void lenetBlocksGiveTheThreeOpsGradients() {
        assertEquals("cpu", Backends.active().name());
        blockMatches(Tensor.randn(random, 3, 1, 28, 28), 6, Conv2dSpec.of(1, 2, 1, 1));
        blockMatches(Tensor.randn(random, 3, 6, 14, 14), 16, Conv2dSpec.DEFAULT);
    }

    private void blockMatches(Tensor input, int out, Conv2dSpec spec) {
        Tensor x = input.setRequiresGrad(true);
        Tensor w = Tensor.randn(random, out, x.size(1), 5, 5).mul(0.2f).setRequiresGrad(true);
        Tensor b = Tensor.randn(random, out).setRequiresGrad(true);
        Tensor composed = x.conv2d(w, b, spec).maxPool2d(2, 2, 0).relu();
        Tensor weights = Tensor.randn(random, composed.shape().dims());
        composed.mul(weights).sum().backward();
        float[][] expected = {composed.toFloatArray(), x.grad().toFloatArray(), w.grad().toFloatArray(),
            b.grad().toFloatArray()};
        x.zeroGrad();
        w.zeroGrad();
        b.zeroGrad();
        Tensor fused = x.conv2dMaxPool2x2(w, b, spec, true);
        fused.mul(weights).sum().backward();
        String what = "block on " + x.shape();
        assertArrayEquals(expected[0], fused.toFloatArray(), 0f, "output, " + what);
        assertArrayEquals(expected[1], x.grad().toFloatArray(), 0f, "input gradient, " + what);
        assertArrayEquals(expected[2], w.grad().toFloatArray(), 0f, "weight gradient, " + what);
        // The same gradients summed in another order: the pooled ones, not the full output's with its zeros.
        assertArrayEquals(expected[3], b.grad().toFloatArray(), 1e-4f, "bias gradient, " + what);
    }
}
