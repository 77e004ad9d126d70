package dev.backprop.explain;

import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The autograd graph behind a tensor as Graphviz DOT, and as SVG through Graphviz's {@code dot}
 * when it is installed. The forward graph shows each recorded op with its output shape, fed by the
 * leaves (parameters by name, inputs and constants with their shapes); the backward graph shows
 * the same ops as gradient rules in the order backward runs them, from the loss down to the
 * parameters whose gradients they accumulate, each edge labelled with the gradient's shape.
 *
 * <pre>{@code
 * Tensor loss = Losses.crossEntropy(model.forward(x), y);
 * String dot = GraphExport.dot(loss, model.namedParameters(), GraphExport.Direction.FORWARD);
 * Files.writeString(Path.of("forward.svg"), GraphExport.svg(dot));
 * }</pre>
 */
public final class GraphExport {

    /** Which graph: the computation as it ran, or the gradients flowing back through it. */
    public enum Direction { FORWARD, BACKWARD }

    private GraphExport() {
    }

    /**
     * DOT for the graph that computed {@code root}; {@code names} labels tensors by identity
     * (usually {@code model.namedParameters()}, plus any inputs worth naming).
     */
    public static String dot(Tensor root, Map<String, Tensor> names, Direction direction) {
        Map<Tensor, String> labels = new IdentityHashMap<>();
        names.forEach((n, t) -> labels.put(t, n));
        Map<Tensor, String> ids = new IdentityHashMap<>();
        List<Tensor> order = new ArrayList<>();
        ArrayDeque<Tensor> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            Tensor t = stack.pop();
            if (ids.containsKey(t)) {
                continue;
            }
            ids.put(t, "n" + ids.size());
            order.add(t);
            for (Tensor input : t.gradFnInputs()) {
                if (input != null && !ids.containsKey(input)) {
                    stack.push(input);
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("digraph ").append(direction == Direction.FORWARD ? "forward" : "backward").append(" {\n");
        sb.append("  rankdir=").append(direction == Direction.FORWARD ? "BT" : "TB").append(";\n");
        sb.append("  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
        if (direction == Direction.FORWARD) {
            forward(sb, order, ids, labels, root);
        } else {
            backward(sb, order, ids, labels, root);
        }
        return sb.append("}\n").toString();
    }

    private static void forward(StringBuilder sb, List<Tensor> order, Map<Tensor, String> ids, Map<Tensor, String> labels,
                                Tensor root) {
        for (Tensor t : order) {
            String id = ids.get(t);
            if (t.isLeaf()) {
                String name = labels.getOrDefault(t, t.requiresGrad() ? "leaf" : "input");
                node(sb, id, name + "\n" + t.shape(), "box", t.requiresGrad() ? "#cfe3ff" : "#eeeeee");
            } else {
                node(sb, id, t.gradFnName() + "\n" + t.shape(), "ellipse", t == root ? "#ffd9b3" : "#ffffff");
                for (Tensor input : t.gradFnInputs()) {
                    if (input != null) {
                        sb.append("  ").append(ids.get(input)).append(" -> ").append(id).append(";\n");
                    }
                }
            }
        }
    }

    private static void backward(StringBuilder sb, List<Tensor> order, Map<Tensor, String> ids, Map<Tensor, String> labels,
                                 Tensor root) {
        node(sb, "start", "d " + (root.numel() == 1 ? "loss" : "output") + " = 1\n" + root.shape(), "plaintext", "#ffffff");
        sb.append("  start -> ").append(ids.get(root)).append(";\n");
        for (Tensor t : order) {
            String id = ids.get(t);
            if (t.isLeaf()) {
                if (t.requiresGrad()) {
                    node(sb, id, "accumulate grad\n" + labels.getOrDefault(t, "leaf") + "\n" + t.shape(), "box", "#cfe3ff");
                }
                continue;
            }
            node(sb, id, t.gradFnName() + " backward", "ellipse", t == root ? "#ffd9b3" : "#ffffff");
            for (Tensor input : t.gradFnInputs()) {
                if (input != null && input.requiresGrad()) {
                    sb.append("  ").append(id).append(" -> ").append(ids.get(input))
                            .append(" [label=\"").append(escape(input.shape().toString())).append("\"];\n");
                }
            }
        }
    }

    private static void node(StringBuilder sb, String id, String label, String shape, String fill) {
        sb.append("  ").append(id).append(" [label=\"").append(escape(label)).append("\", shape=").append(shape)
                .append(", style=filled, fillcolor=\"").append(fill).append("\"];\n");
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /**
     * Renders DOT as SVG with Graphviz's {@code dot} from the {@code PATH}; an error that says how to
     * install it when it is missing (Debian and Ubuntu: {@code apt install graphviz}).
     */
    public static String svg(String dot) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder("dot", "-Tsvg").redirectErrorStream(false).start();
        } catch (IOException e) {
            throw new IOException("rendering SVG needs Graphviz's 'dot' on the PATH (Debian/Ubuntu: apt install graphviz;"
                    + " macOS: brew install graphviz); the DOT text itself needs nothing", e);
        }
        try (var in = p.getOutputStream()) {
            in.write(dot.getBytes(StandardCharsets.UTF_8));
        }
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("dot -Tsvg failed: " + new String(err, StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while dot rendered the graph", e);
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
