package dev.backprop.nn.functional;

/** How a loss combines its per-element values, as PyTorch's {@code reduction} argument. */
public enum Reduction {
    /** One loss value per element (or per sample for classification losses). */
    NONE,
    /** The average: the default, so that the loss scale does not depend on batch size. */
    MEAN,
    /** The total. */
    SUM
}
