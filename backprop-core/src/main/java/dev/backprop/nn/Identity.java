package dev.backprop.nn;

import dev.backprop.tensor.Tensor;

/** Returns its input unchanged: a placeholder where a layer is optional. */
public final class Identity extends Module {
    @Override
    public Tensor forward(Tensor input) {
        return input;
    }

    @Override
    public String toString() {
        return "Identity()";
    }
}
