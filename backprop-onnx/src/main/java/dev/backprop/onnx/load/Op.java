package dev.backprop.onnx.load;

import java.util.List;
import java.util.Set;

/**
 * How one ONNX op type runs on Backprop's tensors: floating-point inputs through the autograd's
 * ops (so each has its gradient), integer inputs computed directly. {@code inputs.get(i)} is null
 * for an optional input left out.
 */
@FunctionalInterface
interface Op {
    List<Value> run(Node node, List<Value> inputs);

    /**
     * An op type's definition: the attributes it understands (any other is refused at import), how
     * many inputs it takes, a check of its attribute values that runs at import ({@code check}
     * throws an {@link IllegalArgumentException} for a value Backprop does not support), and how it runs.
     */
    record Definition(String type, Set<String> attributes, int minInputs, int maxInputs, Check check, Op op) {
        Definition(String type, Set<String> attributes, int minInputs, int maxInputs, Op op) {
            this(type, attributes, minInputs, maxInputs, node -> { }, op);
        }
    }

    /** Refuses, at import, attribute values an op does not support. */
    @FunctionalInterface
    interface Check {
        void check(Node node);
    }
}
