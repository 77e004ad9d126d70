package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.backprop.backend.Backends;
import dev.backprop.nn.Linear;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MNIST MLP's first layer with its weight stored input-major, on this backend, with the zeros of its input skipped
 * and not: the output, the weight's gradient and Adam's steps agree with the layer stored output-major and with the
 * sums written out in double precision. Input-major, the forward reads W^T's rows in place and the weight gradient is
 * {@code x^T dy} with the sparse operand on the left, given transposed ({@link SparseSgemm}'s third case).
 */
class CpuWeightOrderTest {
    private static final int N = 128;
    private static final int IN = 784;
    private static final int OUT = 256;
    private ZeroSkipping was;

    @BeforeEach
    void remember() {
        assertEquals("cpu", Backends.active().name());
        was = CpuBackend.zeroSkipping();
    }

    @AfterEach
    void restore() {
        CpuBackend.skipZeros(was);
    }

    /** Pixel-like rows: about 80% zeros, the rest in (0, 1]. */
    private static Tensor images(long seed) {
        Generator g = new Generator(seed);
        return Tensor.rand(g, N, IN).mul(Tensor.rand(g, N, IN).gt(Tensor.full(0.8f)));
    }

    private static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * (1 + Math.abs(expected[i])), what + " at " + i);
        }
    }

    @Test
    void zerosSkipped() {
        CpuBackend.skipZeros(ZeroSkipping.IN_PLACE);
        forwardGradientAndSteps();
    }

    @Test
    void everyProductDense() {
        CpuBackend.skipZeros(ZeroSkipping.OFF);
        forwardGradientAndSteps();
    }

    private void forwardGradientAndSteps() {
        Linear rowMajor = new Linear(IN, OUT, true, Linear.WeightOrder.OUTPUT_MAJOR, new Generator(1));
        Linear inputMajor = new Linear(IN, OUT, true, Linear.WeightOrder.INPUT_MAJOR, new Generator(1));
        float[] x = images(2).toFloatArray();
        float[] w = inputMajor.weight().toFloatArray();
        float[] b = inputMajor.bias().toFloatArray();
        Tensor r = Tensor.randn(new Generator(3), N, OUT);
        float[] rv = r.toFloatArray();
        double[] y = new double[N * OUT];
        double[] dw = new double[OUT * IN];
        for (int i = 0; i < N; i++) {
            for (int o = 0; o < OUT; o++) {
                double s = b[o];
                for (int p = 0; p < IN; p++) {
                    s += (double) x[i * IN + p] * w[o * IN + p];
                    dw[o * IN + p] += (double) rv[i * OUT + o] * x[i * IN + p];
                }
                y[i * OUT + o] = s;
            }
        }
        for (Linear l : new Linear[] {rowMajor, inputMajor}) {
            Tensor out = l.forward(Tensor.fromArray(x, N, IN));
            assertClose(y, out.toFloatArray(), 1e-5, l.weightOrder() + " output");
            out.mul(r).sum().backward();
            assertClose(dw, l.weight().grad().toFloatArray(), 1e-5, l.weightOrder() + " weight gradient");
        }
        assertArrayEquals(new int[] {1, OUT}, inputMajor.weight().grad().strides());

        Adam a0 = new Adam(rowMajor.parameters(), Adam.Config.DEFAULT.withLr(0.01));
        Adam a1 = new Adam(inputMajor.parameters(), Adam.Config.DEFAULT.withLr(0.01));
        Tensor target = Tensor.randn(new Generator(4), N, OUT);
        for (int step = 0; step < 3; step++) {
            Tensor batch = images(10 + step);
            for (var pair : new Object[][] {{rowMajor, a0}, {inputMajor, a1}}) {
                Linear l = (Linear) pair[0];
                Adam o = (Adam) pair[1];
                o.zeroGrad();
                l.forward(batch).sub(target).pow(2f).mean().backward();
                o.step();
            }
            // Adam's first steps move each weight by about lr whatever the gradient's size, so where a gradient is
            // near zero the two orders' rounding shows more: within a hundredth of lr (a misplaced element moves by
            // about lr)
            float[] expected = rowMajor.weight().toFloatArray();
            float[] actual = inputMajor.weight().toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4, "weight after step " + step + " at " + i);
            }
        }
    }
}
