package dev.backprop.data;

/**
 * A data file is not what it claims to be (wrong magic number, cut short, a non-numeric CSV
 * field). The message names the file, the place (line, byte offset) and what was expected.
 */
public class DataFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
