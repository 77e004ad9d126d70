package dev.backprop.onnx.load;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.backprop.onnx.proto.OnnxProto.GraphProto;
import dev.backprop.onnx.proto.OnnxProto.ModelProto;
import dev.backprop.onnx.proto.OnnxProto.NodeProto;
import dev.backprop.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.backprop.onnx.proto.OnnxProto.TensorProto;
import dev.backprop.onnx.proto.OnnxProto.TensorShapeProto;
import dev.backprop.onnx.proto.OnnxProto.TypeProto;
import dev.backprop.onnx.proto.OnnxProto.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ONNX file into a checked graph: the protobuf parsed (protobuf-java, with classes
 * generated from {@code src/main/protobuf/onnx.proto}), the opset checked, every node's op,
 * attributes and input count checked against what Backprop runs, the nodes put in dependency order
 * (a cycle, or an input that no node, graph input or initializer defines, is refused), and every
 * initializer read and checked against its declared shape. Any fault throws before a model exists.
 */
final class GraphReader {
    /** The default-domain opsets whose op semantics the importer implements. */
    static final int MIN_OPSET = 11;
    static final int MAX_OPSET = 20;

    private GraphReader() {
    }

    /** A graph input: its name, ONNX element type, and dimensions (-1 where symbolic, named in {@code symbols}). */
    record Input(String name, TensorProto.DataType type, int[] dims, String[] symbols) {
    }

    /**
     * What the import needs of a file; {@code file} names it in messages. {@code skeleton} is the
     * model without its floating-point initializers (nodes, inputs, outputs, integer constants,
     * opsets), for writing it back with trained weights.
     */
    record Graph(String file, int opset, String producer, List<Input> inputs, List<String> outputs, List<Node> nodes,
                 Map<String, Value> initializers, ModelProto skeleton) {
    }

    /** Reads {@code file}; external data is looked for in its folder. */
    static Graph read(Path file) throws OnnxImportException {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new OnnxImportException(file + ": cannot be read: " + e.getMessage(), e);
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new OnnxImportException(file + ": " + size + " bytes; a single ONNX protobuf holds at most 2 GB (larger"
                    + " models keep their weights as external data)");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new OnnxImportException(file + ": cannot be read: " + e.getMessage(), e);
        }
        return read(bytes, file.toString(), file.toAbsolutePath().getParent());
    }

    /** Reads a model held in memory, named {@code name} in messages; with {@code folder} null, external data is refused. */
    static Graph read(byte[] bytes, String name, Path folder) throws OnnxImportException {
        ModelProto model = parse(bytes, name);
        String where = name;
        if (!model.hasGraph()) {
            throw new OnnxImportException(where + ": not an ONNX model (no graph)");
        }
        int opset = opset(model, where);
        GraphProto g = model.getGraph();
        if (g.getSparseInitializerCount() > 0) {
            throw new OnnxImportException(where + ": sparse initializers are not supported");
        }
        Map<String, Value> initializers = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            if (t.getName().isEmpty()) {
                throw new OnnxImportException(where + ": an initializer has no name");
            }
            try {
                if (initializers.put(t.getName(), TensorData.read(t, folder)) != null) {
                    throw new OnnxImportException(where + ": initializer '" + t.getName() + "' is defined twice");
                }
            } catch (IllegalArgumentException | IOException e) {
                throw new OnnxImportException(where + ": " + e.getMessage(), e);
            }
        }
        List<Input> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!initializers.containsKey(v.getName())) {   // IR < 4 lists initializers among the inputs
                inputs.add(input(v, where));
            }
        }
        List<Node> nodes = new ArrayList<>();
        for (NodeProto p : g.getNodeList()) {
            nodes.add(node(p, opset, where));
        }
        Set<String> available = new HashSet<>(initializers.keySet());
        inputs.forEach(i -> available.add(i.name()));
        nodes = inDependencyOrder(nodes, available, where);
        List<String> outputs = new ArrayList<>();
        Set<String> produced = new HashSet<>(available);
        nodes.forEach(n -> produced.addAll(n.outputs()));
        for (ValueInfoProto v : g.getOutputList()) {
            if (!produced.contains(v.getName())) {
                throw new OnnxImportException(where + ": graph output '" + v.getName() + "' is computed by no node");
            }
            outputs.add(v.getName());
        }
        if (outputs.isEmpty()) {
            throw new OnnxImportException(where + ": the graph has no outputs");
        }
        String producer = (model.getProducerName() + " " + model.getProducerVersion()).trim();
        GraphProto.Builder bare = g.toBuilder().clearInitializer();
        for (TensorProto t : g.getInitializerList()) {
            if (initializers.get(t.getName()) instanceof Ints) {
                bare.addInitializer(t);
            }
        }
        ModelProto skeleton = model.toBuilder().setGraph(bare).build();
        return new Graph(name, opset, producer, List.copyOf(inputs), List.copyOf(outputs), nodes, initializers, skeleton);
    }

    private static ModelProto parse(byte[] bytes, String name) throws OnnxImportException {
        try {
            CodedInputStream coded = CodedInputStream.newInstance(bytes);
            ModelProto model = ModelProto.parseFrom(coded);
            coded.checkLastTagWas(0);
            return model;
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException(name + ": not a valid ONNX file (the protobuf is truncated or corrupt: "
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OnnxImportException(name + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private static int opset(ModelProto model, String where) throws OnnxImportException {
        long version = -1;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                version = o.getVersion();
            }
        }
        if (version < 0) {
            throw new OnnxImportException(where + ": the model imports no version of the default ONNX opset");
        }
        if (version < MIN_OPSET || version > MAX_OPSET) {
            throw new OnnxImportException(where + ": opset " + version + " is not supported (opsets " + MIN_OPSET + " to "
                    + MAX_OPSET + " are; re-export with one of them)");
        }
        return (int) version;
    }

    private static Input input(ValueInfoProto v, String where) throws OnnxImportException {
        TypeProto type = v.getType();
        if (!type.hasTensorType()) {
            throw new OnnxImportException(where + ": graph input '" + v.getName() + "' is not a tensor (sequences, maps"
                    + " and optionals are not supported)");
        }
        TensorProto.DataType elem = TensorProto.DataType.forNumber(type.getTensorType().getElemType());
        if (elem == null || !(TensorData.floating(elem) || elem == TensorProto.DataType.INT64
                || elem == TensorProto.DataType.INT32 || elem == TensorProto.DataType.BOOL)) {
            throw new OnnxImportException(where + ": graph input '" + v.getName() + "' has element type "
                    + type.getTensorType().getElemType() + " (floating-point, int64, int32 and bool inputs are supported)");
        }
        List<TensorShapeProto.Dimension> dims = type.getTensorType().getShape().getDimList();
        int[] sizes = new int[dims.size()];
        String[] symbols = new String[dims.size()];
        for (int i = 0; i < sizes.length; i++) {
            TensorShapeProto.Dimension d = dims.get(i);
            if (d.hasDimValue() && d.getDimValue() >= 0 && d.getDimValue() <= Integer.MAX_VALUE) {
                sizes[i] = (int) d.getDimValue();
            } else {
                sizes[i] = -1;
                symbols[i] = d.hasDimParam() ? d.getDimParam() : "?";
            }
        }
        boolean ranked = type.getTensorType().hasShape();
        return new Input(v.getName(), elem, ranked ? sizes : null, ranked ? symbols : null);
    }

    private static Node node(NodeProto p, int opset, String where) throws OnnxImportException {
        Node node;
        try {
            node = new Node(p.getName(), p.getOpType(), List.copyOf(p.getInputList()), List.copyOf(p.getOutputList()),
                    Attributes.of(p.getAttributeList()), opset);
        } catch (IllegalArgumentException e) {
            throw new OnnxImportException(where + ": node '" + p.getName() + "' (" + p.getOpType() + ", opset " + opset
                    + "): " + e.getMessage(), e);
        }
        if (!p.getDomain().isEmpty() && !p.getDomain().equals("ai.onnx")) {
            throw new OnnxImportException(where + ": " + node.describe() + " is in domain '" + p.getDomain()
                    + "'; only the default ONNX domain is supported");
        }
        Op.Definition def = Ops.get(p.getOpType());
        if (def == null) {
            throw new OnnxImportException(where + ": " + node.describe() + ": op " + p.getOpType() + " is not supported"
                    + " (supported: " + String.join(", ", Ops.types()) + ")");
        }
        int given = p.getInputCount();
        if (given < def.minInputs() || given > def.maxInputs()) {
            throw new OnnxImportException(where + ": " + node.describe() + " has " + given + " inputs; " + p.getOpType()
                    + " takes " + (def.minInputs() == def.maxInputs() ? def.minInputs()
                    : def.minInputs() + " to " + (def.maxInputs() == Integer.MAX_VALUE ? "any number" : def.maxInputs())));
        }
        if (p.getOutputCount() == 0) {
            throw new OnnxImportException(where + ": " + node.describe() + " has no outputs");
        }
        try {
            node.attributes().allowOnly(def.attributes());
            def.check().check(node);
        } catch (IllegalArgumentException e) {
            throw new OnnxImportException(where + ": " + node.describe() + ": " + e.getMessage(), e);
        }
        return node;
    }

    /**
     * The nodes ordered so that each comes after whatever computes its inputs (files are meant to be
     * sorted already; some are not). A value computed twice, a cycle, or an input nobody computes is refused.
     */
    private static List<Node> inDependencyOrder(List<Node> nodes, Set<String> available, String where)
            throws OnnxImportException {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String out : nodes.get(i).outputs()) {
                if (out.isEmpty()) {
                    continue;
                }
                if (available.contains(out) || producer.put(out, i) != null) {
                    throw new OnnxImportException(where + ": value '" + out + "' is defined more than once (by "
                            + nodes.get(i).describe() + " and before)");
                }
            }
        }
        int[] waiting = new int[nodes.size()];
        List<List<Integer>> readers = new ArrayList<>();
        nodes.forEach(n -> readers.add(new ArrayList<>()));
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs()) {
                if (in.isEmpty() || available.contains(in)) {
                    continue;
                }
                Integer from = producer.get(in);
                if (from == null) {
                    throw new OnnxImportException(where + ": " + nodes.get(i).describe() + " reads '" + in
                            + "', which no node, graph input or initializer defines");
                }
                waiting[i]++;
                readers.get(from).add(i);
            }
        }
        Deque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (waiting[i] == 0) {
                ready.add(i);
            }
        }
        List<Node> ordered = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            int i = ready.poll();
            ordered.add(nodes.get(i));
            for (int r : readers.get(i)) {
                if (--waiting[r] == 0) {
                    ready.add(r);
                }
            }
        }
        if (ordered.size() < nodes.size()) {
            for (int i = 0; i < nodes.size(); i++) {
                if (waiting[i] > 0) {
                    throw new OnnxImportException(where + ": the graph has a cycle through " + nodes.get(i).describe());
                }
            }
        }
        return ordered;
    }
}
