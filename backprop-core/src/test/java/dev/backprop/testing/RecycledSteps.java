package dev.backprop.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.nn.Module;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.StepMemory;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.LossFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Training steps run with and without a {@link StepMemory}, for the tests that check a step on
 * recycled buffers computes exactly what a step on new ones does.
 */
public final class RecycledSteps {
    private RecycledSteps() {
    }

    /** What a run of steps left: each step's loss and the final parameters and buffers by name. */
    public record Result(List<Float> losses, Map<String, float[]> state) {
    }

    /**
     * {@code steps} Adam steps (rate {@code lr}) of {@code model} on one batch, each step's forward and
     * backward inside a step of {@code memory} (outside any when it is null), as the trainer runs them.
     */
    public static Result train(Module model, Tensor x, Tensor y, LossFunction loss, double lr, int steps,
                               StepMemory memory) {
        Adam adam = new Adam(model.parameters(), new Adam.Config(lr, 0.9, 0.999, 1e-8, 0, false));
        List<Float> losses = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            adam.zeroGrad();
            try (StepMemory.Scope scope = memory == null ? null : memory.open()) {
                Tensor l = loss.apply(model.forward(x), y);
                losses.add(l.item());
                l.backward();
            }
            adam.step();
        }
        Map<String, float[]> state = new TreeMap<>();
        model.stateDict().forEach((k, v) -> state.put(k, v.toFloatArray()));
        return new Result(losses, state);
    }

    /**
     * Asserts that three steps of a model from {@code model} on buffers recycled from the step before,
     * NaN-filled ({@link StepMemory#poisoning()}), give the losses and parameters of three steps on new
     * arrays bit for bit, and that the steps train. An op that relied on a new array's zeros would turn
     * a loss or a parameter NaN.
     */
    public static void assertSameOnRecycledBuffers(Supplier<Module> model, Tensor x, Tensor y, LossFunction loss,
                                                   double lr) {
        Result fresh = train(model.get(), x, y, loss, lr, 3, null);
        Result recycled = train(model.get(), x, y, loss, lr, 3, StepMemory.poisoning());
        assertEquals(fresh.losses(), recycled.losses());
        assertTrue(fresh.losses().get(2) < fresh.losses().get(0), "the steps train: " + fresh.losses());
        fresh.state().forEach((name, w) -> assertArrayEquals(w, recycled.state().get(name), name));
    }
}
