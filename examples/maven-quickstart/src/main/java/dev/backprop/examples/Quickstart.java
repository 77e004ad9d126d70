package dev.backprop.examples;

import dev.backprop.data.PreparedData;
import dev.backprop.data.NamedDatasets;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.Module;
import dev.backprop.nn.ModelSpec;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Evaluator;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Train, save, load and predict: an MLP learns the 8x8 handwritten digits that ship inside Backprop's jar, is
 * saved as a model file, loaded back as a fresh instance, and asked for the first test images' classes.
 *
 * <pre>
 * mvn -q verify            # builds and runs the tests
 * java --add-modules jdk.incubator.vector -cp "target/classes:$(mvn -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout)" \
 *     dev.backprop.examples.Quickstart
 * </pre>
 */
public final class Quickstart {
    /** What a run produced: the test accuracy, the saved file, and the first test images' classes before and after loading. */
    public record Result(double testAccuracy, Path modelFile, List<Integer> predicted, List<Integer> predictedAfterLoading) {
    }

    private Quickstart() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("backprop-quickstart");
        Result r = run(dir);
        System.out.printf("test accuracy %.4f; saved %s; first test images: %s (after loading: %s)%n",
                r.testAccuracy(), r.modelFile(), r.predicted(), r.predictedAfterLoading());
    }

    /** Trains for 20 epochs, saves into {@code dir}, loads, predicts. */
    public static Result run(Path dir) throws Exception {
        PreparedData digits = NamedDatasets.embeddedDigits();   // 80/20 split, pixels scaled to [0, 1]
        ModelSpec spec = new ModelSpec.Mlp(64, List.of(128), 10, ActivationKind.RELU, 0f);
        Module model = spec.build(new Generator(42));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT.withLr(3e-3)),
                LossFunction.crossEntropy());
        trainer.fit(digits.train(), digits.test(), FitConfig.DEFAULT.withEpochs(20));
        double accuracy = trainer.evaluate(digits.test(), 512).classification().accuracy();

        Path file = dir.resolve("digits.safetensors");
        ModelFile.save(file, new ModelFile.Model(spec, model, new ModelFile.Info("digits",
                digits.train().classNames(), digits.preprocessing())));
        ModelFile.Model loaded = ModelFile.load(file);

        Tensor firstImages = digits.test().features().narrow(0, 0, 8);
        return new Result(accuracy, file, classes(model, firstImages), classes(loaded.module(), firstImages));
    }

    private static List<Integer> classes(Module model, Tensor images) {
        Tensor logits = new Evaluator(model, LossFunction.crossEntropy()).predict(images, 64);
        float[] best = logits.argmax(1, false).toFloatArray();
        return java.util.stream.IntStream.range(0, best.length).mapToObj(i -> (int) best[i]).toList();
    }
}
