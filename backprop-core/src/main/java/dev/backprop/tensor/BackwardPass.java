package dev.backprop.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode differentiation: orders the graph behind a root tensor topologically, then walks
 * it from the root back to the leaves, applying each node's gradient rule (the chain rule) and
 * summing the gradients that reach a tensor along different paths. Leaves receive their sum in
 * {@link Tensor#grad()}. Inside a {@link StepMemory} step, each gradient's buffer is given back as soon as
 * the rule it feeds has run, so the gradients of a long chain take turns in a few buffers that stay in the
 * cache, rather than each writing a buffer last touched a step ago.
 */
final class BackwardPass {
    private BackwardPass() {
    }

    static void run(Tensor root, Tensor rootGrad, boolean retainGraph) {
        List<Tensor> order = topologicalOrder(root);
        boolean giving = StepMemory.beginBackward();
        Map<Tensor, Tensor> pending = new IdentityHashMap<>();
        pending.put(root, rootGrad);
        boolean outer = AnomalyDetection.backward(true);
        try (var scope = GradMode.noGrad()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor g = pending.remove(t);
                if (g == null) {
                    continue;
                }
                if (t.retainsGrad()) {
                    t.accumulateGrad(g);
                }
                Node node = t.gradFn();
                Tensor[] inputGrads = node.backward(g);
                AnomalyDetection.checkBackward(node, g, inputGrads);
                if (!retainGraph) {
                    node.release();
                }
                propagate(node, inputGrads, pending, giving);
                if (giving && !node.holdsGradient()) {
                    // Read for the last time: its buffer goes to the next gradient of its length, still in cache.
                    // The gradients still to be summed or used are all in pending (the leaves' are copied).
                    StepMemory.giveBackGradient(g, pending.values());
                }
            }
        } finally {
            AnomalyDetection.backward(outer);
        }
    }

    private static void propagate(Node node, Tensor[] inputGrads, Map<Tensor, Tensor> pending, boolean giving) {
        if (inputGrads.length != node.inputs.length) {
            throw new AssertionError("Backprop bug: gradient rule of '" + node.op + "' returned "
                    + inputGrads.length + " gradients for " + node.inputs.length + " inputs");
        }
        for (int j = 0; j < inputGrads.length; j++) {
            Tensor input = node.inputs[j];
            Tensor gj = inputGrads[j];
            if (input == null || !input.requiresGrad()) {
                continue;
            }
            if (gj == null) {
                throw new UnsupportedOperationException("'" + node.op + "' has no gradient for its input " + j + " "
                        + input.shape() + ", which requires one; compute that input under GradMode.noGrad() or detach()"
                        + " it if no gradient should flow there");
            }
            if (!gj.shape().equals(input.shape())) {
                throw new AssertionError("Backprop bug: gradient of '" + node.op + "' for input " + j
                        + " has shape " + gj.shape() + ", expected " + input.shape());
            }
            if (input.gradFn() == null) {
                input.accumulateGrad(gj);
                continue;
            }
            Tensor before = pending.get(input);
            if (before == null) {
                pending.put(input, gj);
                continue;
            }
            // Two paths meet: their sum replaces both, read for the last time unless this rule's later
            // gradients are one of them (a rule may return one tensor for two inputs).
            pending.put(input, before.add(gj));
            if (giving && !readLater(before, inputGrads, j + 1)) {
                StepMemory.giveBackGradient(before, pending.values());
            }
            if (giving && !readLater(gj, inputGrads, j + 1)) {
                StepMemory.giveBackGradient(gj, pending.values());
            }
        }
    }

    /** Whether one of the rule's gradients from index {@code from} on lies in t's buffer. */
    private static boolean readLater(Tensor t, Tensor[] grads, int from) {
        for (int i = from; i < grads.length; i++) {
            if (grads[i] != null && grads[i].storage.raw() == t.storage.raw()) {
                return true;
            }
        }
        return false;
    }

    /** A tensor of the depth-first walk, and the index of the next of its node's inputs to visit. */
    private record Frame(Tensor tensor, int next) {
    }

    /** Non-leaf tensors reachable from {@code root}, each after all tensors it was computed from. */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(root, 0));
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Frame frame = stack.pop();
            Tensor t = frame.tensor();
            Node node = t.gradFn();
            int next = frame.next();
            if (node != null && node.isReleased()) {
                node.backward(null);  // throws the "graph freed" error naming the op
            }
            if (node == null || next == node.inputs.length) {
                if (node != null) {
                    order.add(t);
                }
                continue;
            }
            stack.push(new Frame(t, next + 1));
            Tensor input = node.inputs[next];
            if (input != null && input.gradFn() != null && visited.put(input, Boolean.TRUE) == null) {
                stack.push(new Frame(input, 0));
            }
        }
        return order;
    }
}
