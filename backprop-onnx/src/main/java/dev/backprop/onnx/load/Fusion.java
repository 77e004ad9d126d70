package dev.backprop.onnx.load;

import dev.backprop.onnx.proto.OnnxProto.AttributeProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces patterns of primitive ONNX nodes with Backprop's fused ops where a pattern matches
 * exactly, at import: a {@code MatMul} by a weight followed by the {@code Add} of a bias becomes one
 * dense op; the erf form of GELU ({@code Div √2, Erf, Add 1, Mul x, Mul 0.5}) becomes {@code Gelu};
 * the decomposed layer norm ({@code ReduceMean, Sub, Pow 2, ReduceMean, Add ε, Sqrt, Div, Mul γ,
 * Add β} over the last axis) becomes {@code LayerNormalization}; attention ({@code MatMul Q K^T,
 * Div √d, Add mask, Softmax, MatMul V}) becomes the fused attention op when, at run time, the scale is
 * 1/√d and the mask only masks (see {@link AttentionOp}). A pattern is fused only when its
 * inner values are read by nothing outside it and are not graph outputs, so the graph computes the
 * same function; what does not match runs node by node, each primitive with its own gradient.
 */
final class Fusion {
    private Fusion() {
    }

    /** The nodes after fusion, the ops of the fused nodes, and how many patterns were fused. */
    record Result(List<Node> nodes, Map<Node, Op> ops, int count) {
    }

    /** The fused dense op: {@code x W + b} for W {@code [in, out]} as ONNX stores it, as the core's linear op. */
    private static final Op DENSE = (n, in) -> Inputs.one(Inputs.floats(in, 0).linear(Inputs.floats(in, 1).t(),
            Inputs.floats(in, 2)));

    static Result apply(List<Node> nodes, Map<String, Value> constants, Map<String, int[]> weights, List<String> outputs) {
        return new Matcher(nodes, constants, weights, outputs).run();
    }

    private static final class Matcher {
        private final List<Node> nodes;
        private final Map<String, Value> constants;
        private final Map<String, int[]> weights;
        private final Map<String, Node> producer = new HashMap<>();
        private final Map<String, Integer> readers = new HashMap<>();
        private final Map<String, List<Node>> readerNodes = new HashMap<>();
        private final Set<Node> removed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        private final Map<Node, Node> replacementAt = new IdentityHashMap<>();
        private final Map<Node, Op> ops = new IdentityHashMap<>();
        private int count;

        Matcher(List<Node> nodes, Map<String, Value> constants, Map<String, int[]> weights, List<String> outputs) {
            this.nodes = nodes;
            this.constants = constants;
            this.weights = weights;
            for (Node n : nodes) {
                n.outputs().forEach(o -> producer.put(o, n));
                for (String i : new HashSet<>(n.inputs())) {
                    readers.merge(i, 1, Integer::sum);
                    readerNodes.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
                }
            }
            outputs.forEach(o -> readers.merge(o, 1, Integer::sum));   // a graph output is read from outside
        }

        Result run() {
            for (Node n : nodes) {
                if (removed.contains(n)) {
                    continue;
                }
                switch (n.opType()) {
                    case "ReduceMean" -> layerNorm(n);
                    case "Erf" -> gelu(n);
                    case "MatMul" -> dense(n);
                    case "Softmax" -> attention(n);
                    default -> { }
                }
            }
            List<Node> out = new ArrayList<>();
            for (Node n : nodes) {
                if (replacementAt.containsKey(n)) {
                    out.add(replacementAt.get(n));
                } else if (!removed.contains(n)) {
                    out.add(n);
                }
            }
            return new Result(out, ops, count);
        }

        /** The node that computes {@code value} if {@code value} is read once (by the pattern) and has that op. */
        private Node only(String value, String op) {
            Node p = producer.get(value);
            return p != null && !removed.contains(p) && p.opType().equals(op) && readers.getOrDefault(value, 0) == 1
                    ? p : null;
        }

        /** The single node reading {@code value}, if it has that op and nothing else reads the value. */
        private Node soleReader(String value, String op) {
            List<Node> list = readerNodes.get(value);
            if (readers.getOrDefault(value, 0) != 1 || list == null) {   // a graph output counts as a reader
                return null;
            }
            Node n = list.get(0);
            return !removed.contains(n) && n.opType().equals(op) ? n : null;
        }

        /** The single float value of constant {@code name}, or NaN. */
        private double constant(String name) {
            Value v = constants.get(name);
            if (v instanceof Value.Floats f && f.tensor().numel() == 1) {
                return f.tensor().toFloatArray()[0];
            }
            if (v instanceof Ints i && i.data().length == 1) {
                return i.data()[0];
            }
            return Double.NaN;
        }

        /** The input of a two-input node that is not {@code known}, or null when neither is. */
        private static String other(Node n, String known) {
            if (n.inputs().size() != 2) {
                return null;
            }
            return n.inputs().get(0).equals(known) ? n.inputs().get(1)
                    : n.inputs().get(1).equals(known) ? n.inputs().get(0) : null;
        }

        private boolean lastAxisKeepingDims(Node reduce) {
            if (reduce.attributes().getInt("keepdims", 1) != 1) {
                return false;
            }
            long[] axes = reduce.opset() < 18 ? reduce.attributes().getInts("axes")
                    : reduce.inputs().size() > 1 && constants.get(reduce.inputs().get(1)) instanceof Ints i ? i.data() : null;
            return axes != null && axes.length == 1 && axes[0] == -1;
        }

        /** Whether {@code name} is a weight of {@code rank} dimensions. */
        private boolean isWeight(String name, int rank) {
            int[] dims = weights.get(name);
            return dims != null && dims.length == rank;
        }

        private void replace(List<Node> pattern, Node fused, Op op) {
            removed.addAll(pattern);
            replacementAt.put(pattern.get(pattern.size() - 1), fused);
            if (op != null) {
                ops.put(fused, op);
            }
            count++;
        }

        /** ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, Mul gamma, Add beta: layer norm over the last axis. */
        private void layerNorm(Node mean) {
            String x = mean.inputs().get(0);
            if (!lastAxisKeepingDims(mean)) {
                return;
            }
            Node sub = soleReader(mean.outputs().get(0), "Sub");
            if (sub == null || !sub.inputs().equals(List.of(x, mean.outputs().get(0)))) {
                return;
            }
            String d = sub.outputs().get(0);
            if (readers.getOrDefault(d, 0) != 2) {
                return;
            }
            Node pow = null;
            Node div = null;
            for (Node n : readerNodes.getOrDefault(d, List.of())) {
                if (!removed.contains(n)) {
                    if (n.opType().equals("Pow") && n.inputs().get(0).equals(d)) {
                        pow = n;
                    } else if (n.opType().equals("Div") && n.inputs().get(0).equals(d)) {
                        div = n;
                    }
                }
            }
            if (pow == null || div == null || constant(pow.inputs().get(1)) != 2) {
                return;
            }
            Node variance = soleReader(pow.outputs().get(0), "ReduceMean");
            if (variance == null || !lastAxisKeepingDims(variance)) {
                return;
            }
            Node addEps = soleReader(variance.outputs().get(0), "Add");
            String epsName = addEps == null ? null : other(addEps, variance.outputs().get(0));
            double eps = epsName == null ? Double.NaN : constant(epsName);
            if (!(eps >= 0)) {
                return;
            }
            Node sqrt = soleReader(addEps.outputs().get(0), "Sqrt");
            if (sqrt == null || !div.inputs().get(1).equals(sqrt.outputs().get(0))
                    || readers.getOrDefault(sqrt.outputs().get(0), 0) != 1) {
                return;
            }
            Node scale = soleReader(div.outputs().get(0), "Mul");
            String gamma = scale == null ? null : other(scale, div.outputs().get(0));
            if (gamma == null || !isWeight(gamma, 1)) {   // a normalised shape of the last axis
                return;
            }
            Node shift = soleReader(scale.outputs().get(0), "Add");
            String beta = shift == null ? null : other(shift, scale.outputs().get(0));
            if (beta == null || !isWeight(beta, 1)) {
                return;
            }
            AttributeProto epsilon = AttributeProto.newBuilder().setName("epsilon").setF((float) eps)
                    .setType(AttributeProto.AttributeType.FLOAT).build();
            AttributeProto axis = AttributeProto.newBuilder().setName("axis").setI(-1)
                    .setType(AttributeProto.AttributeType.INT).build();
            Node fused = new Node(mean.name() + "+layer_norm", "LayerNormalization", List.of(x, gamma, beta),
                    shift.outputs(), Attributes.of(List.of(axis, epsilon)), 17);
            replace(List.of(mean, sub, pow, variance, addEps, sqrt, div, scale, shift), fused,
                    Ops.get("LayerNormalization").op());
        }

        /** Div sqrt(2) (or Mul 1/sqrt(2)), Erf, Add 1, Mul x, Mul 0.5 (in either of the two orders): exact GELU. */
        private void gelu(Node erf) {
            Node scaled = only(erf.inputs().get(0), "Div");
            boolean divide = scaled != null;
            if (scaled == null) {
                scaled = only(erf.inputs().get(0), "Mul");
            }
            if (scaled == null) {
                return;
            }
            String x = scaled.inputs().get(0);
            double c = constant(scaled.inputs().get(1));
            if (!divide && Double.isNaN(c)) {
                x = scaled.inputs().get(1);
                c = constant(scaled.inputs().get(0));
            }
            if (divide ? Math.abs(c - Math.sqrt(2)) > 1e-4 : Math.abs(c - Math.sqrt(0.5)) > 1e-4) {
                return;
            }
            Node plusOne = soleReader(erf.outputs().get(0), "Add");
            String one = plusOne == null ? null : other(plusOne, erf.outputs().get(0));
            if (one == null || constant(one) != 1) {
                return;
            }
            Node times = soleReader(plusOne.outputs().get(0), "Mul");
            if (times == null) {
                return;
            }
            String partner = other(times, plusOne.outputs().get(0));
            List<Node> pattern;
            String out;
            if (x.equals(partner)) {   // x * (1 + erf) * 0.5
                Node half = soleReader(times.outputs().get(0), "Mul");
                String h = half == null ? null : other(half, times.outputs().get(0));
                if (h == null || constant(h) != 0.5) {
                    return;
                }
                pattern = List.of(scaled, erf, plusOne, times, half);
                out = half.outputs().get(0);
            } else {   // (x * 0.5) * (1 + erf)
                Node half = only(partner, "Mul");
                String h = half == null ? null : other(half, x);
                if (h == null || constant(h) != 0.5) {
                    return;
                }
                pattern = List.of(scaled, half, erf, plusOne, times);
                out = times.outputs().get(0);
            }
            Node fused = new Node(erf.name() + "+gelu", "Gelu", List.of(x), List.of(out), Attributes.of(List.of()), 20);
            List<Node> ordered = new ArrayList<>(pattern);
            ordered.sort(java.util.Comparator.comparingInt(this::position));
            replace(ordered, fused, Ops.get("Gelu").op());
        }

        private int position(Node n) {
            for (int i = 0; i < nodes.size(); i++) {
                if (nodes.get(i) == n) {
                    return i;
                }
            }
            return -1;
        }

        /** MatMul Q K^T, Div sqrt(d) (or Mul by its inverse), Add mask, Softmax over the last axis, MatMul V. */
        private void attention(Node softmax) {
            long axis = softmax.attributes().getInt("axis", softmax.opset() >= 13 ? -1 : 1);
            if (axis != -1 && axis != 3) {
                return;
            }
            Node add = only(softmax.inputs().get(0), "Add");
            Node values = soleReader(softmax.outputs().get(0), "MatMul");
            if (add == null || values == null || !values.inputs().get(0).equals(softmax.outputs().get(0))) {
                return;
            }
            for (int side = 0; side < 2; side++) {
                Node scaled = only(add.inputs().get(side), "Div");
                boolean divide = scaled != null;
                if (scaled == null) {
                    scaled = only(add.inputs().get(side), "Mul");
                }
                if (scaled == null) {
                    continue;
                }
                String mask = add.inputs().get(1 - side);
                int constantAt = !Double.isNaN(constant(scaled.inputs().get(1))) ? 1
                        : !divide && !Double.isNaN(constant(scaled.inputs().get(0))) ? 0 : -1;
                if (constantAt < 0) {
                    continue;
                }
                double c = constant(scaled.inputs().get(constantAt));
                Node scores = only(scaled.inputs().get(1 - constantAt), "MatMul");
                if (scores == null || c == 0) {
                    continue;
                }
                double multiplier = divide ? 1 / c : c;
                Node fused = new Node(softmax.name() + "+attention", "Attention",
                        List.of(scores.inputs().get(0), scores.inputs().get(1), mask, values.inputs().get(1)),
                        values.outputs(), Attributes.of(List.of()), softmax.opset());
                replace(List.of(scores, scaled, add, softmax, values), fused, new AttentionOp(multiplier));
                return;
            }
        }

        /** MatMul by a 2-D weight, then Add of a 1-D bias: one dense op. */
        private void dense(Node matmul) {
            String w = matmul.inputs().get(1);
            if (!isWeight(w, 2)) {
                return;
            }
            Node add = soleReader(matmul.outputs().get(0), "Add");
            String b = add == null ? null : other(add, matmul.outputs().get(0));
            if (b == null || !isWeight(b, 1) || weights.get(b)[0] != weights.get(w)[1]) {
                return;
            }
            Node fused = new Node(matmul.name() + "+bias", "MatMul+Add", List.of(matmul.inputs().get(0), w, b),
                    add.outputs(), Attributes.of(List.of()), matmul.opset());
            replace(List.of(matmul, add), fused, DENSE);
        }
    }
}
