package dev.backprop.onnx.load;

import dev.backprop.tensor.GradMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Imports an ONNX file into a trainable {@link OnnxModel}: every floating-point initializer
 * becomes a parameter named by its ONNX name (batch normalisation's running statistics become
 * buffers), integer initializers and {@code Constant}s stay constants, the parts of the graph that
 * depend on constants alone are computed once at import, and common patterns (a matrix product
 * with a bias, the erf form of GELU, the decomposed layer norm, attention) are replaced by Backprop's fused
 * ops. Opsets 11 to 20 of the default domain.
 *
 * <pre>{@code
 * OnnxModel model = OnnxImport.load(Path.of("model.onnx"));
 * Tensor loss = model.forward(x).softmaxCrossEntropy(labels, 0f).mean();
 * loss.backward();   // gradients in model.namedParameters()
 * }</pre>
 */
public final class OnnxImport {
    private OnnxImport() {
    }

    /**
     * Reads and imports {@code file} (external data from files beside it); refuses, and builds
     * nothing, when anything in it is not supported.
     */
    public static OnnxModel load(Path file) throws OnnxImportException {
        return build(GraphReader.read(file));
    }

    /**
     * Imports a model held in memory (a resource, a download), named {@code name} in messages; a
     * model whose weights are external data must be loaded from its file instead.
     */
    public static OnnxModel load(byte[] model, String name) throws OnnxImportException {
        return build(GraphReader.read(model, name, null));
    }

    private static OnnxModel build(GraphReader.Graph graph) throws OnnxImportException {
        String file = graph.file();
        Map<String, ParameterTree.Weight> weights = weights(graph);
        Map<String, Value> constants = new HashMap<>();
        graph.initializers().forEach((name, v) -> {
            if (v instanceof Ints) {
                constants.put(name, v);
            }
        });
        List<Node> nodes = fold(graph, constants);
        Map<String, int[]> shapes = new HashMap<>();
        weights.forEach((name, w) -> shapes.put(name, w.tensor().shape().dims()));
        Fusion.Result fused = Fusion.apply(nodes, constants, shapes, graph.outputs());
        List<Node> live = live(fused.nodes(), graph.outputs());
        List<Step> steps = steps(live, fused.ops(), graph.outputs());
        Set<String> read = new HashSet<>(graph.outputs());
        live.forEach(n -> read.addAll(n.inputs()));
        constants.keySet().retainAll(read);
        try {
            return new OnnxModel(graph, steps, constants, weights, fused.count());
        } catch (IllegalArgumentException e) {
            throw new OnnxImportException(file + ": " + e.getMessage(), e);
        }
    }

    /** Floating-point initializers: parameters, except batch normalisation's running mean and variance (buffers). */
    private static Map<String, ParameterTree.Weight> weights(GraphReader.Graph graph) {
        Set<String> statistics = new HashSet<>();
        for (Node n : graph.nodes()) {
            if (n.opType().equals("BatchNormalization")) {
                for (int i = 3; i < n.inputs().size(); i++) {
                    statistics.add(n.inputs().get(i));
                }
            }
        }
        Map<String, ParameterTree.Weight> out = new LinkedHashMap<>();
        graph.initializers().forEach((name, v) -> {
            if (v instanceof Value.Floats f) {
                out.put(name, new ParameterTree.Weight(f.tensor(), statistics.contains(name)));
            }
        });
        return out;
    }

    /** Runs, once, every node whose inputs are all constants; returns the nodes left to run. */
    private static List<Node> fold(GraphReader.Graph graph, Map<String, Value> constants) throws OnnxImportException {
        List<Node> left = new ArrayList<>();
        try (var off = GradMode.noGrad()) {
            for (Node n : graph.nodes()) {
                boolean constant = n.inputs().stream().allMatch(i -> i.isEmpty() || constants.containsKey(i));
                if (!constant) {
                    left.add(n);
                    continue;
                }
                List<Value> args = new ArrayList<>();
                n.inputs().forEach(i -> args.add(i.isEmpty() ? null : constants.get(i)));
                List<Value> out;
                try {
                    out = Ops.get(n.opType()).op().run(n, args);
                } catch (RuntimeException e) {
                    throw new OnnxImportException(graph.file() + ": " + n.describe() + ": " + e.getMessage(), e);
                }
                for (int i = 0; i < n.outputs().size() && i < out.size(); i++) {
                    constants.put(n.outputs().get(i), out.get(i));
                }
            }
        }
        return left;
    }

    /** The nodes some graph output depends on. */
    private static List<Node> live(List<Node> nodes, List<String> outputs) {
        Set<String> needed = new HashSet<>(outputs);
        List<Node> kept = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (n.outputs().stream().anyMatch(needed::contains)) {
                kept.add(0, n);
                needed.addAll(n.inputs());
            }
        }
        return kept;
    }

    /** Each node with its op and the values last read there (dropped after it, unless they are outputs). */
    private static List<Step> steps(List<Node> nodes, Map<Node, Op> fusedOps, List<String> outputs) {
        Map<String, Integer> lastReader = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                lastReader.put(in, i);
            }
        }
        List<List<String>> drops = new ArrayList<>();
        nodes.forEach(n -> drops.add(new ArrayList<>()));
        lastReader.forEach((name, i) -> {
            if (!name.isEmpty() && !outputs.contains(name)) {
                drops.get(i).add(name);
            }
        });
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            Op op = fusedOps.containsKey(n) ? fusedOps.get(n) : Ops.get(n.opType()).op();
            steps.add(new Step(n, op, List.copyOf(drops.get(i))));
        }
        return steps;
    }
}
