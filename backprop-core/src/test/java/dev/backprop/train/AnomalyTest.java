package dev.backprop.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Dataset;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.SGD;
import dev.backprop.tensor.AnomalyDetection;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnomalyTest {

    private static Sequential model() {
        Generator g = new Generator(2);
        return new Sequential(new Linear(3, 4, g), Activation.tanh(), new Linear(4, 2, g));
    }

    @Test
    void theFirstOpThatMakesANanIsNamedWithItsModuleAndInputs() {
        Sequential net = model();
        Tensor x = Tensor.fromArray(new float[] {1, 2, 3, -1, 0, 1}, 2, 3);
        try (var scope = net.detectAnomalies()) {
            Tensor y = net.forward(x);
            AnomalyDetection.AnomalyException e = assertThrows(AnomalyDetection.AnomalyException.class,
                    () -> y.sub(Tensor.scalar(5f)).log());
            assertTrue(e.getMessage().startsWith("anomaly: op 'log' after 2 (Linear) produced "), e.getMessage());
            assertTrue(e.getMessage().contains("NaN of 4 values") && e.getMessage().contains("[2, 2] min"), e.getMessage());
        }
        // A poisoned weight: the op reading it is reported in its module.
        Sequential poisoned = model();
        poisoned.loadStateDict(java.util.Map.of("0.weight", Tensor.full(Float.NaN, 4, 3), "0.bias", Tensor.zeros(4),
                "2.weight", Tensor.zeros(2, 4), "2.bias", Tensor.zeros(2)));
        try (var scope = poisoned.detectAnomalies()) {
            AnomalyDetection.AnomalyException e = assertThrows(AnomalyDetection.AnomalyException.class,
                    () -> poisoned.forward(x));
            assertTrue(e.getMessage().startsWith("anomaly: op 'linear' in 0 (Linear) produced 8 NaN of 8 values"), e.getMessage());
            assertTrue(e.getMessage().contains("[4, 3] min Infinity max -Infinity mean NaN (12 non-finite)"), e.getMessage());
        }
        // Off: the NaN flows silently, as in PyTorch without anomaly mode.
        assertTrue(Float.isNaN(poisoned.forward(x).toFloatArray()[0]));
    }

    @Test
    void anInfiniteGradientIsCaughtInBackwardAtTheOpWhoseRuleMadeIt() {
        Tensor x = Tensor.fromArray(new float[] {0f, 4f}, 2).setRequiresGrad(true);
        try (var scope = AnomalyDetection.enable(java.util.Map.of("x", x), name -> "input x")) {
            Tensor y = x.sqrt().sum();
            AnomalyDetection.AnomalyException e = assertThrows(AnomalyDetection.AnomalyException.class, y::backward);
            assertTrue(e.getMessage().startsWith("anomaly in backward: the gradient of op 'sqrt' in input x for its input 0"
                    + " has 1 infinite of 2 values"), e.getMessage());
        }
    }

    @Test
    void nonFiniteLossesStopTrainingOrSkipTheirBatch() {
        // 64 examples; the features of examples 0..7 are NaN.
        Generator g = new Generator(1);
        float[] features = Tensor.randn(g, 64, 3).toFloatArray();
        for (int i = 0; i < 8 * 3; i++) {
            features[i] = Float.NaN;
        }
        Dataset data = new Dataset("poisoned", Tensor.fromArray(features, 64, 3), Tensor.randint(g, 0, 2, 64), List.of("a", "b"));
        FitConfig config = FitConfig.DEFAULT.withEpochs(2).withBatchSize(8).withSeed(3);

        Sequential stopped = model();
        Trainer stopper = new Trainer(stopped, new SGD(stopped.parameters(), SGD.Config.DEFAULT), LossFunction.crossEntropy());
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> stopper.fit(data, null, config));
        assertTrue(e.getMessage().contains("loss is NaN at epoch 1, batch") && e.getMessage().contains("SKIP_BATCH"), e.getMessage());
        for (Tensor p : stopped.parameters()) {
            for (float v : p.toFloatArray()) {
                assertTrue(Float.isFinite(v), "the bad batch changed nothing");
            }
        }

        Sequential skipping = model();
        Trainer skipper = new Trainer(skipping, new SGD(skipping.parameters(), SGD.Config.DEFAULT), LossFunction.crossEntropy());
        History h = skipper.fit(data, null, config.withOnNonFiniteLoss(NonFiniteLoss.SKIP_BATCH));
        // Shuffled batches of 8: the 8 poisoned examples land in between 1 and 8 batches per epoch.
        for (EpochResult r : h.epochs()) {
            assertTrue(r.skippedBatches() >= 1 && r.skippedBatches() <= 8, "skipped " + r.skippedBatches());
            assertEquals(64 - 8 * r.skippedBatches(), r.examples());
            assertTrue(Double.isFinite(r.trainLoss()));
        }
        for (Tensor p : skipping.parameters()) {
            for (float v : p.toFloatArray()) {
                assertTrue(Float.isFinite(v));
            }
        }
        assertTrue(ProgressBar.line(h.last(), new TrainingPlan(Budget.epochs(2), 8, 16, 1, 0, dev.backprop.data.BatchSource.Unit.EXAMPLES)).contains("skipped " + h.last().skippedBatches() + " batches"));
    }
}
