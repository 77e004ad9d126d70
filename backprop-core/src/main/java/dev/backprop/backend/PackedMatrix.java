package dev.backprop.backend;

/**
 * A matrix B {@code [rows, columns]} laid out once by a {@link Backend} for many products
 * {@code A B} ({@link Backend#gemmPacked}): a trained layer's weights at inference, read for every
 * token or request. The layout is the backend's own (the vector backend's is the panels of columns
 * its register tile reads, so a product streams B front to back with no copy or gather), which is
 * why only the backend that packed a matrix can multiply by it.
 */
public interface PackedMatrix {
    /** k: rows of B, the products' inner dimension. */
    int rows();

    /** n: columns of B, the width of the products' output. */
    int columns();
}
