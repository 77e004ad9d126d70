package dev.backprop.onnx;

import static dev.backprop.onnx.OnnxGraph.attributes;

import dev.backprop.data.Preprocessing;
import dev.backprop.io.AtomicFiles;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.ModelSpec;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Exports a Backprop model as an ONNX graph (opset 17, dynamic batch dimension) from its
 * architecture and weights: dense layers become {@code Gemm}, convolutions {@code Conv}, pooling
 * {@code MaxPool}, batch norm (evaluation form, running statistics) {@code BatchNormalization},
 * activations their ONNX operators (exact GELU written out with {@code Erf}, as opset 17 has no
 * GELU), flatten {@code Flatten}; dropout is the identity at inference and is left out. The
 * model's input preprocessing comes first ({@code Sub}, {@code Div}), so the ONNX model takes the
 * same raw inputs as {@code ./backprop predict}: flat features {@code [batch, F]} for an MLP,
 * images {@code [batch, C, 28, 28]} for LeNet and the VGG-style CNN. The output is {@code logits}.
 *
 * <pre>{@code
 * OnnxExport.write(ModelFile.load(Path.of("mnist.safetensors")), Path.of("mnist.onnx"));
 * }</pre>
 */
public final class OnnxExport {
    /** Batch norm's epsilon in {@link dev.backprop.nn.SmallVgg} (PyTorch's default). */
    private static final float BATCH_NORM_EPS = 1e-5f;

    private OnnxExport() {
    }

    /** Writes {@code model} to {@code file} as ONNX, atomically. */
    public static void write(ModelFile.Model model, Path file) throws IOException {
        byte[] bytes = export(model.spec(), model.module().stateDict(), model.info().preprocessing());
        AtomicFiles.write(file, ByteBuffer.wrap(bytes));
    }

    /** The serialised ONNX model for an architecture, its state dict and its input preprocessing. */
    public static byte[] export(ModelSpec spec, Map<String, Tensor> state, Preprocessing preprocessing) {
        OnnxGraph g = new OnnxGraph();
        Weights w = new Weights(g, state);
        return switch (spec) {
            case ModelSpec.Gpt gpt -> throw new IllegalArgumentException("ONNX export covers the mlp, lenet and cnn"
                    + " classifiers; " + gpt + " is a language model, which it does not export (use the model file"
                    + " with 'backprop generate')");
            case ModelSpec.Mlp mlp -> {
                String x = preprocess(g, "input", preprocessing, new int[] {mlp.inputs()});
                int index = 0;
                for (int h : mlp.hidden()) {
                    x = activation(g, mlp.activation(), gemm(g, w, x, Integer.toString(index)));
                    index += mlp.dropout() > 0 ? 3 : 2;
                }
                x = gemm(g, w, x, Integer.toString(index));
                yield g.model("input", new long[] {-1, mlp.inputs()}, x, "logits", new long[] {-1, mlp.outputs()}, version());
            }
            case ModelSpec.LeNet5 lenet -> {
                String x = preprocess(g, "input", preprocessing, new int[] {lenet.channels(), 28, 28});
                x = maxPool(g, g.node("Relu", conv(g, w, x, "conv1", 5, 2, true)));
                x = maxPool(g, g.node("Relu", conv(g, w, x, "conv2", 5, 0, true)));
                x = g.node("Flatten", List.of(x), attributes("axis", 1L));
                x = g.node("Relu", gemm(g, w, x, "fc1"));
                x = g.node("Relu", gemm(g, w, x, "fc2"));
                x = gemm(g, w, x, "fc3");
                yield g.model("input", new long[] {-1, lenet.channels(), 28, 28}, x, "logits",
                        new long[] {-1, lenet.classes()}, version());
            }
            case ModelSpec.Vgg vgg -> {
                String x = preprocess(g, "input", preprocessing, new int[] {vgg.channels(), 28, 28});
                // features: conv-bn-relu at 0-2, 3-5, pool 6, conv-bn-relu 7-9, 10-12, pool 13
                for (int block : new int[] {0, 7}) {
                    for (int layer : new int[] {block, block + 3}) {
                        x = conv(g, w, x, "features." + layer, 3, 1, false);
                        x = batchNorm(g, w, x, "features." + (layer + 1));
                        x = g.node("Relu", x);
                    }
                    x = maxPool(g, x);
                }
                // classifier: flatten 0, linear 1, relu 2, dropout 3, linear 4
                x = g.node("Flatten", List.of(x), attributes("axis", 1L));
                x = g.node("Relu", gemm(g, w, x, "classifier.1"));
                x = gemm(g, w, x, "classifier.4");
                yield g.model("input", new long[] {-1, vgg.channels(), 28, 28}, x, "logits",
                        new long[] {-1, vgg.classes()}, version());
            }
        };
    }

    /** Looks weights up by state-dict name and adds each once as an initializer. */
    private record Weights(OnnxGraph graph, Map<String, Tensor> state) {
        String get(String name) {
            Tensor t = state.get(name);
            if (t == null) {
                throw new IllegalArgumentException("ONNX export: the state dict has no '" + name + "'; it has "
                        + state.keySet());
            }
            return graph.constant(name, t);
        }
    }

    private static String preprocess(OnnxGraph g, String input, Preprocessing p, int[] featureShape) {
        if (p.equals(Preprocessing.NONE)) {
            return input;
        }
        int features = 1;
        for (int d : featureShape) {
            features *= d;
        }
        int[] shape = p.shift().size() == 1 ? new int[0] : featureShape;
        if (p.shift().size() != 1 && p.shift().size() != features) {
            throw new IllegalArgumentException("ONNX export: preprocessing has " + p.shift().size()
                    + " values for inputs of " + features + " features");
        }
        String shift = g.constant("preprocessing.shift", Tensor.fromArray(floats(p.shift()), shape));
        String scale = g.constant("preprocessing.scale", Tensor.fromArray(floats(p.scale()), shape));
        return g.node("Div", g.node("Sub", input, shift), scale);
    }

    private static float[] floats(List<Double> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }

    /** {@code x W^T + b} for a Linear layer named {@code prefix}. */
    private static String gemm(OnnxGraph g, Weights w, String x, String prefix) {
        return g.node("Gemm", List.of(x, w.get(prefix + ".weight"), w.get(prefix + ".bias")), attributes("transB", 1L));
    }

    private static String conv(OnnxGraph g, Weights w, String x, String prefix, int kernel, int pad, boolean bias) {
        List<String> inputs = bias ? List.of(x, w.get(prefix + ".weight"), w.get(prefix + ".bias"))
                : List.of(x, w.get(prefix + ".weight"));
        return g.node("Conv", inputs, attributes("kernel_shape", new long[] {kernel, kernel},
                "pads", new long[] {pad, pad, pad, pad}, "strides", new long[] {1, 1}));
    }

    private static String batchNorm(OnnxGraph g, Weights w, String x, String prefix) {
        return g.node("BatchNormalization", List.of(x, w.get(prefix + ".weight"), w.get(prefix + ".bias"),
                w.get(prefix + ".running_mean"), w.get(prefix + ".running_var")), attributes("epsilon", BATCH_NORM_EPS));
    }

    private static String maxPool(OnnxGraph g, String x) {
        return g.node("MaxPool", List.of(x), attributes("kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2}));
    }

    private static String activation(OnnxGraph g, ActivationKind kind, String x) {
        return switch (kind) {
            case RELU -> g.node("Relu", x);
            case LEAKY_RELU -> g.node("LeakyRelu", List.of(x), attributes("alpha", 0.01f));
            case ELU -> g.node("Elu", List.of(x), attributes("alpha", 1f));
            case SIGMOID -> g.node("Sigmoid", x);
            case TANH -> g.node("Tanh", x);
            case SILU -> g.node("Mul", x, g.node("Sigmoid", x));
            // 0.5 x (1 + erf(x / sqrt 2))
            case GELU -> g.node("Mul", g.node("Mul", x, g.node("Add", g.node("Erf", g.node("Div", x, g.scalar((float) Math.sqrt(2)))),
                    g.scalar(1f))), g.scalar(0.5f));
        };
    }

    private static String version() {
        String v = OnnxExport.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }
}
