package dev.backprop.onnx;

import dev.backprop.onnx.proto.OnnxProto.AttributeProto;
import dev.backprop.onnx.proto.OnnxProto.GraphProto;
import dev.backprop.onnx.proto.OnnxProto.ModelProto;
import dev.backprop.onnx.proto.OnnxProto.NodeProto;
import dev.backprop.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.backprop.onnx.proto.OnnxProto.TensorProto;
import dev.backprop.onnx.proto.OnnxProto.TensorShapeProto;
import dev.backprop.onnx.proto.OnnxProto.TypeProto;
import dev.backprop.onnx.proto.OnnxProto.ValueInfoProto;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX graph being built: float32 initializers, nodes whose outputs get fresh names, and at the
 * end a {@code ModelProto} (IR version 8, the default opset 17) with one float32 input and output
 * whose first dimension is the symbolic batch size, written with the classes generated from
 * {@code onnx.proto} (the same ones the importer reads with).
 */
final class OnnxGraph {
    static final int OPSET = 17;
    private static final int IR_VERSION = 8;

    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<TensorProto> initializers = new ArrayList<>();
    private int counter;

    /** Adds a float32 constant; returns its name. */
    String constant(String name, Tensor value) {
        initializers.add(OnnxTensors.floats(name, value));
        return name;
    }

    /** A scalar float32 constant with a generated name. */
    String scalar(float value) {
        return constant("c" + counter++, Tensor.scalar(value));
    }

    /**
     * Adds a node {@code op(inputs)} with attributes (Integer or Long: INT, Float: FLOAT, long[]:
     * INTS); returns the name of its one output.
     */
    String node(String op, List<String> inputs, Map<String, Object> attributes) {
        String output = op.toLowerCase(java.util.Locale.ROOT) + "_" + counter++;
        NodeProto.Builder n = NodeProto.newBuilder().addAllInput(inputs).addOutput(output).setName(output).setOpType(op);
        attributes.forEach((name, value) -> n.addAttribute(attribute(name, value)));
        nodes.add(n.build());
        return output;
    }

    String node(String op, String... inputs) {
        return node(op, List.of(inputs), Map.of());
    }

    static Map<String, Object> attributes(Object... nameValue) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put((String) nameValue[i], nameValue[i + 1]);
        }
        return m;
    }

    private static AttributeProto attribute(String name, Object value) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        switch (value) {
            case Float f -> a.setF(f).setType(AttributeProto.AttributeType.FLOAT);
            case Integer i -> a.setI(i).setType(AttributeProto.AttributeType.INT);
            case Long l -> a.setI(l).setType(AttributeProto.AttributeType.INT);
            case long[] ints -> {
                for (long v : ints) {
                    a.addInts(v);
                }
                a.setType(AttributeProto.AttributeType.INTS);
            }
            default -> throw new IllegalArgumentException("ONNX attribute " + name + ": unsupported value " + value);
        }
        return a.build();
    }

    private static ValueInfoProto valueInfo(String name, long[] shape) {
        TensorShapeProto.Builder dims = TensorShapeProto.newBuilder();
        for (long d : shape) {
            dims.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(dims))).build();
    }

    /**
     * The serialised model: {@code input} of shape {@code inputShape} to {@code output} of shape
     * {@code outputShape}, where -1 marks the batch dimension. The output node's name is renamed
     * by an Identity node so that callers see {@code outputName}.
     */
    byte[] model(String inputName, long[] inputShape, String output, String outputName, long[] outputShape, String producerVersion) {
        nodes.add(NodeProto.newBuilder().addInput(output).addOutput(outputName).setName(outputName)
                .setOpType("Identity").build());
        GraphProto graph = GraphProto.newBuilder().addAllNode(nodes).setName("backprop").addAllInitializer(initializers)
                .addInput(valueInfo(inputName, inputShape)).addOutput(valueInfo(outputName, outputShape)).build();
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("backprop")
                .setProducerVersion(producerVersion).setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).build().toByteArray();
    }
}
