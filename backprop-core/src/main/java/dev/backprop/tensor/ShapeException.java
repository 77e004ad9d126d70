package dev.backprop.tensor;

/**
 * A caller passed tensors whose shapes do not fit the operation. The message names the operation
 * and every shape involved, e.g. {@code matmul: [3, 4] x [5, 6]: inner dimensions 4 and 5 differ}.
 */
public class ShapeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ShapeException(String message) {
        super(message);
    }
}
