package dev.backprop.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.DatasetLocator;
import dev.backprop.data.NamedDataset;
import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import dev.backprop.data.SharedFolder;
import dev.backprop.io.Json;
import dev.backprop.io.Safetensors;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Evaluator;
import dev.backprop.train.LossFunction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The LeNet-5 PyTorch trained, loaded into Backprop's LeNet: the stored logits of the first 64
 * test images (1e-4) and the test accuracy PyTorch measured.
 */
class LeNetInteropTest {

    @ParameterizedTest
    @CsvSource({"mnist, MNIST", "fashion-mnist, FASHION_MNIST"})
    void reproducesPyTorchsLogitsAndAccuracy(String id, NamedDataset dataset) throws IOException {
        Path trained = SharedFolder.find("reference/pytorch/trained");
        Map<?, ?> expected = (Map<?, ?>) ((Map<?, ?>) Json.parse(Files.readString(trained.resolve("trained.json"))))
                .get("lenet_" + id);
        LeNet net = new LeNet(1, 10, new Generator(0));
        net.loadStateDict(Safetensors.read(trained.resolve("lenet_" + id + ".safetensors")).tensors());
        PreparedData data = NamedDatasets.load(dataset, new DatasetLocator(SharedFolder.find("datasets"), null, null, false));
        Evaluator evaluator = new Evaluator(net, LossFunction.crossEntropy());

        Tensor logits = evaluator.predict(data.test().features().narrow(0, 0, 64), 64);
        List<?> rows = (List<?>) expected.get("logits_first_64_test_images");
        for (int i = 0; i < 64; i++) {
            List<?> row = (List<?>) rows.get(i);
            for (int j = 0; j < 10; j++) {
                double want = ((Number) row.get(j)).doubleValue();
                float got = logits.get(i, j);
                assertTrue(Math.abs(got - want) <= 1e-4 * (1 + Math.abs(want)),
                        id + " image " + i + " class " + j + ": " + got + ", PyTorch " + want);
            }
        }
        double accuracy = evaluator.evaluate(data.test(), 1000).classification().accuracy();
        assertEquals(((Number) expected.get("test_accuracy")).doubleValue(), accuracy, 1e-4, id + " test accuracy");
    }
}
