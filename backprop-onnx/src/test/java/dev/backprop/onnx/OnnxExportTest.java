package dev.backprop.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.backprop.data.Preprocessing;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every exported model runs in ONNX Runtime and gives Backprop's outputs on random inputs. */
class OnnxExportTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    /** ONNX Runtime's outputs for {@code input}. */
    private static float[] runtime(byte[] model, Tensor input) throws Exception {
        try (OrtSession session = ENV.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(input.toFloatArray()),
                     java.util.Arrays.stream(input.shape().dims()).asLongStream().toArray());
             OrtSession.Result result = session.run(Map.of("input", in))) {
            assertEquals("logits", session.getOutputNames().iterator().next());
            float[][] out = (float[][]) result.get(0).getValue();
            float[] flat = new float[out.length * out[0].length];
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(out[i], 0, flat, i * out[0].length, out[0].length);
            }
            return flat;
        }
    }

    /** Backprop's outputs for raw {@code input}, preprocessed as the CLI does, in evaluation mode. */
    private static float[] backprop(Module model, Preprocessing p, Tensor input) {
        model.eval();
        try (var scope = GradMode.noGrad()) {
            Tensor x = p.apply(input).reshape(input.shape().dims());
            return model.forward(x).toFloatArray();
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-5 * Math.max(1, Math.abs(expected[i])),
                    what + " at " + i + ": Backprop " + expected[i] + ", ONNX Runtime " + actual[i]);
        }
    }

    @Test
    void mlpsWithEveryActivationMatchOnnxRuntime() throws Exception {
        Generator g = new Generator(5);
        List<Double> shift = new ArrayList<>();
        List<Double> scale = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            shift.add(0.1 * i);
            scale.add(0.5 + i);
        }
        Preprocessing standardize = new Preprocessing(shift, scale);
        for (ActivationKind kind : ActivationKind.values()) {
            for (float dropout : new float[] {0f, 0.3f}) {
                ModelSpec spec = new ModelSpec.Mlp(7, List.of(16, 9), 4, kind, dropout);
                Module model = spec.build(new Generator(3));
                byte[] onnx = OnnxExport.export(spec, model.stateDict(), standardize);
                for (int batch : new int[] {1, 5}) {
                    Tensor x = Tensor.randn(g, batch, 7).mul(3f);
                    assertClose(backprop(model, standardize, x), runtime(onnx, x), kind + " dropout " + dropout + " batch " + batch);
                }
            }
        }
    }

    @Test
    void lenetAndTheVggWithBatchNormMatchOnnxRuntime() throws Exception {
        Generator g = new Generator(6);
        Preprocessing pixels = Preprocessing.scale(255);
        for (ModelSpec spec : new ModelSpec[] {new ModelSpec.LeNet5(1, 10), new ModelSpec.Vgg(1, 10, 4, 0.25f)}) {
            Module model = spec.build(new Generator(4));
            model.train();
            model.forward(Tensor.rand(g, 8, 1, 28, 28));   // batch norm's running statistics move away from 0 and 1
            byte[] onnx = OnnxExport.export(spec, model.stateDict(), pixels);
            for (int batch : new int[] {1, 3}) {
                Tensor x = Tensor.rand(g, batch, 1, 28, 28).mul(255f);
                assertClose(backprop(model, pixels, x), runtime(onnx, x), spec + " batch " + batch);
            }
        }
    }

    @Test
    void aModelFileIsWrittenAsOnnxAtomically(@TempDir Path dir) throws Exception {
        ModelSpec spec = new ModelSpec.Mlp(4, List.of(8), 3, ActivationKind.TANH, 0f);
        Module model = spec.build(new Generator(1));
        Path file = dir.resolve("m.onnx");
        OnnxExport.write(new ModelFile.Model(spec, model, new ModelFile.Info("toy", List.of("a", "b", "c"), Preprocessing.NONE)), file);
        byte[] bytes = Files.readAllBytes(file);
        Tensor x = Tensor.randn(new Generator(2), 2, 4);
        assertClose(backprop(model, Preprocessing.NONE, x), runtime(bytes, x), "from file");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }
}
