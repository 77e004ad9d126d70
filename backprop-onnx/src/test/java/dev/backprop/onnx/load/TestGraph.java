package dev.backprop.onnx.load;

import com.google.protobuf.ByteString;
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
import java.util.List;

/** Small ONNX graphs written for the tests with the generated protobuf classes. */
final class TestGraph {
    private final int opset;
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("test");

    TestGraph(int opset) {
        this.opset = opset;
    }

    /** A float input; a negative size is a symbolic dimension. */
    TestGraph input(String name, int... dims) {
        return input(name, TensorProto.DataType.FLOAT, dims);
    }

    TestGraph input(String name, TensorProto.DataType type, int... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int i = 0; i < dims.length; i++) {
            shape.addDim(dims[i] >= 0 ? TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i])
                    : TensorShapeProto.Dimension.newBuilder().setDimParam("d" + i));
        }
        graph.addInput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))));
        return this;
    }

    TestGraph output(String name) {
        graph.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        return this;
    }

    TestGraph output(String name, TensorProto.DataType type) {
        graph.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()))));
        return this;
    }

    TestGraph weight(String name, Tensor t) {
        graph.addInitializer(floats(name, t));
        return this;
    }

    TestGraph ints(String name, long... values) {
        graph.addInitializer(int64(name, new long[] {values.length}, values));
        return this;
    }

    TestGraph initializer(TensorProto t) {
        graph.addInitializer(t);
        return this;
    }

    TestGraph node(String op, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + graph.getNodeCount())
                .addAllInput(inputs).addAllOutput(outputs);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return this;
    }

    ModelProto model() {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("backprop-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).setGraph(graph).build();
    }

    byte[] bytes() {
        return model().toByteArray();
    }

    static TensorProto floats(String name, Tensor t) {
        return dev.backprop.onnx.OnnxTensors.floats(name, t);
    }

    static TensorProto int64(String name, long[] dims, long[] values) {
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
        for (long d : dims) {
            p.addDims(d);
        }
        for (long v : values) {
            p.addInt64Data(v);
        }
        return p.build();
    }

    static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto attr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto attr(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    static AttributeProto attrs(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto attr(String name, TensorProto value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(value).build();
    }
}
