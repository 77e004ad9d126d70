package dev.backprop.data;

import dev.backprop.tensor.Tensor;

/**
 * One mini-batch: inputs {@code [B, ...]} (feature rows, images, or token windows {@code [B, T]})
 * and their targets (class indices or values {@code [B]}, or the next token at each position
 * {@code [B * T]}).
 *
 * <pre>{@code
 * Batch b = new Batch(Tensor.randn(gen, 32, 784), labels);
 * Tensor loss = Losses.crossEntropy(model.forward(b.inputs()), b.targets());
 * }</pre>
 */
public record Batch(Tensor inputs, Tensor targets) {
    /** The number of examples (rows, images or windows): the size of the first dimension. */
    public int size() {
        return inputs.size(0);
    }
}
