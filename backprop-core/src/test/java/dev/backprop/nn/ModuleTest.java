package dev.backprop.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.nn.init.Init;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModuleTest {
    private static Sequential mlp(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Linear(4, 8, g), Activation.relu(), new Linear(8, 3, g));
    }

    /**
     * A batch norm followed by a ReLU in a Sequential runs as one op: the same output, running
     * statistics and gradients, bit for bit, as its layers run one at a time; in evaluation too.
     */
    @Test
    void batchNormThenReluInASequentialIsTheTwoLayers() {
        Generator g = new Generator(11);
        Sequential[] nets = new Sequential[2];
        for (int k = 0; k < 2; k++) {
            nets[k] = new Sequential(new BatchNorm(3), Activation.relu());
            Map<String, Tensor> state = new java.util.HashMap<>(nets[k].stateDict());
            state.put("0.weight", Tensor.randn(new Generator(12), 3));
            state.put("0.bias", Tensor.randn(new Generator(13), 3));
            nets[k].loadStateDict(state);
        }
        Tensor x = Tensor.randn(g, 4, 3, 5, 5);
        Tensor r = Tensor.randn(g, 4, 3, 5, 5);
        for (boolean training : new boolean[] {true, false}) {
            Tensor[] inputs = new Tensor[2];
            float[][] outputs = new float[2][];
            for (int k = 0; k < 2; k++) {
                if (training) {
                    nets[k].train();
                } else {
                    nets[k].eval();
                }
                inputs[k] = x.detach().setRequiresGrad(true);
                Tensor y = inputs[k];
                if (k == 0) {
                    y = nets[k].forward(y);   // fused
                    if (training) {
                        assertTrue(y.toString().contains("gradFn=batch_norm_relu"), y.toString());
                    }
                } else {
                    for (Module layer : nets[k].layers()) {
                        y = layer.forward(y);
                    }
                }
                y.mul(r).sum().backward();
                outputs[k] = y.toFloatArray();
            }
            assertArrayEquals(outputs[1], outputs[0], "output, training " + training);
            int zeros = 0;
            for (float v : outputs[0]) {
                zeros += v == 0f ? 1 : 0;
            }
            assertTrue(zeros > 0 && zeros < outputs[0].length, zeros + " of " + outputs[0].length + " clamped");
            assertArrayEquals(inputs[1].grad().toFloatArray(), inputs[0].grad().toFloatArray(), "dx, training " + training);
            for (String name : List.of("0.weight", "0.bias", "0.running_mean", "0.running_var")) {
                Tensor a = nets[0].stateDict().get(name);
                Tensor b = nets[1].stateDict().get(name);
                assertArrayEquals(b.toFloatArray(), a.toFloatArray(), name + ", training " + training);
                if (a.grad() != null) {
                    assertArrayEquals(b.grad().toFloatArray(), a.grad().toFloatArray(), name + " gradient");
                }
            }
        }
    }

    @Test
    void stateDictNamesMatchPyTorch() {
        Sequential net = mlp(0);
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(net.stateDict().keySet()));
        assertEquals(4 * 8 + 8 + 8 * 3 + 3, net.parameterCount());
        assertTrue(net.summary().contains("total"), net.summary());
        assertTrue(net.parameters().stream().allMatch(Tensor::requiresGrad));
    }

    @Test
    void loadStateDictCopiesValuesOrChangesNothing() {
        Sequential a = mlp(1);
        Sequential b = mlp(2);
        Tensor x = Tensor.randn(new Generator(3), 5, 4);
        assertNotEquals(a.forward(x).toFloatArray()[0], b.forward(x).toFloatArray()[0]);
        b.loadStateDict(a.stateDict());
        assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());

        Sequential c = mlp(4);
        float[] before = c.forward(x).toFloatArray();
        Map<String, Tensor> bad = new java.util.LinkedHashMap<>(a.stateDict());
        bad.put("2.bias", Tensor.zeros(4));
        bad.remove("0.bias");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.loadStateDict(bad));
        assertTrue(e.getMessage().contains("missing '0.bias'") && e.getMessage().contains("'2.bias' has shape [4], expected [3]"),
                e.getMessage());
        assertArrayEquals(before, c.forward(x).toFloatArray(), "a failed load leaves the module unchanged");
    }

    @Test
    void wrongInputWidthNamesTheLayer() {
        ShapeException e = assertThrows(ShapeException.class, () -> mlp(0).forward(Tensor.zeros(5, 3)));
        assertEquals("layer 0 Linear(4 -> 8): input of shape [5, 3] does not fit: expected the last dimension"
                + " to be 4 (shape [batch, 4])", e.getMessage());
    }

    @Test
    void dropoutOnlyInTraining() {
        Dropout d = new Dropout(0.5f, new Generator(0));
        Tensor x = Tensor.ones(1000);
        float[] y = d.forward(x).toFloatArray();
        int zeros = 0;
        for (float v : y) {
            assertTrue(v == 0f || v == 2f);
            zeros += v == 0f ? 1 : 0;
        }
        assertEquals(500, zeros, 50);
        d.eval();
        assertArrayEquals(x.toFloatArray(), d.forward(x).toFloatArray());
        Sequential s = new Sequential(new Dropout(0.3f, new Generator(1)));
        s.eval();
        assertTrue(!s.layers().get(0).isTraining());
    }

    @Test
    void dropout2dDropsWholeChannels() {
        Dropout2d d = new Dropout2d(0.5f, new Generator(3));
        Tensor x = Tensor.ones(8, 16, 3, 3);
        float[] y = d.forward(x).toFloatArray();
        int dropped = 0;
        for (int channel = 0; channel < 8 * 16; channel++) {
            float first = y[channel * 9];
            for (int i = 1; i < 9; i++) {
                assertEquals(first, y[channel * 9 + i], "a channel is kept or dropped as a whole");
            }
            assertTrue(first == 0f || first == 2f);
            dropped += first == 0f ? 1 : 0;
        }
        assertEquals(64, dropped, 16);
        d.eval();
        assertArrayEquals(x.toFloatArray(), d.forward(x).toFloatArray());
    }

    @Test
    void initialisersHaveTheirVariance() {
        Generator g = new Generator(5);
        Tensor w = Tensor.zeros(400, 300);
        Init.kaimingNormal(w, 0f, Init.FanMode.FAN_IN, g);
        assertEquals(2.0 / 300, variance(w), 2.0 / 300 * 0.05);
        Init.xavierUniform(w, 1f, g);
        assertEquals(2.0 / 700, variance(w), 2.0 / 700 * 0.05);
        Init.xavierNormal(w, 1f, g);
        assertEquals(2.0 / 700, variance(w), 2.0 / 700 * 0.05);
        Init.kaimingUniform(w, 0f, Init.FanMode.FAN_OUT, g);
        assertEquals(2.0 / 400, variance(w), 2.0 / 400 * 0.05);
        Linear fc = new Linear(100, 50, g);
        for (float v : fc.weight().toFloatArray()) {
            assertTrue(Math.abs(v) <= 0.1f);
        }
        assertEquals(1.0 / 300, variance(fc.weight()), 1.0 / 300 * 0.1);
        Init.constant(w, 0.5f);
        assertEquals(0.5f, w.get(3, 7));
    }

    private static double variance(Tensor t) {
        float[] v = t.toFloatArray();
        double m = 0;
        double s = 0;
        for (float x : v) {
            m += x;
            s += (double) x * x;
        }
        m /= v.length;
        return s / v.length - m * m;
    }

    @Test
    void batchNormKeepsRunningStatisticsAndUsesThemInEvaluation() {
        BatchNorm bn = new BatchNorm(2);
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(bn.stateDict().keySet()));
        assertEquals(2, bn.parameters().size(), "buffers are saved but not trained");
        Tensor x = Tensor.of(new float[][] {{1, 10}, {3, 30}});
        Tensor y = bn.forward(x);
        assertArrayEquals(new float[] {-1, -1, 1, 1}, y.toFloatArray(), 1e-3f);
        assertArrayEquals(new float[] {0.2f, 2f}, bn.stateDict().get("running_mean").toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0.9f + 0.1f * 2f, 0.9f + 0.1f * 200f}, bn.stateDict().get("running_var").toFloatArray(), 1e-4f);
        assertEquals(1f, bn.stateDict().get("num_batches_tracked").item());
        bn.eval();
        float[] evaluated = bn.forward(x).toFloatArray();
        assertEquals((1 - 0.2f) / (float) Math.sqrt(1.1f + 1e-5f), evaluated[0], 1e-5f);
        // With no gradient wanted, evaluation takes the one-pass kernel: the same values.
        float[] inference;
        try (var scope = dev.backprop.tensor.GradMode.noGrad()) {
            inference = bn.forward(x).toFloatArray();
        }
        assertArrayEquals(evaluated, inference, 1e-6f);
        Tensor stat = Tensor.of(0f, 0f);
        assertThrows(IllegalStateException.class, () -> Tensor.of(new float[][] {{1, 2}, {3, 4}}).setRequiresGrad(true)
                .batchNormInference(stat, stat, null, null, 1e-5f));
        assertThrows(dev.backprop.tensor.ShapeException.class, () -> Tensor.zeros(2, 3)
                .batchNormInference(stat, stat, null, null, 1e-5f));
    }
}
