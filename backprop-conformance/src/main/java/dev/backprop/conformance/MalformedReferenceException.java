package dev.backprop.conformance;

/** A reference file does not follow the documented format; the message says where and what. */
public class MalformedReferenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MalformedReferenceException(String message) {
        super(message);
    }

    public MalformedReferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
