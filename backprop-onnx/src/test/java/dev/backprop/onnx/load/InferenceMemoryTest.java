package dev.backprop.onnx.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.SharedFolder;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.StepMemory;
import dev.backprop.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A run without gradients gives each value's buffer back after its last reader and takes later
 * results from those buffers: on poisoned memory (every buffer given back filled with NaN) the
 * shared cases compute exactly what a run with gradients computes (and the float-input ones what ONNX
 * Runtime computes), the
 * first run already reuses buffers, and a second run allocates nothing new.
 */
class InferenceMemoryTest {

    @Test
    void runsWithoutGradientsOnRecycledBuffersComputeWhatRunsWithGradientsCompute() throws Exception {
        Path folder = SharedFolder.find("reference/pytorch/onnx-import");
        Generator g = new Generator(11);
        Map<String, Map<String, Tensor>> cases = new LinkedHashMap<>();
        cases.put("mlp.onnx", Map.of("features", Tensor.randn(g, 6, 7)));
        cases.put("rescnn.onnx", Map.of("image", Tensor.randn(g, 3, 1, 12, 12)));
        cases.put("encoder.onnx", encoderInputs(g));
        for (var c : cases.entrySet()) {
            byte[] bytes = Files.readAllBytes(folder.resolve(c.getKey()));
            OnnxModel model = OnnxImport.load(bytes, c.getKey());
            Map<String, Tensor> inputs = c.getValue();
            assertEquals(model.inputNames().size(), inputs.size(), c.getKey() + " inputs " + model.inputNames());
            String output = model.outputNames().get(0);
            float[] withGradients = model.run(inputs).get(output).toFloatArray();
            model.poisonRecycledBuffers();
            for (int run = 1; run <= 2; run++) {
                float[] without;
                try (var off = GradMode.noGrad()) {
                    without = model.run(inputs).get(output).toFloatArray();
                }
                assertArrayEquals(withGradients, without, c.getKey() + ", run " + run + " without gradients");
            }
            if (c.getKey().equals("encoder.onnx")) {
                continue;   // int64 inputs, which the float feeds below do not make; the conformance suite checks it against PyTorch
            }
            float[] runtime = OnnxOpsTest.runtime(bytes, inputs).get(output);
            for (int i = 0; i < runtime.length; i++) {
                assertEquals(runtime[i], withGradients[i], 1e-5 * Math.max(1, Math.abs(runtime[i])), c.getKey() + " at " + i);
            }
        }
    }

    @Test
    void aRunTakesBuffersItsValuesGaveBackAndTheNextRunAllocatesNothing() throws Exception {
        OnnxModel model = OnnxImport.load(SharedFolder.find("reference/pytorch/onnx-import").resolve("encoder.onnx"));
        Map<String, Tensor> inputs = encoderInputs(new Generator(12));
        Tensor first;
        try (var off = GradMode.noGrad()) {
            first = model.run(inputs).get(model.outputNames().get(0));
        }
        List<StepMemory> idle = model.idleMemories();
        assertEquals(1, idle.size(), "one memory, back in the pool");
        StepMemory memory = idle.get(0);
        long allocated = memory.allocatedBytes();
        assertTrue(memory.reusedBytes() > 0, "the first run already took buffers given back by its earlier values");
        assertTrue(memory.heldBytes() > 0 && memory.heldBytes() <= allocated, memory.heldBytes() + " of " + allocated);
        float[] kept = first.toFloatArray();
        Tensor second;
        try (var off = GradMode.noGrad()) {
            second = model.run(inputs).get(model.outputNames().get(0));
        }
        assertEquals(allocated, memory.allocatedBytes(), "the second run took every buffer from the first");
        assertArrayEquals(kept, first.toFloatArray(), "an output is the caller's: the next run does not write over it");
        assertArrayEquals(kept, second.toFloatArray());
    }

    /** Token ids below the encoder's vocabulary, the second row padded after 5 tokens. */
    private static Map<String, Tensor> encoderInputs(Generator g) {
        int rows = 3;
        int length = 9;
        float[] ids = new float[rows * length];
        float[] mask = new float[rows * length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = g.nextInt(0, 50);
            mask[i] = i / length == 1 && i % length >= 5 ? 0 : 1;
        }
        return Map.of("input_ids", Tensor.fromArray(ids, rows, length), "attention_mask", Tensor.fromArray(mask, rows, length));
    }
}
