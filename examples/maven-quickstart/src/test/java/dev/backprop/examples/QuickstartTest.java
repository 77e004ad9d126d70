package dev.backprop.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.autograd.GradCheck;
import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import dev.backprop.text.MiniLm;
import dev.backprop.text.SentenceEncoder;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples, run as a user's tests would run them, against the installed Backprop artifacts. */
class QuickstartTest {
    @Test
    void trainsSavesLoadsAndPredictsTheSame(@TempDir Path dir) throws Exception {
        Quickstart.Result r = Quickstart.run(dir);
        assertTrue(r.testAccuracy() >= 0.94, "test accuracy " + r.testAccuracy());
        assertTrue(Files.size(r.modelFile()) > 30_000);
        assertEquals(r.predicted(), r.predictedAfterLoading());
    }

    @Test
    void theCustomLayersGradientMatchesFiniteDifferencesAndTheBuiltInSilu() {
        Tensor x = Tensor.randn(new Generator(1), 4, 5).setRequiresGrad(true);
        GradCheck.Result check = GradCheck.check(in -> new Swish().forward(in[0]).sum(), x);
        assertTrue(check.passed(), check.report());

        new Swish().forward(x).sum().backward();
        float[] ours = x.grad().toFloatArray();
        Tensor y = Tensor.fromArray(x.toFloatArray(), 4, 5).setRequiresGrad(true);
        y.silu().sum().backward();
        assertArrayEquals(y.grad().toFloatArray(), ours, 1e-6f);
    }

    @Test
    void aNetworkWithTheCustomLayerLearns() {
        PreparedData digits = NamedDatasets.embeddedDigits();
        Generator gen = new Generator(7);
        Module model = new Sequential(new Linear(64, 64, gen), new Swish(), new Linear(64, 10, gen));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT.withLr(3e-3)),
                LossFunction.crossEntropy());
        trainer.fit(digits.train(), digits.test(), FitConfig.DEFAULT.withEpochs(10));
        double accuracy = trainer.evaluate(digits.test(), 512).classification().accuracy();
        assertTrue(accuracy >= 0.9, "test accuracy " + accuracy);
    }

    @Test
    void sentenceEmbeddingsFindTheSentenceAboutTheSameThing() throws Exception {
        SentenceEncoder encoder = MiniLm.load();
        float[] v = encoder.embed(List.of("unit length"))[0];
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        assertEquals(384, v.length);
        assertEquals(1.0, norm, 1e-4);
        List<String> sentences = List.of("A recipe for sourdough bread.", "The stock market fell sharply today.",
                "My cat sleeps on the sofa all afternoon.");
        assertEquals(sentences.get(0), Embeddings.nearest(encoder, "How do I bake a loaf?", sentences));
        assertEquals(sentences.get(1), Embeddings.nearest(encoder, "Shares dropped on Wall Street", sentences));
        assertEquals(sentences.get(2), Embeddings.nearest(encoder, "a kitten napping", sentences));
    }
}
