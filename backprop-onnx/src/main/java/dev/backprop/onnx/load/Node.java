package dev.backprop.onnx.load;

import java.util.List;

/**
 * One node of an imported graph: its op, the names of the values it reads (an empty name is an
 * optional input left out) and writes, its attributes, and the opset version of its domain, which
 * decides how some ops read their settings (attributes before, inputs after).
 */
record Node(String name, String opType, List<String> inputs, List<String> outputs, Attributes attributes, int opset) {

    /** How errors name this node: {@code node 'name' (MatMul, opset 11)}. */
    String describe() {
        return "node '" + (name.isEmpty() ? outputs.isEmpty() ? "?" : outputs.get(0) : name) + "' (" + opType + ", opset "
                + opset + ")";
    }

    /** Whether optional input {@code i} is given. */
    boolean hasInput(int i) {
        return i < inputs.size() && !inputs.get(i).isEmpty();
    }
}
