package dev.backprop.onnx.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Preprocessing;
import dev.backprop.data.SharedFolder;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.onnx.OnnxExport;
import dev.backprop.optim.SGD;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models between Backprop and ONNX in both directions: Backprop's own exports import back to the
 * same function; PyTorch's exported LeNets and MLP import and give ONNX Runtime's outputs; an
 * imported model trained for a step and saved gives, in ONNX Runtime, what it gives in Backprop.
 */
class RoundTripTest {

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])),
                    what + " at " + i + ": expected " + expected[i] + ", got " + actual[i]);
        }
    }

    @Test
    void backpropsOwnExportsImportBackToTheSameFunction() throws Exception {
        Generator g = new Generator(8);
        Preprocessing pixels = Preprocessing.scale(255);
        List<ModelSpec> specs = List.of(new ModelSpec.Mlp(784, List.of(32, 16), 10, ActivationKind.GELU, 0.2f),
                new ModelSpec.LeNet5(1, 10), new ModelSpec.Vgg(1, 10, 4, 0.25f));
        for (ModelSpec spec : specs) {
            Module model = spec.build(new Generator(4));
            model.train();
            model.forward(spec instanceof ModelSpec.Mlp ? Tensor.rand(g, 8, 784) : Tensor.rand(g, 8, 1, 28, 28));
            model.eval();
            OnnxModel imported = OnnxImport.load(OnnxExport.export(spec, model.stateDict(), pixels), spec.toString());
            Tensor raw = (spec instanceof ModelSpec.Mlp ? Tensor.rand(g, 3, 784) : Tensor.rand(g, 3, 1, 28, 28)).mul(255f);
            try (var off = GradMode.noGrad()) {
                float[] expected = model.forward(pixels.apply(raw).reshape(raw.shape().dims())).toFloatArray();
                assertClose(expected, imported.forward(raw).toFloatArray(), spec.toString());
            }
        }
    }

    @Test
    void pytorchsExportedLeNetsAndMlpGiveOnnxRuntimesOutputs() throws Exception {
        Path reference = SharedFolder.find("reference/pytorch");
        Generator g = new Generator(9);
        for (String file : List.of("trained/lenet_mnist.onnx", "trained/lenet_fashion-mnist.onnx", "interop/mlp_4_8_3.onnx")) {
            byte[] bytes = Files.readAllBytes(reference.resolve(file));
            OnnxModel model = OnnxImport.load(reference.resolve(file));
            Tensor x = file.contains("lenet") ? Tensor.rand(g, 2, 1, 28, 28) : Tensor.randn(g, 5, 4);
            String input = model.inputNames().get(0);
            float[] runtime = OnnxOpsTest.runtime(bytes, Map.of(input, x)).values().iterator().next();
            assertClose(runtime, model.forward(x).toFloatArray(), file);
        }
    }

    @Test
    void anImportedModelTrainedAndSavedRunsTheSameInOnnxRuntime(@TempDir Path dir) throws Exception {
        Path reference = SharedFolder.find("reference/pytorch/onnx-import");
        OnnxModel model = OnnxImport.load(reference.resolve("rescnn.onnx"));
        Generator g = new Generator(10);
        Tensor x = Tensor.randn(g, 4, 1, 12, 12);
        SGD sgd = new SGD(model.parameters(), new SGD.Config(0.1, 0, 0, false, 0));
        Tensor before = model.forward(x);
        before.softmaxCrossEntropy(Tensor.of(1f, 2f, 3f, 4f), 0f).mean().backward();
        sgd.step();
        Path saved = dir.resolve("tuned.onnx");
        model.save(saved);
        float[] ours;
        try (var off = GradMode.noGrad()) {
            ours = model.forward(x).toFloatArray();
        }
        float[] original = before.toFloatArray();
        assertTrue(Math.abs(ours[0] - original[0]) > 1e-4, "the step changed the model");
        float[] runtime = OnnxOpsTest.runtime(Files.readAllBytes(saved), Map.of("image", x)).values().iterator().next();
        assertClose(ours, runtime, "saved after a step, in ONNX Runtime");
        OnnxModel again = OnnxImport.load(saved);
        assertClose(ours, again.forward(x).toFloatArray(), "imported again");
        assertEquals(model.stateDict().keySet(), again.stateDict().keySet());
    }
}
