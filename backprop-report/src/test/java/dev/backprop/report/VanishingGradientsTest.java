package dev.backprop.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VanishingGradientsTest {

    @Test
    void sigmoidsStarveTheFirstLayersAndReluWithHeInitDoesNot(@TempDir Path dir) throws Exception {
        PreparedData digits = NamedDatasets.embeddedDigits();
        List<VanishingGradients.Result> results = VanishingGradients.run(digits.train(), digits.test(), 8, 32, 15, 0, dir);
        assertEquals(3, results.size());
        VanishingGradients.Result sigmoid = results.get(0);
        VanishingGradients.Result relu = results.get(1);
        VanishingGradients.Result norm = results.get(2);
        assertEquals(9, sigmoid.firstEpoch().length, "8 hidden layers and the output layer");
        double sigmoidRatio = sigmoid.firstEpoch()[0] / sigmoid.firstEpoch()[8];
        double reluRatio = relu.firstEpoch()[0] / relu.firstEpoch()[8];
        assertTrue(sigmoidRatio < 1e-3 && reluRatio > 1e-2, "first/last layer: sigmoid " + sigmoidRatio + ", relu " + reluRatio);
        assertTrue(relu.accuracy() > sigmoid.accuracy() + 0.3 && norm.accuracy() > sigmoid.accuracy() + 0.3,
                sigmoid.accuracy() + " " + relu.accuracy() + " " + norm.accuracy());
        String html = Files.readString(dir.resolve("index.html"));
        assertTrue(html.contains("first-epoch.png") && html.contains("ReLU, He init, batch norm"), html);
        assertTrue(Files.size(dir.resolve("first-epoch.png")) > 5000 && Files.size(dir.resolve("last-epoch.png")) > 5000);
    }
}
