package dev.backprop.onnx.load;

import java.io.IOException;

/**
 * An ONNX file that cannot be imported: not a valid ONNX protobuf, a graph that is cut short,
 * cyclic or refers to values nobody computes, an op, attribute or opset Backprop does not
 * implement, or external data that is missing or lies outside the model's folder. The message
 * names the file and, where there is one, the node, its op and the opset. Nothing is half-loaded:
 * the import either returns a whole model or throws this.
 */
public final class OnnxImportException extends IOException {
    private static final long serialVersionUID = 1L;

    public OnnxImportException(String message) {
        super(message);
    }

    public OnnxImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
