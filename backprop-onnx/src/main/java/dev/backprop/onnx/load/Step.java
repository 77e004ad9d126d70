package dev.backprop.onnx.load;

import java.util.List;

/**
 * One node as the model runs it: the node, its op, and the values that nobody reads after it
 * (dropped then, so a long graph does not hold every intermediate value).
 */
record Step(Node node, Op op, List<String> lastReadHere) {
}
