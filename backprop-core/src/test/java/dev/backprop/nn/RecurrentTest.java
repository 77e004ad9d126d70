package dev.backprop.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.autograd.GradCheck;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Stacked layers and initial states, beyond the single-layer zero-state cases of seq.json: checked
 * by finite differences through input, initial states and weights, and by the final state equalling
 * the last output step.
 */
class RecurrentTest {

    @Test
    void twoLayerLstmWithInitialStatesHasCorrectGradients() {
        Generator g = new Generator(3);
        LSTM lstm = new LSTM(3, 4, 2, g);
        Tensor x = Tensor.randn(g, 2, 4, 3);
        Tensor h0 = Tensor.randn(g, 2, 2, 4).mul(0.5f);
        Tensor c0 = Tensor.randn(g, 2, 2, 4).mul(0.5f);
        Tensor w = lstm.namedParameters().get("weight_hh_l1");
        GradCheck.Result r = GradCheck.check(in -> {
            LSTM.Output o = lstm.run(in[0], in[1], in[2]);
            return o.output().sum().add(o.cN().mul(o.hN()).sum());
        }, x, h0, c0);
        assertTrue(r.passed(), r.report());
        LSTM.Output o = lstm.run(x, h0, c0);
        assertEquals(java.util.List.of(2, 4, 4), java.util.Arrays.stream(o.output().shape().dims()).boxed().toList());
        assertArrayEquals(o.output().select(1, 3).toFloatArray(), o.hN().select(0, 1).toFloatArray());
        assertEquals(16, w.size(0), "4 gates x 4 hidden");
    }

    @Test
    void twoLayerGruWithAnInitialStateHasCorrectGradients() {
        Generator g = new Generator(4);
        GRU gru = new GRU(3, 5, 2, g);
        Tensor x = Tensor.randn(g, 3, 4, 3);
        Tensor h0 = Tensor.randn(g, 2, 3, 5).mul(0.5f);
        GradCheck.Result r = GradCheck.check(in -> {
            GRU.Output o = gru.run(in[0], in[1]);
            return o.output().mul(o.output()).sum().add(o.hN().sum());
        }, x, h0);
        assertTrue(r.passed(), r.report());
        GRU.Output o = gru.run(x, h0);
        assertArrayEquals(o.output().select(1, 3).toFloatArray(), o.hN().select(0, 1).toFloatArray());
    }

    @Test
    void inputsAndStatesThatDoNotFitAreNamed() {
        LSTM lstm = new LSTM(3, 4, 1, new Generator(0));
        ShapeException e = assertThrows(ShapeException.class, () -> lstm.forward(Tensor.zeros(2, 5, 7)));
        assertTrue(e.getMessage().contains("LSTM: input of shape [2, 5, 7]") && e.getMessage().contains("[batch, steps, 3]"),
                e.getMessage());
        e = assertThrows(ShapeException.class, () -> new GRU(3, 4, 2, new Generator(0)).run(Tensor.zeros(2, 5, 3), Tensor.zeros(1, 2, 4)));
        assertTrue(e.getMessage().contains("initial state of shape [1, 2, 4]") && e.getMessage().contains("[2, 2, 4]"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new TransformerBlock(10, 3, new Generator(0)));
        assertTrue(bad.getMessage().contains("multiple of heads 3"), bad.getMessage());
    }
}
