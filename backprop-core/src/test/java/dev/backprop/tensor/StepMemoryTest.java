package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        // From the second step on, the weights' gradients are written into the gradients zeroGrad released, not into
        // the step's buffers: the [16, 36] layer's (the other two weights, 36 and 48 values, are below the 256 from
        // which the memory pools arrays).
        long weightGradient = 4L * 16 * 36;
        assertEquals(2 * (first - weightGradient), memory.reusedBytes());
        assertEquals(held - weightGradient, memory.heldBytes(), "the buffer no step took is dropped");
        memory.release();
        assertEquals(0, memory.heldBytes(), "released between steps");
        RecycledSteps.train(model, x, y, LossFunction.crossEntropy(), 1e-2, 1, memory);
        assertEquals(2 * first - weightGradient, memory.allocatedBytes(), "the step after a release allocates its buffers again");
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
    void aBufferGivenBackServesTheNextResultOfTheSameStep() {
        StepMemory memory = StepMemory.poisoning();
        Tensor x = Tensor.randn(new Generator(2), 16, 16);
        try (StepMemory.Scope step = memory.open()) {
            Tensor a = x.relu();
            Tensor view = a.reshape(256);
            assertFalse(step.giveBack(a, java.util.List.of(view)), "a live view still reads it");
            assertFalse(step.giveBack(x, java.util.List.of()), "made outside the step: not the memory's");
            assertTrue(step.giveBack(a, java.util.List.of(x)));
            assertThrows(IllegalStateException.class, a::toFloatArray);
            assertThrows(IllegalStateException.class, view::toFloatArray);
            assertFalse(step.giveBack(a, java.util.List.of()), "given back once");
            long allocated = memory.allocatedBytes();
            Tensor b = x.mul(2f);
            assertEquals(allocated, memory.allocatedBytes(), "the result took the buffer given back");
            assertEquals(4 * 256, memory.reusedBytes());
            assertEquals(2 * x.get(3, 5), b.get(3, 5), "written over the poison");
            assertTrue(step.giveBack(b, java.util.List.of()));
        }
        assertEquals(4 * 256, memory.heldBytes(), "one buffer served both results and is held for the next step");
        long allocated = memory.allocatedBytes();
        try (StepMemory.Scope step = memory.open()) {
            assertEquals(x.get(1, 1) + 1, x.add(1f).get(1, 1));
        }
        assertEquals(allocated, memory.allocatedBytes(), "the next step took it");
    }

    @Test
    void backwardGivesEachGradientBackForTheNextOne() {
        // A chain of ten rules, each computing its input's gradient in one product: the gradients take turns in
        // two buffers (a rule's result is taken before the gradient it read is given back), not ten.
        StepMemory memory = StepMemory.poisoning();
        Generator gen = new Generator(4);
        Tensor x = Tensor.randn(gen, 1024).mul(0.1f).setRequiresGrad(true);
        Tensor c = Tensor.randn(gen, 1024).mul(0.1f);
        try (StepMemory.Scope step = memory.open()) {
            Tensor y = x;
            for (int i = 0; i < 5; i++) {
                y = y.mul(c).exp();
            }
            Tensor loss = y.sum();
            long forward = memory.allocatedBytes();
            loss.backward();
            assertTrue(memory.allocatedBytes() - forward <= 2 * 4 * 1024, "backward allocated "
                    + (memory.allocatedBytes() - forward) + " bytes for a chain of ten [1024] gradients");
            assertTrue(memory.reusedBytes() >= 8 * 4 * 1024, "reused " + memory.reusedBytes());
        }
        // The gradient by hand: dy/dx through y_{k+1} = exp(c y_k), in double.
        float[] xs = x.toFloatArray();
        float[] cs = c.toFloatArray();
        float[] grad = x.grad().toFloatArray();
        for (int j = 0; j < xs.length; j++) {
            double y = xs[j];
            double d = 1;
            for (int i = 0; i < 5; i++) {
                y = Math.exp(cs[j] * y);
                d *= cs[j] * y;
            }
            assertEquals(d, grad[j], 1e-5 * Math.max(1, Math.abs(d)), "x.grad[" + j + "]");
        }
    }

    @Test
    void gradientsThatMeetAreSummedBeforeEitherIsGivenBack() {
        // e = ((a + exp(a)) + a c2) c3, a = x c: add's rule hands one gradient to both its inputs, and a's first one
        // meets the gradient through a c2 while add's second input, exp(a), still waits for that same gradient.
        // Poisoned buffers would show a gradient given back while a path still needed it; outside a step nothing
        // is given back.
        Generator gen = new Generator(8);
        Tensor c = Tensor.randn(gen, 1024).mul(0.3f);
        Tensor c2 = Tensor.randn(gen, 1024);
        Tensor c3 = Tensor.randn(gen, 1024);
        float[] xs = Tensor.randn(gen, 1024).toFloatArray();
        java.util.function.Function<StepMemory, float[]> gradient = memory -> {
            Tensor x = Tensor.fromArray(xs, 1024).setRequiresGrad(true);
            try (StepMemory.Scope step = memory == null ? null : memory.open()) {
                Tensor a = x.mul(c);
                a.add(a.exp()).add(a.mul(c2)).mul(c3).sum().backward();
            }
            return x.grad().toFloatArray();
        };
        float[] plain = gradient.apply(null);
        float[] cs = c.toFloatArray();
        float[] c2s = c2.toFloatArray();
        float[] c3s = c3.toFloatArray();
        for (int j = 0; j < xs.length; j++) {
            double ea = Math.exp((double) xs[j] * cs[j]);
            assertEquals(cs[j] * c3s[j] * (ea + c2s[j] + 1), plain[j], 1e-5 * Math.max(1, ea), "x.grad[" + j + "]");
        }
        assertArrayEquals(plain, gradient.apply(StepMemory.poisoning()), 0f, "the same sums on given-back buffers");
    }

    @Test
    void aGraphKeptForASecondBackwardGivesTheSameGradientsAgain() {
        // The first pass gives its gradients back; the saved forward values the second pass reads are not among them.
        StepMemory memory = StepMemory.poisoning();
        Generator gen = new Generator(9);
        Tensor x = Tensor.randn(gen, 1024).mul(0.1f).setRequiresGrad(true);
        Tensor c = Tensor.randn(gen, 1024);
        try (StepMemory.Scope step = memory.open()) {
            Tensor loss = x.mul(c).exp().mul(c).tanh().sum();
            loss.backward(Tensor.scalar(1f), true);
            float[] once = x.grad().toFloatArray();
            loss.backward(Tensor.scalar(1f), false);
            float[] twice = x.grad().toFloatArray();
            for (int j = 0; j < once.length; j++) {
                assertTrue(Float.isFinite(once[j]), "x.grad[" + j + "] after one pass: " + once[j]);
                assertEquals(2 * once[j], twice[j], 1e-6f * Math.max(1, Math.abs(once[j])), "x.grad[" + j + "] after two");
            }
        }
    }

    @Test
    void aCustomRuleMayKeepTheGradientItIsGiven() {
        java.util.List<Tensor> seen = new java.util.ArrayList<>();
        CustomOp twice = new CustomOp() {
            public String name() {
                return "twice";
            }

            public Tensor forward(Tensor... in) {
                return in[0].mul(2f);
            }

            public Tensor[] backward(Tensor grad, Tensor out, Tensor... in) {
                seen.add(grad);
                return new Tensor[] {grad.mul(2f)};
            }
        };
        StepMemory memory = StepMemory.poisoning();
        Tensor x = Tensor.randn(new Generator(5), 512).setRequiresGrad(true);
        Tensor w = Tensor.randn(new Generator(6), 512);
        try (StepMemory.Scope step = memory.open()) {
            CustomOp.apply(twice, x.mul(w)).mul(w).sum().backward();
            float[] kept = seen.get(0).toFloatArray();   // still this step's, and still w: not given back, not poisoned
            assertArrayEquals(w.toFloatArray(), kept, 0f);
        }
    }

    @Test
    void aGradientThatIsAForwardValueIsNotGivenBack() {
        // A rule that hands back a value of the forward pass as its input's gradient: the rule before it reads that
        // gradient, and the value must survive it, since it is the forward pass's (taken before backward began).
        CustomOp itself = new CustomOp() {
            public String name() {
                return "gradient_is_output";
            }

            public Tensor forward(Tensor... in) {
                return in[0].mul(2f);
            }

            public Tensor[] backward(Tensor grad, Tensor out, Tensor... in) {
                return new Tensor[] {out};
            }
        };
        StepMemory memory = StepMemory.poisoning();
        Generator gen = new Generator(7);
        Tensor x = Tensor.randn(gen, 512).setRequiresGrad(true);
        Tensor c = Tensor.randn(gen, 512);
        try (StepMemory.Scope step = memory.open()) {
            Tensor a = x.mul(c);
            Tensor b = CustomOp.apply(itself, a);
            b.sum().backward();
            float[] as = a.toFloatArray();
            float[] bs = b.toFloatArray();
            float[] cs = c.toFloatArray();
            float[] grad = x.grad().toFloatArray();
            for (int j = 0; j < as.length; j++) {
                assertEquals(2 * as[j], bs[j], 0f, "b[" + j + "] after backward");
                assertEquals(bs[j] * cs[j], grad[j], 1e-6f, "x.grad[" + j + "]");
            }
        }
    }

    @Test
    void aKeptResultOutlivesItsStepAndIsNotReused() {
        StepMemory memory = StepMemory.poisoning();
        Tensor x = Tensor.randn(new Generator(3), 300);
        Tensor kept;
        try (StepMemory.Scope step = memory.open()) {
            kept = x.mul(3f);
            step.keep(kept);
            step.keep(x);   // not the memory's: nothing happens
        }
        assertEquals(3 * x.get(7), kept.get(7), "readable after the step, not poisoned");
        assertEquals(0, memory.heldBytes(), "the memory forgot it");
        try (StepMemory.Scope step = memory.open()) {
            Tensor other = x.mul(5f);
            assertEquals(3 * x.get(7), kept.get(7));
            assertEquals(5 * x.get(7), other.get(7));
        }
        StepMemory.Scope ended = memory.open();
        ended.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ended.keep(kept));
        assertTrue(e.getMessage().contains("has ended"), e.getMessage());
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
