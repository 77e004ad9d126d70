package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.nn.Activation;
import dev.backprop.nn.BatchNorm;
import dev.backprop.nn.Conv2d;
import dev.backprop.nn.Flatten;
import dev.backprop.nn.GPT;
import dev.backprop.nn.LSTM;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Pool2d;
import dev.backprop.nn.Sequential;
import dev.backprop.testing.RecycledSteps;
import dev.backprop.train.LossFunction;
import org.junit.jupiter.api.Test;

/**
 * A training step on the buffers of the step before computes exactly what it computes on new ones,
 * allocates nothing new once the memory holds a step, and a tensor or graph kept past its step fails
 * loudly instead of reading the next step's values.
 */
class StepMemoryTest {
    private static Module convNet() {
        Generator g = new Generator(1);
        return new Sequential(new Conv2d(1, 4, 3, g), new BatchNorm(4), Activation.relu(), Pool2d.max(2), new Flatten(),
                new Linear(36, 16, g), Activation.gelu(), new Linear(16, 3, g));
    }

    @Test
    void convolutionBatchNormPoolingAndDenseLayersComputeTheSameOnRecycledBuffers() {
        Generator g = new Generator(7);
        RecycledSteps.assertSameOnRecycledBuffers(StepMemoryTest::convNet, Tensor.randn(g, 8, 1, 8, 8), Tensor.randint(g, 0, 3, 8),
                LossFunction.crossEntropy(), 1e-2);
    }

    @Test
    void aTransformerComputesTheSameOnRecycledBuffers() {
        Generator g = new Generator(8);
        Tensor tokens = Tensor.randint(g, 0, 11, 4, 8);
        Tensor next = Tensor.randint(g, 0, 11, 4, 8);
        RecycledSteps.assertSameOnRecycledBuffers(() -> new GPT(new GPT.Config(11, 2, 2, 16, 8), new Generator(2)), tokens, next,
                LossFunction.tokenCrossEntropy(), 1e-2);
    }

    @Test
    void anLstmComputesTheSameOnRecycledBuffers() {
        Generator g = new Generator(9);
        RecycledSteps.assertSameOnRecycledBuffers(() -> new LSTM(3, 8, 2, new Generator(3)), Tensor.randn(g, 4, 5, 3), Tensor.randn(g, 4, 5, 8),
                LossFunction.mse(), 1e-2);
    }

    @Test
    void aSecondStepLikeTheFirstTakesEveryBufferFromTheFirst() {
        Module model = convNet();
        Generator g = new Generator(7);
        Tensor x = Tensor.randn(g, 64, 1, 8, 8);
        Tensor y = Tensor.randint(g, 0, 3, 64);
        StepMemory memory = new StepMemory();
        RecycledSteps.train(model, x, y, LossFunction.crossEntropy(), 1e-2, 1, memory);
        long first = memory.allocatedBytes();
        long held = memory.heldBytes();
        assertTrue(first > 64 * 4 * 36 * 4, "the first step's activations came from the memory: " + first + " bytes");
        assertEquals(0, memory.reusedBytes());
        RecycledSteps.train(model, x, y, LossFunction.crossEntropy(), 1e-2, 2, memory);
        assertEquals(first, memory.allocatedBytes(), "nothing new after the first step");
        assertEquals(2 * first, memory.reusedBytes());
        assertEquals(held, memory.heldBytes());
        memory.release();
        assertEquals(0, memory.heldBytes(), "released between steps");
        RecycledSteps.train(model, x, y, LossFunction.crossEntropy(), 1e-2, 1, memory);
        assertEquals(2 * first, memory.allocatedBytes(), "the step after a release allocates its buffers again");
    }

    @Test
    void aTensorKeptPastItsStepRefusesToBeReadAndSaysWhy() {
        StepMemory memory = StepMemory.poisoning();
        Tensor w = Tensor.randn(new Generator(1), 4, 4).setRequiresGrad(true);
        Tensor kept;
        Tensor loss;
        try (StepMemory.Scope step = memory.open()) {
            kept = w.matmul(w).relu();
            loss = kept.sum();
            assertTrue(kept.get(0, 0) >= 0f, "readable inside the step");
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, kept::toFloatArray);
        assertTrue(e.getMessage().contains("used after the step ended") && e.getMessage().contains("toFloatArray()"),
                e.getMessage());
        assertThrows(IllegalStateException.class, () -> kept.add(kept));
        IllegalStateException graph = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(graph.getMessage().contains("call backward before the step ends"), graph.getMessage());
        assertEquals(16, w.toFloatArray().length, "what was made outside the step stays");
    }

    @Test
    void parametersGradientsAreTheirOwnAndOutliveTheStep() {
        StepMemory memory = StepMemory.poisoning();
        Tensor w = Tensor.of(new float[][] {{1, 2}, {3, 4}}).setRequiresGrad(true);
        for (int step = 0; step < 2; step++) {
            w.zeroGrad();
            try (StepMemory.Scope s = memory.open()) {
                w.mul(w).sum().backward();
            }
            assertNotNull(w.grad());
            assertArrayEquals(new float[] {2, 4, 6, 8}, w.grad().toFloatArray());
        }
    }

    @Test
    void aMemoryRunsOneStepAtATime() {
        StepMemory memory = new StepMemory();
        try (StepMemory.Scope outer = memory.open()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, memory::open);
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
            try (StepMemory.Scope inner = new StepMemory().open()) {
                IllegalStateException order = assertThrows(IllegalStateException.class, outer::close);
                assertTrue(order.getMessage().contains("close the inner step first"), order.getMessage());
            }
        }
        try (StepMemory.Scope again = memory.open()) {
            assertEquals(300f, Tensor.ones(300).sum().item());
        }
    }
}
