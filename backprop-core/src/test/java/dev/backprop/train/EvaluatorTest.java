package dev.backprop.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.backprop.nn.Activation;
import dev.backprop.nn.BatchNorm;
import dev.backprop.nn.Conv2d;
import dev.backprop.nn.Flatten;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Pool2d;
import dev.backprop.nn.Sequential;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Batch by batch, each batch in the buffers of the one before, the outputs are those of one example at a time. */
class EvaluatorTest {
    @Test
    void batchesOnRecycledBuffersGiveEachExamplesOwnOutputs() {
        Generator g = new Generator(3);
        Module net = new Sequential(new Conv2d(1, 4, 3, g), new BatchNorm(4), Activation.relu(), Pool2d.max(2),
                new Flatten(), new Linear(36, 5, g));
        Tensor x = Tensor.randn(g, 50, 1, 8, 8);
        net.train();
        try (var off = GradMode.noGrad()) {
            net.forward(x);   // running statistics away from their start, so evaluation mode shows
        }
        Tensor batched = new Evaluator(net, LossFunction.crossEntropy()).predict(x, 7);
        assertEquals(50, batched.size(0));
        net.eval();
        for (int i = 0; i < 50; i++) {
            float[] one;
            try (var off = GradMode.noGrad()) {
                one = net.forward(x.narrow(0, i, 1)).toFloatArray();
            }
            assertArrayEquals(one, batched.narrow(0, i, 1).toFloatArray(), "example " + i);
        }
    }
}
