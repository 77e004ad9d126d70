package dev.backprop.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.backend.Layout;
import dev.backprop.optim.Adam;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.SGD;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.StepMemory;
import dev.backprop.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A {@link Linear} layer with its weight stored input-major is the same layer as PyTorch's order: the same initial
 * values and state dict, the same outputs and gradients within float rounding, its gradient and an optimizer's state
 * kept in its own order (so Adam's fused pass runs over flat buffers), and an optimizer's state restored into that
 * order.
 */
class WeightOrderTest {
    private static final int IN = 37;
    private static final int OUT = 19;

    private static Linear layer(Linear.WeightOrder order) {
        return new Linear(IN, OUT, true, order, new Generator(3));
    }

    /** A batch of 11 rows, two thirds of the entries zero (as pixels are). */
    private static Tensor input(long seed) {
        Generator g = new Generator(seed);
        Tensor values = Tensor.randn(g, 11, IN);
        Tensor keep = Tensor.rand(g, 11, IN).gt(Tensor.full(0.66f));
        return values.mul(keep);
    }

    private static void assertClose(Tensor expected, Tensor actual, String what) {
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-5 * (1 + Math.abs(e[i])), what + " at " + i);
        }
    }

    @Test
    void theWeightIsPyTorchsTensorEitherWay() {
        Linear rowMajor = layer(Linear.WeightOrder.OUTPUT_MAJOR);
        Linear inputMajor = layer(Linear.WeightOrder.INPUT_MAJOR);
        assertEquals(Linear.WeightOrder.OUTPUT_MAJOR, rowMajor.weightOrder());
        assertEquals(Linear.WeightOrder.INPUT_MAJOR, inputMajor.weightOrder());
        assertEquals(List.of(OUT, IN), List.of(inputMajor.weight().shape().dims()[0], inputMajor.weight().shape().dims()[1]));
        assertArrayEquals(new int[] {1, OUT}, inputMajor.weight().strides());
        assertArrayEquals(rowMajor.weight().toFloatArray(), inputMajor.weight().toFloatArray(), 0f);
        assertArrayEquals(rowMajor.bias().toFloatArray(), inputMajor.bias().toFloatArray(), 0f);
        assertEquals(rowMajor.stateDict().keySet(), inputMajor.stateDict().keySet());
        assertTrue(inputMajor.weight().isLeaf());
    }

    @Test
    void outputsAndGradientsAgreeAndTheGradientKeepsTheWeightsOrder() {
        Linear rowMajor = layer(Linear.WeightOrder.OUTPUT_MAJOR);
        Linear inputMajor = layer(Linear.WeightOrder.INPUT_MAJOR);
        Tensor r = Tensor.randn(new Generator(9), 11, OUT);
        Tensor[] x = new Tensor[2];
        Tensor[] y = new Tensor[2];
        Linear[] layers = {rowMajor, inputMajor};
        for (int i = 0; i < 2; i++) {
            x[i] = input(4).setRequiresGrad(true);
            y[i] = layers[i].forward(x[i]);
            y[i].mul(r).sum().backward();
        }
        assertClose(y[0], y[1], "output");
        assertClose(rowMajor.weight().grad(), inputMajor.weight().grad(), "weight gradient");
        assertClose(rowMajor.bias().grad(), inputMajor.bias().grad(), "bias gradient");
        assertClose(x[0].grad(), x[1].grad(), "input gradient");
        assertArrayEquals(new int[] {1, OUT}, inputMajor.weight().grad().strides());
        // the expected weight gradient, written out: dW = r^T x
        assertClose(r.t().matmul(input(4)), inputMajor.weight().grad(), "weight gradient against r^T x");
    }

    /** One step of {@code o} on the mean squared error of {@code l} on batch {@code batch} against {@code target}. */
    private static void step(Linear l, Optimizer o, int batch, Tensor target) {
        o.zeroGrad();
        l.forward(input(batch)).sub(target).pow(2f).mean().backward();
        o.step();
    }

    /** Trains two copies side by side, checking after each of six steps that they agree and the order is kept. */
    private static void trainSideBySide(Function<List<Tensor>, Optimizer> optimizer) {
        Linear rowMajor = layer(Linear.WeightOrder.OUTPUT_MAJOR);
        Linear inputMajor = layer(Linear.WeightOrder.INPUT_MAJOR);
        Optimizer o0 = optimizer.apply(rowMajor.parameters());
        Optimizer o1 = optimizer.apply(inputMajor.parameters());
        Tensor target = Tensor.randn(new Generator(8), 11, OUT);
        for (int step = 0; step < 6; step++) {
            step(rowMajor, o0, step, target);
            step(inputMajor, o1, step, target);
            assertClose(rowMajor.weight(), inputMajor.weight(), "weight after step " + step);
            assertClose(rowMajor.bias(), inputMajor.bias(), "bias after step " + step);
            assertArrayEquals(new int[] {1, OUT}, inputMajor.weight().strides(), "the update keeps the order");
            assertArrayEquals(new int[] {1, OUT}, inputMajor.weight().grad().strides(), "the reused gradient buffer");
        }
    }

    /** Clipping by the global norm reads an input-major gradient in place and scales it as the row-major one. */
    @Test
    void clippingByNormTreatsEitherOrderAlike() {
        Linear rowMajor = layer(Linear.WeightOrder.OUTPUT_MAJOR);
        Linear inputMajor = layer(Linear.WeightOrder.INPUT_MAJOR);
        Tensor target = Tensor.randn(new Generator(8), 11, OUT);
        double[] norms = new double[2];
        Linear[] layers = {rowMajor, inputMajor};
        for (int i = 0; i < 2; i++) {
            layers[i].forward(input(1)).sub(target).pow(2f).sum().backward();
            norms[i] = dev.backprop.optim.GradClip.clipGradNorm(layers[i].parameters(), 0.5);
        }
        assertEquals(norms[0], norms[1], 1e-6 * norms[0]);
        assertTrue(norms[0] > 0.5, "the gradient is clipped: its norm was " + norms[0]);
        assertClose(rowMajor.weight().grad(), inputMajor.weight().grad(), "clipped weight gradient");
        assertArrayEquals(new int[] {1, OUT}, inputMajor.weight().grad().strides());
    }

    @Test
    void adamsFusedUpdateTrainsEitherOrderAlike() {
        trainSideBySide(p -> new Adam(p, Adam.Config.DEFAULT.withLr(0.01)));
    }

    @Test
    void optimizersOfTensorOpsTrainEitherOrderAlike() {
        trainSideBySide(p -> new SGD(p, SGD.Config.DEFAULT.withLr(0.05).withMomentum(0.9)));
    }

    /**
     * A rule of tensor ops (SGD's momentum) runs over the buffers in order ({@code Optimizer.step}): the state it makes
     * keeps the parameter's shape and order, saves as the parameter's shape and resumes to the same bits.
     */
    @Test
    void stateMadeDuringAStepKeepsTheParametersShapeAndOrder() {
        Linear l = layer(Linear.WeightOrder.INPUT_MAJOR);
        SGD sgd = new SGD(l.parameters(), SGD.Config.DEFAULT.withLr(0.05).withMomentum(0.9).withNesterov(true));
        Tensor target = Tensor.randn(new Generator(8), 11, OUT);
        for (int step = 0; step < 3; step++) {
            step(l, sgd, step, target);
        }
        Tensor buffer = sgd.state().tensors().get("momentum_buffer.0");
        assertEquals(l.weight().shape(), buffer.shape());
        Linear copy = layer(Linear.WeightOrder.INPUT_MAJOR);
        copy.loadStateDict(l.stateDict());
        SGD resumed = new SGD(copy.parameters(), SGD.Config.DEFAULT.withLr(0.05).withMomentum(0.9).withNesterov(true));
        resumed.restore(sgd.state());
        step(l, sgd, 3, target);
        step(copy, resumed, 3, target);
        assertArrayEquals(l.weight().toFloatArray(), copy.weight().toFloatArray(), 0f);
        assertArrayEquals(new int[] {1, OUT}, l.weight().strides());
    }

    @Test
    void anOptimizersStateIsRestoredInTheParametersOrder() {
        Linear l = layer(Linear.WeightOrder.INPUT_MAJOR);
        Adam adam = new Adam(l.parameters(), Adam.Config.DEFAULT.withLr(0.01));
        Tensor target = Tensor.randn(new Generator(8), 11, OUT);
        for (int step = 0; step < 3; step++) {
            step(l, adam, step, target);
        }
        Linear copy = layer(Linear.WeightOrder.INPUT_MAJOR);
        copy.loadStateDict(l.stateDict());
        Adam resumed = new Adam(copy.parameters(), Adam.Config.DEFAULT.withLr(0.01));
        resumed.restore(adam.state());
        step(l, adam, 3, target);
        step(copy, resumed, 3, target);
        assertArrayEquals(l.weight().toFloatArray(), copy.weight().toFloatArray(), 0f);
    }

    @Test
    void aStateDictLoadsAcrossOrders() {
        Linear rowMajor = new Linear(IN, OUT, true, Linear.WeightOrder.OUTPUT_MAJOR, new Generator(41));
        Linear inputMajor = layer(Linear.WeightOrder.INPUT_MAJOR);
        inputMajor.loadStateDict(rowMajor.stateDict());
        assertArrayEquals(rowMajor.weight().toFloatArray(), inputMajor.weight().toFloatArray(), 0f);
        assertArrayEquals(new int[] {1, OUT}, inputMajor.weight().strides());
        try (var off = GradMode.noGrad()) {
            assertClose(rowMajor.forward(input(5)), inputMajor.forward(input(5)), "output after loading");
        }
    }

    /** A layer built while a step is open owns its weight: the step's end (which poisons its buffers) leaves it. */
    @Test
    void aLayerBuiltInsideAStepOwnsItsWeight() {
        StepMemory memory = StepMemory.poisoning();
        Linear inputMajor;
        try (StepMemory.Scope step = memory.open()) {
            inputMajor = layer(Linear.WeightOrder.INPUT_MAJOR);
        }
        try (StepMemory.Scope next = memory.open()) {
            Tensor.randn(new Generator(1), OUT, IN).add(1f);   // takes back whatever the first step gave out
        }
        assertArrayEquals(layer(Linear.WeightOrder.OUTPUT_MAJOR).weight().toFloatArray(),
                inputMajor.weight().toFloatArray(), 0f);
    }

    @Test
    void theMlpsFirstLayerIsStoredInputMajor() {
        Module mlp = new ModelSpec.Mlp(IN, List.of(16, 8), 3, ActivationKind.RELU, 0f).build(new Generator(0));
        assertArrayEquals(new int[] {1, 16}, mlp.namedParameters().get("0.weight").strides());
        assertArrayEquals(new int[] {16, 1}, mlp.namedParameters().get("2.weight").strides());
    }

    @Test
    void denseLayoutsAreThoseThatFillTheirSlots() {
        assertTrue(new Layout(new int[] {2, 3}, new int[] {3, 1}, 0).isDense());
        assertTrue(new Layout(new int[] {2, 3}, new int[] {1, 2}, 0).isDense());
        assertTrue(new Layout(new int[] {2, 1, 3}, new int[] {1, 99, 2}, 0).isDense());
        assertTrue(new Layout(new int[] {2, 0}, new int[] {5, 5}, 0).isDense());
        assertFalse(new Layout(new int[] {2, 3}, new int[] {4, 1}, 0).isDense(), "a row's gap");
        assertFalse(new Layout(new int[] {2, 3}, new int[] {0, 1}, 0).isDense(), "a broadcast dimension");
        assertFalse(new Layout(new int[] {2, 3}, new int[] {1, 1}, 0).isDense(), "overlapping");
        assertTrue(new Layout(new int[] {2, 3, 4}, new int[] {1, 8, 2}, 0).isDense());
        assertTrue(new Layout(new int[] {2, 3, 4}, new int[] {1, 2, 6}, 0).isDense());
        assertFalse(new Layout(new int[] {2, 3, 4}, new int[] {1, 3, 8}, 0).isDense(), "a gap between two dimensions");
        assertFalse(new Layout(new int[] {2, 3, 4}, new int[] {12, 4, -1}, 0).isDense(), "a reversed dimension");
    }
}
