package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.backprop.backend.Backends;
import dev.backprop.nn.Activation;
import dev.backprop.nn.BatchNorm;
import dev.backprop.nn.Conv2d;
import dev.backprop.nn.Flatten;
import dev.backprop.nn.GPT;
import dev.backprop.nn.LSTM;
import dev.backprop.nn.LeNet;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Pool2d;
import dev.backprop.nn.Sequential;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import dev.backprop.testing.RecycledSteps;
import dev.backprop.train.LossFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fast kernels write every element of the results the step memory hands them uninitialised: a
 * step on the NaN-filled buffers of the step before equals a step on new arrays, bit for bit, on
 * shapes that take the blocked GEMM, the direct convolutions, the fused attention and the vector
 * normalisations.
 */
class CpuStepMemoryTest {
    @BeforeAll
    static void onTheCpuBackend() {
        assertEquals("cpu", Backends.active().name());
    }

    @Test
    void leNetOnRecycledBuffers() {
        Generator g = new Generator(5);
        RecycledSteps.assertSameOnRecycledBuffers(() -> new LeNet(1, 10, new Generator(1)), Tensor.randn(g, 32, 1, 28, 28),
                Tensor.randint(g, 0, 10, 32), LossFunction.crossEntropy(), 1e-3);
    }

    @Test
    void aBatchNormConvolutionNetOnRecycledBuffers() {
        Generator g = new Generator(6);
        Supplier<Module> net = () -> {
            Generator w = new Generator(2);
            return new Sequential(new Conv2d(3, 7, 3, w), new BatchNorm(7), Activation.relu(), Pool2d.max(2),
                    new Conv2d(7, 14, 3, w), new BatchNorm(14), Activation.relu(), Pool2d.avg(2, 2, 0), new Flatten(),
                    new Linear(14 * 2 * 2, 10, w));
        };
        RecycledSteps.assertSameOnRecycledBuffers(net, Tensor.randn(g, 24, 3, 16, 16), Tensor.randint(g, 0, 10, 24), LossFunction.crossEntropy(), 1e-2);
    }

    @Test
    void aTransformerOnRecycledBuffers() {
        Generator g = new Generator(7);
        RecycledSteps.assertSameOnRecycledBuffers(() -> new GPT(new GPT.Config(65, 2, 4, 64, 32), new Generator(3)),
                Tensor.randint(g, 0, 65, 8, 32), Tensor.randint(g, 0, 65, 8, 32), LossFunction.tokenCrossEntropy(), 1e-2);
    }

    @Test
    void anLstmOnRecycledBuffers() {
        Generator g = new Generator(8);
        RecycledSteps.assertSameOnRecycledBuffers(() -> new LSTM(20, 48, 2, new Generator(4)), Tensor.randn(g, 16, 12, 20),
                Tensor.randn(g, 16, 12, 48), LossFunction.mse(), 1e-2);
    }
}
