package dev.backprop.onnx.load;

import static dev.backprop.onnx.load.TestGraph.attr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.backprop.autograd.GradCheck;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The patterns fused at import (dense layer, GELU in both orders, layer norm, attention) give ONNX
 * Runtime's outputs and finite-difference gradients, and near misses are left unfused and still right.
 */
class FusionTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private static Tensor random(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    /** Imports the graph, checks how many patterns were fused, the outputs against ONNX Runtime and the gradients. */
    private static void check(TestGraph g, int fused, Map<String, Tensor> inputs) throws Exception {
        byte[] bytes = g.bytes();
        OnnxModel model = OnnxImport.load(bytes, "fusion.onnx");
        assertEquals(fused, model.fusedPatterns(), "patterns fused");
        String out = model.outputNames().get(0);
        float[] ours = model.run(inputs).get(out).toFloatArray();
        float[] theirs = runtime(bytes, inputs);
        assertEquals(theirs.length, ours.length);
        for (int i = 0; i < ours.length; i++) {
            assertTrue(Math.abs(ours[i] - theirs[i]) <= 1e-5 * Math.max(1, Math.abs(theirs[i])),
                    "[" + i + "]: ONNX Runtime " + theirs[i] + ", Backprop " + ours[i]);
        }
        List<String> names = new ArrayList<>(inputs.keySet());
        GradCheck.Result r = GradCheck.check(in -> {
            Map<String, Tensor> given = new LinkedHashMap<>();
            for (int i = 0; i < in.length; i++) {
                given.put(names.get(i), in[i]);
            }
            return model.run(given).get(out);
        }, names.stream().map(inputs::get).toArray(Tensor[]::new));
        assertTrue(r.passed(), r.report());
    }

    private static float[] runtime(byte[] model, Map<String, Tensor> inputs) throws Exception {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try (OrtSession session = ENV.createSession(model, new OrtSession.SessionOptions())) {
            for (var e : inputs.entrySet()) {
                feeds.put(e.getKey(), OnnxTensor.createTensor(ENV, FloatBuffer.wrap(e.getValue().toFloatArray()),
                        Arrays.stream(e.getValue().shape().dims()).asLongStream().toArray()));
            }
            try (OrtSession.Result result = session.run(feeds)) {
                OnnxTensor t = (OnnxTensor) result.get(0);
                float[] f = new float[(int) t.getInfo().getNumElements()];
                t.getFloatBuffer().get(f);
                return f;
            }
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    @Test
    void aMatMulByAWeightAndABiasIsOneDenseOp() throws Exception {
        check(new TestGraph(13).input("x", 2, 3, 4).weight("w", random(1, 4, 5)).weight("b", random(2, 5))
                .node("MatMul", List.of("x", "w"), List.of("m")).node("Add", List.of("b", "m"), List.of("y")).output("y"),
                1, Map.of("x", random(3, 2, 3, 4)));
        // The product is also an output: not fused.
        check(new TestGraph(13).input("x", 3, 4).weight("w", random(1, 4, 5)).weight("b", random(2, 5))
                .node("MatMul", List.of("x", "w"), List.of("m")).node("Add", List.of("m", "b"), List.of("y")).output("y")
                .output("m"), 0, Map.of("x", random(3, 3, 4)));
    }

    @Test
    void theErfFormOfGeluIsFusedInBothOrders() throws Exception {
        TestGraph first = constants(new TestGraph(13).input("x", 3, 4))
                .node("Div", List.of("x", "r2"), List.of("d")).node("Erf", List.of("d"), List.of("e"))
                .node("Add", List.of("e", "one"), List.of("p")).node("Mul", List.of("x", "p"), List.of("m"))
                .node("Mul", List.of("m", "half"), List.of("y")).output("y");
        check(first, 1, Map.of("x", random(4, 3, 4)));
        TestGraph second = constants(new TestGraph(13).input("x", 3, 4))
                .node("Mul", List.of("x", "half"), List.of("h")).node("Div", List.of("x", "r2"), List.of("d"))
                .node("Erf", List.of("d"), List.of("e")).node("Add", List.of("one", "e"), List.of("p"))
                .node("Mul", List.of("h", "p"), List.of("y")).output("y");
        check(second, 1, Map.of("x", random(5, 3, 4)));
        TestGraph withoutHalf = constants(new TestGraph(13).input("x", 3, 4))
                .node("Div", List.of("x", "r2"), List.of("d")).node("Erf", List.of("d"), List.of("e"))
                .node("Add", List.of("e", "one"), List.of("p")).node("Mul", List.of("x", "p"), List.of("y")).output("y");
        check(withoutHalf, 0, Map.of("x", random(6, 3, 4)));
    }

    private static TestGraph constants(TestGraph g) {
        return g.node("Constant", List.of(), List.of("r2"), attr("value", TestGraph.floats("r2",
                        Tensor.scalar((float) Math.sqrt(2)))))
                .node("Constant", List.of(), List.of("one"), attr("value", TestGraph.floats("one", Tensor.scalar(1f))))
                .node("Constant", List.of(), List.of("half"), attr("value", TestGraph.floats("half", Tensor.scalar(0.5f))))
                .node("Constant", List.of(), List.of("two"), attr("value", TestGraph.floats("two", Tensor.scalar(2f))))
                .node("Constant", List.of(), List.of("eps"), attr("value", TestGraph.floats("eps", Tensor.scalar(1e-5f))));
    }

    @Test
    void theDecomposedLayerNormIsFused() throws Exception {
        TestGraph g = constants(new TestGraph(13).input("x", 2, 3, 6)).weight("gamma", random(6, 6))
                .weight("beta", random(7, 6))
                .node("ReduceMean", List.of("x"), List.of("mean"), TestGraph.attrs("axes", -1))
                .node("Sub", List.of("x", "mean"), List.of("d")).node("Pow", List.of("d", "two"), List.of("sq"))
                .node("ReduceMean", List.of("sq"), List.of("var"), TestGraph.attrs("axes", -1))
                .node("Add", List.of("var", "eps"), List.of("ve")).node("Sqrt", List.of("ve"), List.of("std"))
                .node("Div", List.of("d", "std"), List.of("n")).node("Mul", List.of("n", "gamma"), List.of("g"))
                .node("Add", List.of("g", "beta"), List.of("y")).output("y");
        check(g, 1, Map.of("x", random(8, 2, 3, 6)));
    }

    private static TestGraph attention(Tensor mask) {
        return new TestGraph(13).input("q", 2, 2, 3, 4).input("kt", 2, 2, 4, 3).input("v", 2, 2, 3, 4)
                .node("Constant", List.of(), List.of("mask"), attr("value", TestGraph.floats("mask", mask)))
                .node("Constant", List.of(), List.of("scale"),
                        attr("value", TestGraph.floats("scale", Tensor.scalar(2f))))
                .node("MatMul", List.of("q", "kt"), List.of("s")).node("Div", List.of("s", "scale"), List.of("d"))
                .node("Add", List.of("d", "mask"), List.of("a")).node("Softmax", List.of("a"), List.of("p"), attr("axis", 3L))
                .node("MatMul", List.of("p", "v"), List.of("y")).output("y");
    }

    @Test
    void attentionWithAPaddingMaskRunsFusedAndAnyOtherMaskUnfused() throws Exception {
        Map<String, Tensor> inputs = Map.of("q", random(9, 2, 2, 3, 4), "kt", random(10, 2, 2, 4, 3),
                "v", random(11, 2, 2, 3, 4));
        float min = -Float.MAX_VALUE;
        TestGraph padding = attention(Tensor.fromArray(new float[] {0, 0, min, 0, 0, 0}, 2, 1, 1, 3));
        check(padding, 1, inputs);
        assertEquals("scaled_dot_product_attention", ranBy(padding, inputs), "a padding mask: the fused kernel");
        TestGraph additive = attention(Tensor.fromArray(new float[] {0, -1, 0.5f, 0, 0, 2}, 2, 1, 1, 3));
        check(additive, 1, inputs);
        assertEquals("matmul", ranBy(additive, inputs), "an additive mask that is not a padding mask: the graph's ops");
    }

    /** The op that computed the output, with the query requiring its gradient. */
    private static String ranBy(TestGraph g, Map<String, Tensor> inputs) throws Exception {
        Map<String, Tensor> given = new LinkedHashMap<>(inputs);
        given.put("q", Tensor.fromArray(inputs.get("q").toFloatArray(), inputs.get("q").shape().dims()).setRequiresGrad(true));
        return OnnxImport.load(g.bytes(), "attention").run(given).get("y").gradFnName();
    }
}
