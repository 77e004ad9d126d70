package dev.backprop.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Dataset;
import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Flatten;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.Generator;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingReportTest {

    private static Dataset images(Dataset d) {
        return d.withFeatures(d.features().reshape(d.size(), 1, 8, 8));
    }

    @Test
    void aShortRunOnTheDigitsWritesEveryChartAndThePage(@TempDir Path dir) throws Exception {
        PreparedData digits = NamedDatasets.embeddedDigits();
        Dataset train = images(digits.train());
        Dataset test = images(digits.test());
        Generator g = new Generator(3);
        Sequential model = new Sequential(new Flatten(), new Linear(64, 16, g), Activation.relu(), new Linear(16, 10, g));
        TrainingRecorder recorder = new TrainingRecorder(model, train.subset(java.util.stream.IntStream.range(0, 200).toArray()));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT.withLr(3e-3)),
                LossFunction.crossEntropy());
        trainer.fit(train, test, FitConfig.DEFAULT.withEpochs(3).withBatchSize(32), recorder);

        assertEquals(3, recorder.epochs().size());
        assertEquals(3, recorder.trainAccuracy().size());
        assertTrue(recorder.trainAccuracy().get(2) > recorder.trainAccuracy().get(0) && recorder.trainAccuracy().get(2) > 0.5,
                recorder.trainAccuracy().toString());
        assertEquals(List.of("1.weight", "1.bias", "3.weight", "3.bias"), List.copyOf(recorder.gradientNorms().keySet()));
        recorder.gradientNorms().values().forEach(norms -> assertTrue(norms.size() == 3 && norms.get(0) > 0, norms.toString()));
        assertEquals(List.of("0 Flatten", "1 Linear", "2 Activation", "3 Linear"), List.copyOf(recorder.activations().keySet()));

        Path index = TrainingReport.write(dir, "digits, a small MLP", recorder, test, trainer.predict(test.features(), 256));
        String html = Files.readString(index);
        for (String png : new String[] {"loss.png", "accuracy.png", "lr.png", "gradients.png", "activations.png",
                "weights-1_weight.png", "weights-3_weight.png", "confusion.png", "misclassified.png"}) {
            assertTrue(html.contains("src=\"" + png + "\""), png + " in the page");
            BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(image, png + " is a PNG");
            assertTrue(image.getWidth() >= 200 && image.getHeight() >= 40, png + " " + image.getWidth() + "x" + image.getHeight());
        }
        assertTrue(html.contains("Test accuracy 0.") && html.contains("<td>3</td>") && !html.contains("http"), html);
    }
}
