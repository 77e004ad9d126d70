package dev.backprop.io;

import java.io.IOException;

/**
 * A file is not a valid instance of its format (a bad header, offsets out of range, a cut-short
 * body). Nothing is loaded from such a file; the message names the file and the fault.
 */
public class CorruptFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptFileException(String message) {
        super(message);
    }

    public CorruptFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
