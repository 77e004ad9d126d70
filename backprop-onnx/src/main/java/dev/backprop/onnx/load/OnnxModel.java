package dev.backprop.onnx.load;

import dev.backprop.nn.Module;
import dev.backprop.onnx.proto.OnnxProto.TensorProto.DataType;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.StepMemory;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * An ONNX graph imported into Backprop: a {@link Module} whose parameters are the graph's
 * floating-point initializers, named by their ONNX names ({@code encoder.layer.0.attention.self.query.bias},
 * or {@code onnx::MatMul_787}), so state dicts, optimizers, checkpoints and export work on them;
 * batch normalisation's running statistics are buffers. Running the model evaluates the graph's
 * nodes in order on Backprop's tensors, so a loss computed from its outputs backpropagates into
 * every parameter. Integer data (token ids, masks, shapes) is computed exactly and not differentiated.
 *
 * <pre>{@code
 * OnnxModel m = OnnxImport.load(Path.of("model.onnx"));
 * Map<String, Tensor> out = m.run(Map.of("input_ids", ids, "attention_mask", mask));
 * Tensor y = m.forward(x);   // a graph of one input and one output
 * }</pre>
 *
 * Integer inputs (int64 token ids, masks) are given as float tensors holding whole numbers, as
 * Backprop's own embeddings take them.
 */
public final class OnnxModel extends Module {
    private final GraphReader.Graph graph;
    private final List<Step> steps;
    private final Map<String, Value> constants;
    /** The weights as graph values, once: the registered tensors themselves, which loading a state dict updates in place. */
    private final Map<String, Value> weights;
    private final int fused;
    /**
     * The buffers of runs without gradients, one memory per run in progress: a run takes one (or makes one), runs
     * its nodes in a step of it, giving each value's buffer back after its last reader, and returns it, holding
     * the buffers of that run's live values for the next run (a batch of 32 sentences of 128 tokens through
     * MiniLM: 77 MB held of the 713 MB its values take, the rest served by buffers given back). Runs with
     * gradients allocate as usual: backward needs their values.
     */
    private final ConcurrentLinkedQueue<StepMemory> memories = new ConcurrentLinkedQueue<>();
    private Supplier<StepMemory> newMemory = StepMemory::new;

    OnnxModel(GraphReader.Graph graph, List<Step> steps, Map<String, Value> constants,
              Map<String, ParameterTree.Weight> weights, int fused) {
        this.graph = graph;
        this.steps = List.copyOf(steps);
        this.constants = Map.copyOf(constants);
        this.fused = fused;
        ParameterTree.Level root = ParameterTree.levels(weights);
        root.own.forEach((name, w) -> {
            if (w.buffer()) {
                registerBuffer(name, w.tensor());
            } else {
                registerParameter(name, w.tensor());
            }
        });
        root.groups.forEach((name, g) -> registerModule(name, new ParameterTree(g)));
        Map<String, Value> values = new LinkedHashMap<>();
        stateDict().forEach((name, t) -> values.put(name, Value.of(t)));
        this.weights = java.util.Collections.unmodifiableMap(values);
    }

    private String name() {
        String f = graph.file();
        return f.substring(Math.max(f.lastIndexOf('/'), f.lastIndexOf('\\')) + 1);
    }

    /**
     * For each parameter and buffer, the names of the file's nodes that read it: where a weight with
     * an exporter's generated name ({@code onnx::MatMul_787}) sits in the network
     * ({@code /encoder/layer.0/attention/self/query/MatMul}).
     */
    public Map<String, List<String>> readers() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : weights.keySet()) {
            out.put(name, new ArrayList<>());
        }
        for (Node n : graph.nodes()) {
            for (String in : n.inputs()) {
                List<String> list = out.get(in);
                if (list != null && !list.contains(n.name())) {
                    list.add(n.name());
                }
            }
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        return java.util.Collections.unmodifiableMap(out);
    }

    /** The names of the graph's inputs, in order. */
    public List<String> inputNames() {
        return graph.inputs().stream().map(GraphReader.Input::name).toList();
    }

    /** The names of the graph's outputs, in order. */
    public List<String> outputNames() {
        return graph.outputs();
    }

    /** The default-domain opset the file was written for. */
    public int opset() {
        return graph.opset();
    }

    /** The nodes the model runs after import (constant parts folded, patterns fused). */
    public int nodeCount() {
        return steps.size();
    }

    /** How many patterns the import replaced with fused ops (dense layers, GELU, layer norms). */
    public int fusedPatterns() {
        return fused;
    }

    /** Runs the graph on a single input and returns its first output; for graphs of several inputs use {@link #run}. */
    @Override
    public Tensor forward(Tensor input) {
        if (graph.inputs().size() != 1) {
            throw new IllegalArgumentException("OnnxModel: " + name() + " takes " + graph.inputs().size()
                    + " inputs " + inputNames() + "; call run(Map.of(name, tensor, ...))");
        }
        return run(Map.of(graph.inputs().get(0).name(), input)).get(graph.outputs().get(0));
    }

    /**
     * Runs the graph: {@code inputs} by graph input name, every input given, ranks and fixed sizes as
     * the graph declares them. Returns every graph output by name (integer outputs as float tensors).
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        Map<String, Value> env = new HashMap<>(constants);
        env.putAll(weights);
        for (String name : inputs.keySet()) {
            if (graph.inputs().stream().noneMatch(i -> i.name().equals(name))) {
                throw new IllegalArgumentException("OnnxModel: '" + name + "' is not an input of "
                        + name() + "; its inputs are " + describeInputs());
            }
        }
        for (GraphReader.Input in : graph.inputs()) {
            Tensor given = inputs.get(in.name());
            if (given == null) {
                throw new IllegalArgumentException("OnnxModel: input '" + in.name() + "' is missing; "
                        + name() + " takes " + describeInputs());
            }
            env.put(in.name(), accept(in, given));
        }
        if (GradMode.isEnabled()) {
            evaluate(env, null);
        } else {
            StepMemory memory = memories.poll();
            if (memory == null) {
                memory = newMemory.get();
            }
            try (StepMemory.Scope scope = memory.open()) {
                evaluate(env, scope);
                for (String name : graph.outputs()) {
                    if (env.get(name) instanceof Value.Floats f) {
                        scope.keep(f.tensor());
                    }
                }
            }
            memories.offer(memory);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : graph.outputs()) {
            Value v = env.get(name);
            out.put(name, v instanceof Ints i ? i.toTensor() : ((Value.Floats) v).tensor());
        }
        return out;
    }

    /**
     * The nodes in order on the values in env, dropping each value after its last reader. Within a step of
     * a {@link StepMemory} (no gradients wanted), a dropped value's buffer goes back to the memory for the
     * nodes after it, unless a value still live is a view of it.
     */
    private void evaluate(Map<String, Value> env, StepMemory.Scope scope) {
        // With a memory: the nodes' live results, the only values that can share a buffer it gave (weights, constants
        // and inputs come from outside the step).
        Map<String, Tensor> results = new HashMap<>();
        for (Step step : steps) {
            Node node = step.node();
            List<Value> args = new ArrayList<>(node.inputs().size());
            for (String name : node.inputs()) {
                args.add(name.isEmpty() ? null : env.get(name));
            }
            List<Value> out;
            try {
                out = step.op().run(node, args);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(name() + ": " + node.describe() + ": "
                        + e.getMessage(), e);
            }
            for (int i = 0; i < node.outputs().size() && i < out.size(); i++) {
                String name = node.outputs().get(i);
                if (!name.isEmpty()) {
                    env.put(name, out.get(i));
                    if (scope != null && out.get(i) instanceof Value.Floats f) {
                        results.put(name, f.tensor());
                    }
                }
            }
            for (String name : step.lastReadHere()) {
                env.remove(name);
                Tensor dead = results.remove(name);
                if (dead != null) {
                    scope.giveBack(dead, results.values());
                }
            }
        }
    }

    /**
     * Uses poisoning memories for runs without gradients from now on (see {@link StepMemory#poisoning}): every
     * buffer given back is filled with NaN, so an op that reads what it did not write shows up. For tests.
     */
    void poisonRecycledBuffers() {
        memories.clear();
        newMemory = StepMemory::poisoning;
    }

    /** The memories no run is using now (one after a single-threaded run). For tests. */
    List<StepMemory> idleMemories() {
        return List.copyOf(memories);
    }

    /** A given tensor as the graph input expects it: rank and fixed sizes checked; integer types from whole numbers. */
    private Value accept(GraphReader.Input in, Tensor given) {
        int[] dims = given.shape().dims();
        if (in.dims() != null) {
            boolean ok = dims.length == in.dims().length;
            for (int i = 0; ok && i < dims.length; i++) {
                ok = in.dims()[i] < 0 || in.dims()[i] == dims[i];
            }
            if (!ok) {
                throw new IllegalArgumentException("OnnxModel: input '" + in.name() + "' has shape " + given.shape()
                        + "; " + name() + " expects " + describe(in));
            }
        }
        if (TensorData.floating(in.type())) {
            return Value.of(given);
        }
        float[] values = given.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != Math.rint(values[i]) || Math.abs(values[i]) > (1 << 24)) {
                throw new IllegalArgumentException("OnnxModel: input '" + in.name() + "' is " + in.type() + " but element "
                        + i + " is " + values[i] + ", not a whole number");
            }
        }
        return Ints.fromTensor(given, in.type() == DataType.BOOL ? DataType.BOOL : in.type());
    }

    private String describeInputs() {
        return graph.inputs().stream().map(OnnxModel::describe).toList().toString();
    }

    private static String describe(GraphReader.Input in) {
        if (in.dims() == null) {
            return in.name() + " " + in.type() + " (any shape)";
        }
        String[] parts = new String[in.dims().length];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = in.dims()[i] >= 0 ? Integer.toString(in.dims()[i]) : in.symbols()[i];
        }
        return in.name() + " " + in.type() + " " + Arrays.toString(parts);
    }

    /**
     * Writes the graph as ONNX with the current values of its weights (after fine-tuning, say): the
     * file's own nodes, inputs, outputs and constants, every floating-point initializer as float32.
     * ONNX Runtime and other runtimes load it; importing it again gives this model.
     */
    public void save(java.nio.file.Path file) throws java.io.IOException {
        dev.backprop.onnx.proto.OnnxProto.GraphProto.Builder g = graph.skeleton().getGraph().toBuilder();
        stateDict().forEach((name, t) -> g.addInitializer(dev.backprop.onnx.OnnxTensors.floats(name, t)));
        dev.backprop.io.AtomicFiles.write(file,
                java.nio.ByteBuffer.wrap(graph.skeleton().toBuilder().setGraph(g).build().toByteArray()));
    }

    @Override
    public String toString() {
        return "OnnxModel(" + name() + ", opset " + graph.opset() + ", " + steps.size() + " nodes, "
                + parameterCount() + " parameters)";
    }
}
