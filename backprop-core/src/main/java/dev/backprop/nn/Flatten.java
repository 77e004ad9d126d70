package dev.backprop.nn;

import dev.backprop.tensor.Tensor;

/** Flattens every dimension after the batch dimension: {@code [N, d1, d2, ...] -> [N, d1*d2*...]}. */
public final class Flatten extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return input.rank() <= 1 ? input : input.flatten(1, -1);
    }

    @Override
    public String toString() {
        return "Flatten()";
    }
}
