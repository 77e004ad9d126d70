package dev.backprop.tensor;

/**
 * The gradient rule of one recorded operation: given the gradient of the loss with respect to the
 * operation's output, returns the gradient with respect to each input, in input order ({@code null}
 * for an input that needs none). Runs with recording off.
 */
@FunctionalInterface
interface BackwardFn {
    Tensor[] apply(Tensor gradOutput);
}
