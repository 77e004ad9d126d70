package dev.backprop.onnx.load;

import static dev.backprop.onnx.load.TestGraph.attr;
import static dev.backprop.onnx.load.TestGraph.attrs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.backprop.autograd.GradCheck;
import dev.backprop.onnx.proto.OnnxProto.TensorProto.DataType;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each supported op, in the opsets where its settings are attributes and where they are inputs,
 * imported and run on random inputs: the outputs equal ONNX Runtime's on the same file, and where
 * the op is differentiable the gradient with respect to the input equals central finite
 * differences (through the imported graph).
 */
class OnnxOpsTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    /** A case: a graph over float input {@code x} of {@code shape}, and whether to check its gradient. */
    private record Case(String name, TestGraph graph, int[] shape, boolean gradient) {
    }

    private static Case c(String name, TestGraph g, int[] shape, boolean gradient) {
        return new Case(name, g, shape, gradient);
    }

    private static int[] s(int... dims) {
        return dims;
    }

    private static TestGraph unary(int opset, String op, int[] shape, Object... attributes) {
        TestGraph g = new TestGraph(opset).input("x", shape);
        List<dev.backprop.onnx.proto.OnnxProto.AttributeProto> a = new ArrayList<>();
        for (Object o : attributes) {
            a.add((dev.backprop.onnx.proto.OnnxProto.AttributeProto) o);
        }
        return g.node(op, List.of("x"), List.of("y"), a.toArray(new dev.backprop.onnx.proto.OnnxProto.AttributeProto[0]))
                .output("y");
    }

    private static Tensor random(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        int[] x23 = s(2, 3);
        int[] x234 = s(2, 3, 4);
        for (String op : List.of("Neg", "Exp", "Erf", "Sigmoid", "Tanh", "Identity", "Abs")) {
            cases.add(c(op, unary(13, op, x234), x234, !op.equals("Abs")));
        }
        cases.add(c("Relu", unary(13, "Relu", x234), x234, false));
        cases.add(c("LeakyRelu alpha 0.2", unary(13, "LeakyRelu", x234, attr("alpha", 0.2f)), x234, false));
        cases.add(c("Elu", unary(13, "Elu", x234), x234, false));
        cases.add(c("Gelu opset 20", unary(20, "Gelu", x234), x234, true));
        cases.add(c("Gelu tanh opset 20", unary(20, "Gelu", x234, attr("approximate", "tanh")), x234, true));
        cases.add(c("Log of exp", new TestGraph(13).input("x", x23).node("Exp", List.of("x"), List.of("e"))
                .node("Log", List.of("e"), List.of("y")).output("y"), x23, true));
        cases.add(c("Sqrt of x*x+1", new TestGraph(13).input("x", x23).node("Mul", List.of("x", "x"), List.of("m"))
                .node("Exp", List.of("m"), List.of("e")).node("Sqrt", List.of("e"), List.of("y")).output("y"), x23, true));
        cases.add(c("Softmax opset 11 axis 1 (coerced to 2-D)", unary(11, "Softmax", x234, attr("axis", 1L)), x234, true));
        cases.add(c("Softmax opset 13 axis 1", unary(13, "Softmax", x234, attr("axis", 1L)), x234, true));
        cases.add(c("LogSoftmax opset 13", unary(13, "LogSoftmax", x234), x234, true));
        cases.add(c("Clip opset 11 (inputs)", new TestGraph(11).input("x", x234)
                .weight("lo", Tensor.scalar(-0.5f)).weight("hi", Tensor.scalar(0.7f))
                .node("Clip", List.of("x", "lo", "hi"), List.of("y")).output("y"), x234, false));
        cases.add(c("Dropout (inference)", unary(13, "Dropout", x234), x234, true));
        // Settings that moved from attributes to inputs.
        cases.add(c("Unsqueeze opset 11 (axes attribute)", unary(11, "Unsqueeze", x23, attrs("axes", 0, -1)), x23, true));
        cases.add(c("Unsqueeze opset 13 (axes input)", new TestGraph(13).input("x", x23).ints("axes", 1, 3)
                .node("Unsqueeze", List.of("x", "axes"), List.of("y")).output("y"), x23, true));
        cases.add(c("Squeeze opset 11", unary(11, "Squeeze", s(2, 1, 3, 1), attrs("axes", 1)), s(2, 1, 3, 1), true));
        cases.add(c("Squeeze opset 13, all ones", unary(13, "Squeeze", s(2, 1, 3, 1)), s(2, 1, 3, 1), true));
        cases.add(c("ReduceSum opset 11 (axes attribute)", unary(11, "ReduceSum", x234, attrs("axes", 1),
                attr("keepdims", 0L)), x234, true));
        cases.add(c("ReduceSum opset 13 (axes input)", new TestGraph(13).input("x", x234).ints("axes", -1, 0)
                .node("ReduceSum", List.of("x", "axes"), List.of("y")).output("y"), x234, true));
        cases.add(c("ReduceMean opset 11", unary(11, "ReduceMean", x234, attrs("axes", -1)), x234, true));
        cases.add(c("ReduceMean opset 18 (axes input)", new TestGraph(18).input("x", x234).ints("axes", 1)
                .node("ReduceMean", List.of("x", "axes"), List.of("y"), attr("keepdims", 0L)).output("y"), x234, true));
        cases.add(c("ReduceMean opset 13, all axes", unary(13, "ReduceMean", x234), x234, true));
        cases.add(c("ReduceMax opset 13", unary(13, "ReduceMax", x234, attrs("axes", 2)), x234, false));
        cases.add(c("Split opset 11 (split attribute)", new TestGraph(11).input("x", s(2, 6))
                .node("Split", List.of("x"), List.of("a", "b"), attr("axis", 1L), attrs("split", 2, 4))
                .node("Mul", List.of("b", "b"), List.of("y")).output("a").output("y"), s(2, 6), true));
        cases.add(c("Split opset 13 (split input)", new TestGraph(13).input("x", s(2, 6)).ints("split", 4, 2)
                .node("Split", List.of("x", "split"), List.of("a", "b"), attr("axis", -1L)).output("a").output("b"),
                s(2, 6), true));
        cases.add(c("Split opset 18 (num_outputs)", new TestGraph(18).input("x", s(7, 2))
                .node("Split", List.of("x"), List.of("a", "b", "c"), attr("num_outputs", 3L))
                .output("a").output("b").output("c"), s(7, 2), true));
        cases.add(c("Slice with axes and steps", new TestGraph(13).input("x", s(5, 6)).ints("starts", 1, -1)
                .ints("ends", 100, -7).ints("axes", 0, 1).ints("steps", 2, -2)
                .node("Slice", List.of("x", "starts", "ends", "axes", "steps"), List.of("y")).output("y"), s(5, 6), true));
        cases.add(c("Slice opset 11, plain", new TestGraph(11).input("x", s(4, 5)).ints("starts", 1).ints("ends", 3)
                .ints("axes", 1).node("Slice", List.of("x", "starts", "ends", "axes"), List.of("y")).output("y"),
                s(4, 5), true));
        // Shape arithmetic on integers feeding float ops.
        cases.add(c("Reshape from Shape, Gather and Concat", new TestGraph(13).input("x", x234)
                .node("Shape", List.of("x"), List.of("shape")).ints("zero", 0).ints("minus", -1)
                .node("Gather", List.of("shape", "zero"), List.of("batch"))
                .node("Concat", List.of("batch", "minus"), List.of("target"), attr("axis", 0L))
                .node("Reshape", List.of("x", "target"), List.of("y")).output("y"), x234, true));
        cases.add(c("Reshape with 0 and -1", new TestGraph(14).input("x", x234).ints("shape", 0, -1)
                .node("Reshape", List.of("x", "shape"), List.of("y")).output("y"), x234, true));
        cases.add(c("Transpose", unary(13, "Transpose", x234, attrs("perm", 2, 0, 1)), x234, true));
        cases.add(c("Flatten axis 2", unary(13, "Flatten", x234, attr("axis", 2L)), x234, true));
        cases.add(c("Expand", new TestGraph(13).input("x", s(3, 1)).ints("shape", 2, 3, 4)
                .node("Expand", List.of("x", "shape"), List.of("y")).output("y"), s(3, 1), true));
        cases.add(c("Gather axis 1, negative indices", new TestGraph(13).input("x", x234)
                .initializer(TestGraph.int64("idx", new long[] {2, 2}, new long[] {0, -1, 2, 1}))
                .node("Gather", List.of("x", "idx"), List.of("y"), attr("axis", 1L)).output("y"), x234, true));
        cases.add(c("Gather of a scalar index", new TestGraph(13).input("x", x234)
                .initializer(TestGraph.int64("idx", new long[0], new long[] {1}))
                .node("Gather", List.of("x", "idx"), List.of("y"), attr("axis", 2L)).output("y"), x234, true));
        cases.add(c("Where, Equal, ConstantOfShape, Range, Cast", new TestGraph(13).input("x", s(3, 4))
                .node("Shape", List.of("x"), List.of("shape"))
                .initializer(TestGraph.int64("one", new long[0], new long[] {1}))
                .node("Gather", List.of("shape", "one"), List.of("width"))
                .initializer(TestGraph.int64("start", new long[0], new long[] {0}))
                .initializer(TestGraph.int64("step", new long[0], new long[] {1}))
                .node("Range", List.of("start", "width", "step"), List.of("range"))
                .initializer(TestGraph.int64("two", new long[0], new long[] {2}))
                .node("Equal", List.of("range", "two"), List.of("isTwo"))
                .node("ConstantOfShape", List.of("shape"), List.of("zeros"))
                .node("Cast", List.of("range"), List.of("rangeF"), attr("to", (long) DataType.FLOAT_VALUE))
                .node("Mul", List.of("x", "rangeF"), List.of("scaled"))
                .node("Where", List.of("isTwo", "zeros", "scaled"), List.of("y")).output("y"), s(3, 4), true));
        cases.add(c("Concat of floats", new TestGraph(13).input("x", x23).node("Tanh", List.of("x"), List.of("t"))
                .node("Concat", List.of("x", "t", "x"), List.of("y"), attr("axis", 1L)).output("y"), x23, true));
        cases.add(c("Pow by a constant, Div, Sub", new TestGraph(13).input("x", x23).weight("two", Tensor.scalar(2f))
                .weight("w", random(3, 2, 3))
                .node("Pow", List.of("x", "two"), List.of("p")).node("Div", List.of("p", "w"), List.of("d"))
                .node("Sub", List.of("d", "x"), List.of("y")).output("y"), x23, true));
        // Layers.
        cases.add(c("MatMul, batched", new TestGraph(13).input("x", x234).weight("w", random(4, 4, 5))
                .node("MatMul", List.of("x", "w"), List.of("y")).output("y"), x234, true));
        cases.add(c("Gemm transA, alpha, beta", new TestGraph(13).input("x", s(4, 2)).weight("w", random(5, 4, 3))
                .weight("b", random(6, 3))
                .node("Gemm", List.of("x", "w", "b"), List.of("y"), attr("transA", 1L), attr("alpha", 0.5f),
                        attr("beta", 2f)).output("y"), s(4, 2), true));
        cases.add(c("Gemm as a dense layer", new TestGraph(13).input("x", s(3, 4)).weight("w", random(7, 5, 4))
                .weight("b", random(8, 5)).node("Gemm", List.of("x", "w", "b"), List.of("y"), attr("transB", 1L))
                .output("y"), s(3, 4), true));
        cases.add(c("Conv stride 2, pads, groups 2, dilation", new TestGraph(13).input("x", s(1, 4, 7, 7))
                .weight("w", random(9, 6, 2, 3, 3)).weight("b", random(10, 6))
                .node("Conv", List.of("x", "w", "b"), List.of("y"), attrs("strides", 2, 2), attrs("pads", 1, 1, 1, 1),
                        attr("group", 2L), attrs("dilations", 1, 1), attrs("kernel_shape", 3, 3)).output("y"),
                s(1, 4, 7, 7), true));
        cases.add(c("MaxPool 3, stride 2, pad 1", unary(13, "MaxPool", s(1, 2, 7, 7), attrs("kernel_shape", 3, 3),
                attrs("strides", 2, 2), attrs("pads", 1, 1, 1, 1)), s(1, 2, 7, 7), false));
        cases.add(c("AveragePool 2", unary(13, "AveragePool", s(1, 2, 6, 6), attrs("kernel_shape", 2, 2),
                attrs("strides", 2, 2)), s(1, 2, 6, 6), true));
        cases.add(c("GlobalAveragePool", unary(13, "GlobalAveragePool", s(2, 3, 4, 5)), s(2, 3, 4, 5), true));
        cases.add(c("BatchNormalization (inference)", new TestGraph(13).input("x", s(2, 3, 4, 4))
                .weight("scale", random(11, 3)).weight("bias", random(12, 3)).weight("mean", random(13, 3))
                .weight("var", Tensor.rand(new Generator(14), 3).add(0.5f))
                .node("BatchNormalization", List.of("x", "scale", "bias", "mean", "var"), List.of("y"),
                        attr("epsilon", 1e-3f)).output("y"), s(2, 3, 4, 4), true));
        cases.add(c("LayerNormalization opset 17", new TestGraph(17).input("x", x234).weight("g", random(15, 4))
                .weight("b", random(16, 4)).node("LayerNormalization", List.of("x", "g", "b"), List.of("y"),
                        attr("epsilon", 1e-5f)).output("y"), x234, true));
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> everyOpMatchesOnnxRuntimeAndFiniteDifferences() {
        return cases().stream().map(k -> dynamicTest(k.name(), () -> {
            byte[] bytes = k.graph().bytes();
            OnnxModel model = OnnxImport.load(bytes, k.name());
            Tensor x = random(k.name().hashCode(), k.shape());
            Map<String, Tensor> ours = model.run(Map.of("x", x));
            Map<String, float[]> theirs = runtime(bytes, Map.of("x", x));
            assertEquals(theirs.keySet(), ours.keySet());
            for (String name : theirs.keySet()) {
                float[] expected = theirs.get(name);
                float[] actual = ours.get(name).toFloatArray();
                assertEquals(expected.length, actual.length, name + ": element count");
                for (int i = 0; i < expected.length; i++) {
                    assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])),
                            name + "[" + i + "]: ONNX Runtime " + expected[i] + ", Backprop " + actual[i]);
                }
            }
            if (k.gradient()) {
                String out = model.outputNames().get(model.outputNames().size() - 1);
                GradCheck.Result r = GradCheck.check(in -> model.run(Map.of("x", in[0])).get(out), x);
                assertTrue(r.passed(), r.report());
            }
        }));
    }

    /** ONNX Runtime's outputs for float inputs, flattened to floats (integer outputs converted). */
    static Map<String, float[]> runtime(byte[] model, Map<String, Tensor> inputs) throws Exception {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        for (var e : inputs.entrySet()) {
            feeds.put(e.getKey(), OnnxTensor.createTensor(ENV, FloatBuffer.wrap(e.getValue().toFloatArray()),
                    Arrays.stream(e.getValue().shape().dims()).asLongStream().toArray()));
        }
        try (OrtSession session = ENV.createSession(model, new OrtSession.SessionOptions());
             OrtSession.Result result = session.run(feeds)) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : result) {
                OnnxTensor t = (OnnxTensor) e.getValue();
                TensorInfo info = t.getInfo();
                float[] f = new float[(int) info.getNumElements()];
                switch (info.type) {
                    case FLOAT -> t.getFloatBuffer().get(f);
                    case INT64 -> {
                        long[] l = new long[f.length];
                        t.getLongBuffer().get(l);
                        for (int i = 0; i < f.length; i++) {
                            f[i] = l[i];
                        }
                    }
                    default -> throw new IllegalStateException("output type " + info.type);
                }
                out.put(e.getKey(), f);
            }
            return out;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    @org.junit.jupiter.api.Test
    void theCasesCoverEveryOpOfTheIssueList() {
        List<String> listed = List.of("LayerNormalization", "Gelu", "Dropout", "Identity", "Clip", "AveragePool",
                "ReduceMax", "Squeeze", "Split", "Neg", "Exp", "Log");
        for (String op : listed) {
            assertTrue(Ops.types().contains(op), op);
        }
    }
}
