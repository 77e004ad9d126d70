package dev.backprop.onnx.load;

import dev.backprop.tensor.Tensor;
import java.util.List;

/** Reading a node's inputs as the kind of value an op needs, with errors that say which input. */
final class Inputs {
    private Inputs() {
    }

    /** Input {@code i} as floating-point data. */
    static Tensor floats(List<Value> in, int i) {
        Value v = in.get(i);
        if (v instanceof Value.Floats f) {
            return f.tensor();
        }
        if (v == null) {
            throw new IllegalArgumentException("input " + i + " is missing");
        }
        throw new IllegalArgumentException("input " + i + " is " + ((Ints) v).type() + ", expected floating-point data");
    }

    /** Input {@code i} as integer data. */
    static Ints ints(List<Value> in, int i) {
        Value v = in.get(i);
        if (v instanceof Ints n) {
            return n;
        }
        if (v == null) {
            throw new IllegalArgumentException("input " + i + " is missing");
        }
        throw new IllegalArgumentException("input " + i + " is floating-point data, expected integers");
    }

    /** Input {@code i}, or null when the optional input is left out. */
    static Value optional(List<Value> in, int i) {
        return i < in.size() ? in.get(i) : null;
    }

    /** {@code axis} (negative counts from the end) as an index into {@code rank} dimensions. */
    static int axis(long axis, int rank) {
        if (axis < -rank || axis >= rank) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) (axis < 0 ? axis + rank : axis);
    }

    /** The single value of a one-element floating-point or integer input, as a double. */
    static double scalar(List<Value> in, int i) {
        Value v = in.get(i);
        if (v instanceof Ints n) {
            return n.single("input " + i);
        }
        Tensor t = floats(in, i);
        if (t.numel() != 1) {
            throw new IllegalArgumentException("input " + i + ": expected one value, got shape " + t.shape());
        }
        return t.toFloatArray()[0];
    }

    static List<Value> one(Value v) {
        return List.of(v);
    }

    static List<Value> one(Tensor t) {
        return List.of(new Value.Floats(t));
    }
}
