package dev.backprop.nn;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/** What LSTM and GRU share: parameter registration with PyTorch's names and init, and input checks. */
final class Recurrence {
    private Recurrence() {
    }

    /**
     * Registers layer {@code k}'s {@code weight_ih_lk [gates H, in]}, {@code weight_hh_lk [gates H, H]},
     * {@code bias_ih_lk} and {@code bias_hh_lk}, uniform in {@code [-1/sqrt(H), 1/sqrt(H)]} as PyTorch.
     */
    static Tensor[] register(Module m, int k, int in, int hidden, int gates, Generator g) {
        float bound = (float) (1 / Math.sqrt(hidden));
        Tensor wih = m.registerParameter("weight_ih_l" + k, uniform(g, bound, gates * hidden, in));
        Tensor whh = m.registerParameter("weight_hh_l" + k, uniform(g, bound, gates * hidden, hidden));
        Tensor bih = m.registerParameter("bias_ih_l" + k, uniform(g, bound, gates * hidden));
        Tensor bhh = m.registerParameter("bias_hh_l" + k, uniform(g, bound, gates * hidden));
        return new Tensor[] {wih, whh, bih, bhh};
    }

    private static Tensor uniform(Generator g, float bound, int... shape) {
        return Tensor.rand(g, shape).mul(2 * bound).sub(Tensor.scalar(bound));
    }

    static void checkInput(String layer, Tensor input, int inputSize) {
        if (input.rank() != 3 || input.size(2) != inputSize) {
            throw new ShapeException(layer + ": input of shape " + input.shape() + " does not fit: expected [batch, steps, "
                    + inputSize + "] (batch first)");
        }
        if (input.size(1) == 0) {
            throw new ShapeException(layer + ": input of shape " + input.shape() + " has no steps");
        }
    }

    /** Layer {@code k}'s initial state from {@code [layers, B, H]}, or zeros. */
    static Tensor initial(String layer, Tensor state, int k, int layers, int batch, int hidden) {
        if (state == null) {
            return Tensor.zeros(batch, hidden);
        }
        if (state.rank() != 3 || state.size(0) != layers || state.size(1) != batch || state.size(2) != hidden) {
            throw new ShapeException(layer + ": initial state of shape " + state.shape() + " does not fit: expected ["
                    + layers + ", " + batch + ", " + hidden + "]");
        }
        return state.select(0, k);
    }
}
