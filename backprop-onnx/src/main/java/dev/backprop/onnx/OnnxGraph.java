package dev.backprop.onnx;

import dev.backprop.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX graph being built: float32 initializers, nodes whose outputs get fresh names, and at the
 * end a {@code ModelProto} (IR version 8, the default opset 17) with one float32 input and output
 * whose first dimension is the symbolic batch size. Field numbers are those of {@code onnx.proto}.
 */
final class OnnxGraph {
    static final int OPSET = 17;
    private static final int IR_VERSION = 8;
    private static final int FLOAT = 1;
    private static final int ATTRIBUTE_FLOAT = 1;
    private static final int ATTRIBUTE_INT = 2;
    private static final int ATTRIBUTE_INTS = 7;

    private final List<Proto> nodes = new ArrayList<>();
    private final List<Proto> initializers = new ArrayList<>();
    private int counter;

    /** Adds a float32 constant; returns its name. */
    String constant(String name, Tensor value) {
        Proto t = new Proto();
        for (int d : value.shape().dims()) {
            t.varint(1, d);
        }
        t.varint(2, FLOAT).string(8, name);
        float[] data = value.toFloatArray();
        ByteBuffer raw = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
            raw.putFloat(v);
        }
        t.bytes(9, raw.array());
        initializers.add(t);
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
        Proto n = new Proto();
        inputs.forEach(i -> n.string(1, i));
        n.string(2, output).string(3, output).string(4, op);
        attributes.forEach((name, value) -> n.message(5, attribute(name, value)));
        nodes.add(n);
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

    private static Proto attribute(String name, Object value) {
        Proto a = new Proto().string(1, name);
        switch (value) {
            case Float f -> a.fixed32(2, f).varint(20, ATTRIBUTE_FLOAT);
            case Integer i -> a.varint(3, i).varint(20, ATTRIBUTE_INT);
            case Long l -> a.varint(3, l).varint(20, ATTRIBUTE_INT);
            case long[] ints -> {
                for (long v : ints) {
                    a.varint(8, v);
                }
                a.varint(20, ATTRIBUTE_INTS);
            }
            default -> throw new IllegalArgumentException("ONNX attribute " + name + ": unsupported value " + value);
        }
        return a;
    }

    private static Proto valueInfo(String name, long[] shape) {
        Proto dims = new Proto();
        for (long d : shape) {
            dims.message(1, d < 0 ? new Proto().string(2, "batch") : new Proto().varint(1, d));
        }
        Proto tensorType = new Proto().varint(1, FLOAT).message(2, dims);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /**
     * The serialised model: {@code input} of shape {@code inputShape} to {@code output} of shape
     * {@code outputShape}, where -1 marks the batch dimension. The output node's name is renamed
     * by an Identity node so that callers see {@code outputName}.
     */
    byte[] model(String inputName, long[] inputShape, String output, String outputName, long[] outputShape, String producerVersion) {
        Proto id = new Proto();
        id.string(1, output).string(2, outputName).string(3, outputName).string(4, "Identity");
        nodes.add(id);
        Proto graph = new Proto();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, "backprop");
        initializers.forEach(t -> graph.message(5, t));
        graph.message(11, valueInfo(inputName, inputShape));
        graph.message(12, valueInfo(outputName, outputShape));
        return new Proto()
                .varint(1, IR_VERSION)
                .string(2, "backprop")
                .string(3, producerVersion)
                .message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, OPSET))
                .toByteArray();
    }
}
