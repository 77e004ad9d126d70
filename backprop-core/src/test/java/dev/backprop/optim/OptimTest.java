package dev.backprop.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.optim.schedule.ReduceLROnPlateau;
import dev.backprop.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptimTest {

    @Test
    void clipGradNormScalesAllGradientsTogether() {
        Tensor a = Tensor.of(0f, 0f).setRequiresGrad(true);
        Tensor b = Tensor.of(0f).setRequiresGrad(true);
        a.mul(Tensor.of(3f, 0f)).sum().add(b.mul(4f).sum()).backward();   // grads (3, 0) and (4): norm 5
        double norm = GradClip.clipGradNorm(List.of(a, b), 1.0);
        assertEquals(5.0, norm, 1e-6);
        assertArrayEquals(new float[] {0.6f, 0f}, a.grad().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0.8f}, b.grad().toFloatArray(), 1e-6f);
        GradClip.clipGradValue(List.of(a, b), 0.7);
        assertArrayEquals(new float[] {0.7f}, b.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void sgdMinimisesAQuadratic() {
        Tensor x = Tensor.of(5f, -3f).setRequiresGrad(true);
        Optimizer opt = new SGD(List.of(x), SGD.Config.DEFAULT.withLr(0.1).withMomentum(0.5));
        for (int i = 0; i < 200; i++) {
            opt.zeroGrad();
            x.mul(x).sum().backward();
            opt.step();
        }
        assertArrayEquals(new float[] {0f, 0f}, x.toFloatArray(), 1e-4f);
        assertEquals(200, opt.stepCount());
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Adam.Config.DEFAULT.withBetas(1.0, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SGD.Config.DEFAULT.withNesterov(true));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), SGD.Config.DEFAULT));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SGD.Config.DEFAULT.withLr(-1));
        assertTrue(e.getMessage().contains("lr must be >= 0"), e.getMessage());
    }

    @Test
    void reduceOnPlateauWaitsForPatience() {
        Tensor x = Tensor.of(1f).setRequiresGrad(true);
        Optimizer opt = new SGD(List.of(x), SGD.Config.DEFAULT.withLr(1.0));
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(ReduceLROnPlateau.Mode.MIN, 0.5, 2, 0, 0);
        assertFalse(plateau.observe(opt, 1.0));
        assertFalse(plateau.observe(opt, 1.0));
        assertFalse(plateau.observe(opt, 1.0));
        assertTrue(plateau.observe(opt, 1.0), "third check without improvement exceeds patience 2");
        assertEquals(0.5, opt.lr());
        assertFalse(plateau.observe(opt, 0.5));
        assertEquals(0.5, opt.lr());
    }

    @Test
    void warmupThenLinearDecayIsHuggingFacesFineTuningSchedule() {
        var s = new dev.backprop.optim.schedule.WarmupLinearLR(10, 110);
        assertEquals(0.1, s.lr(1.0, 0), 1e-12, "the first warm-up step");
        assertEquals(1.0, s.lr(1.0, 9), 1e-12, "the last warm-up step reaches the base rate");
        assertEquals(0.5, s.lr(1.0, 60), 1e-12, "halfway down");
        assertEquals(0.0, s.lr(1.0, 110), 1e-12);
        assertEquals(0.0, s.lr(1.0, 500), 1e-12, "past the end it stays at zero");
        assertThrows(IllegalArgumentException.class, () -> new dev.backprop.optim.schedule.WarmupLinearLR(10, 10));
    }
}
