package dev.backprop.backend;

/**
 * Reductions of each row of a contiguous {@code [rows, cols]} block to one value. {@code ARGMAX}
 * and {@code ARGMIN} give the first column index of the extreme value, as a float; NaN wins over
 * numbers, as in PyTorch.
 */
public enum ReduceOp {
    SUM, MAX, MIN, ARGMAX, ARGMIN
}
