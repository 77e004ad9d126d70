package dev.backprop.tensor;

/**
 * The result of {@code max(dim)} or {@code min(dim)}: the extreme values (differentiable) and the
 * index where each was found (float32 integers, no gradient).
 */
public record ValuesAndIndices(Tensor values, Tensor indices) {
}
