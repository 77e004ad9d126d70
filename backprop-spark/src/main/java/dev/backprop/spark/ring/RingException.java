package dev.backprop.spark.ring;

/** A ring of workers failed: a neighbour died, stalled past the timeout, or closed its connection. */
public final class RingException extends RuntimeException {
    RingException(String message, Throwable cause) {
        super(message, cause);
    }
}
