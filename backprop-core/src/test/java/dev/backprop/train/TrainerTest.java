package dev.backprop.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adam;
import dev.backprop.optim.SGD;
import dev.backprop.optim.schedule.CosineAnnealingLR;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Trains real (small) networks and checks they learned; determinism; early stopping. */
class TrainerTest {

    private static Sequential mlp(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Linear(64, 64, g), Activation.relu(), new Linear(64, 10, g));
    }

    private static float[] trainDigits(long seed, int epochs, StringBuilder log) throws IOException {
        PreparedData digits = NamedDatasets.embeddedDigits();
        Sequential model = mlp(seed);
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT.withLr(3e-3)),
                LossFunction.crossEntropy());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        History h = trainer.fit(digits.train(), digits.test(),
                FitConfig.DEFAULT.withEpochs(epochs).withBatchSize(32).withSeed(seed)
                        .withSchedule(new CosineAnnealingLR(epochs, 0)),
                new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false));
        log.append(bytes.toString(StandardCharsets.UTF_8));
        assertEquals(epochs, h.epochs().size());
        double accuracy = trainer.evaluate(digits.test(), 512).classification().accuracy();
        log.append("test accuracy ").append(accuracy);
        assertTrue(accuracy >= 0.96, "an MLP should reach 96% on 8x8 digits in " + epochs + " epochs:\n" + log);
        assertTrue(h.last().trainLoss() < h.epochs().get(0).trainLoss());
        return model.stateDict().get("0.weight").toFloatArray();
    }

    @Test
    void learnsDigitsAndIsDeterministic() throws IOException {
        StringBuilder log = new StringBuilder();
        float[] first = trainDigits(3, 15, log);
        assertTrue(log.toString().contains("epoch 15/15"), log.toString());
        float[] second = trainDigits(3, 15, new StringBuilder());
        assertArrayEquals(first, second, "same seed, same machine: bit-identical weights");
    }

    @Test
    void leNetLearnsFromAThousandMnistDigits() throws IOException {
        PreparedData mnist = NamedDatasets.load(dev.backprop.data.NamedDataset.MNIST,
                new dev.backprop.data.DatasetLocator(dev.backprop.data.SharedFolder.find("datasets"), null, null, false));
        int[] first = new int[1000];
        for (int i = 0; i < first.length; i++) {
            first[i] = i;
        }
        dev.backprop.data.Dataset small = mnist.train().subset(first);
        dev.backprop.nn.LeNet net = new dev.backprop.nn.LeNet(1, 10, new Generator(0));
        Trainer trainer = new Trainer(net, new Adam(net.parameters(), Adam.Config.DEFAULT.withLr(2e-3)), LossFunction.crossEntropy());
        History h = trainer.fit(small, null, FitConfig.DEFAULT.withEpochs(6).withBatchSize(25));
        assertTrue(h.last().trainLoss() < 0.6 * h.epochs().get(0).trainLoss(), "loss fell: " + h.epochs());
        double accuracy = trainer.evaluate(mnist.test().subset(first), 500).classification().accuracy();
        assertTrue(accuracy > 0.85, "LeNet after 6 epochs on 1000 digits: " + accuracy);
    }

    @Test
    void earlyStoppingRestoresTheBestEpoch() throws IOException {
        PreparedData digits = NamedDatasets.embeddedDigits();
        Sequential model = mlp(1);
        // A rate far too high makes validation loss get worse quickly.
        Trainer trainer = new Trainer(model, new SGD(model.parameters(), SGD.Config.DEFAULT.withLr(2.5)),
                LossFunction.crossEntropy());
        EarlyStopping stop = new EarlyStopping(model, Evaluation.Metric.ACCURACY, 2, 0);
        History h = trainer.fit(digits.train(), digits.test(), FitConfig.DEFAULT.withEpochs(30), stop);
        assertTrue(h.stoppedEarly(), "validation accuracy stalls long before 30 epochs at this rate: " + h.epochs().size());
        assertTrue(h.epochs().size() < 30);
        double best = h.epochs().stream().mapToDouble(e -> e.validation().classification().accuracy()).max().orElseThrow();
        double last = h.last().validation().classification().accuracy();
        assertTrue(last < best, "the last epoch was worse than the best, so restoring matters");
        assertEquals(best, trainer.evaluate(digits.test(), 512).classification().accuracy(), 1e-9);
    }

    @Test
    void everyFitStartsItsScheduleFromTheInitialRate() throws IOException {
        PreparedData digits = NamedDatasets.embeddedDigits();
        Sequential model = mlp(4);
        Adam adam = new Adam(model.parameters(), Adam.Config.DEFAULT.withLr(1e-3));
        Trainer trainer = new Trainer(model, adam, LossFunction.crossEntropy());
        FitConfig config = FitConfig.DEFAULT.withEpochs(2).withSchedule(new CosineAnnealingLR(2, 0));
        History first = trainer.fit(digits.train(), null, config);
        History second = trainer.fit(digits.train(), null, config);
        assertEquals(first.epochs().get(0).lr(), second.epochs().get(0).lr(), 0.0);
        assertEquals(1e-3, second.epochs().get(0).lr(), 1e-12);
    }

    @Test
    void divergenceNamesTheEpochAndBatch() throws IOException {
        PreparedData digits = NamedDatasets.embeddedDigits();
        Sequential model = mlp(2);
        Trainer trainer = new Trainer(model, new SGD(model.parameters(), SGD.Config.DEFAULT.withLr(1e30)),
                LossFunction.crossEntropy());
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> trainer.fit(digits.train(), null, FitConfig.DEFAULT.withEpochs(3)));
        assertTrue(e.getMessage().contains("epoch 1, batch"), e.getMessage());
    }

    @Test
    void metricsOfAKnownConfusion() {
        Tensor logits = Tensor.of(new float[][] {{2, 1, 0}, {0, 2, 1}, {0, 1, 2}, {2, 0, 1}});
        Tensor labels = Tensor.of(0, 1, 1, 2);
        ClassificationMetrics m = ClassificationMetrics.of(0, logits, labels, 2, List.of("a", "b", "c"));
        assertEquals(0.5, m.accuracy());
        assertEquals(1.0, m.topKAccuracy(), "every true class is among the two highest scores");
        assertEquals(0.5, ClassificationMetrics.of(0, logits, labels, 1, List.of("a", "b", "c")).topKAccuracy());
        assertEquals(1.0, m.precision(1));
        assertEquals(0.5, m.recall(1));
        assertEquals(2.0 / 3, m.f1(1), 1e-12);
        assertEquals(0.5, m.precision(0));
        assertTrue(m.report().contains("confusion matrix"));
        RegressionMetrics r = RegressionMetrics.of(0, Tensor.of(1, 2, 3), Tensor.of(1, 2, 4));
        assertEquals(1.0 / 3, r.mse(), 1e-6);
        assertEquals(1.0 / 3, r.mae(), 1e-6);
        assertEquals(1 - 1.0 / (42.0 / 9), r.r2(), 1e-6);   // SS_res 1, SS_tot 42/9
    }
}
