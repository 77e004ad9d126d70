package dev.backprop.cli;

import dev.backprop.data.PreparedData;
import dev.backprop.io.ModelFile;
import dev.backprop.train.Evaluation;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Evaluator;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code backprop evaluate FILE}: a saved model's loss and metrics on a dataset's test split. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Loads a saved model and reports its test loss, accuracy (or R^2), per-class precision, recall and F1"
                + " and the confusion matrix.",
        footer = {"", "Examples:", "  ./backprop evaluate digits.safetensors",
                "  ./backprop evaluate mnist.safetensors --dataset mnist --data ../shared/datasets"})
final class EvaluateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "a model saved by 'backprop train --out'")
    Path file;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws Exception {
        ModelFile.Model m = ModelFiles.featureModel(file, "evaluate");
        PreparedData d = m.spec().takesImages() ? data.loadImages() : data.load();
        boolean classify = d.test().isClassification();
        Evaluation e = new Evaluator(m.module(), classify ? LossFunction.crossEntropy() : LossFunction.mse())
                .evaluate(d.test(), 512);
        System.out.printf(Locale.ROOT, "model %s (trained on %s) on %s: %d test examples%n", m.spec(),
                m.info().dataset(), data.dataset, d.test().size());
        System.out.printf(Locale.ROOT, "test loss: %.4f%n", e.loss());
        if (classify) {
            System.out.print(e.classification().report());
            System.out.printf(Locale.ROOT, "test top-%d accuracy: %.4f%n", e.classification().topK(), e.classification().topKAccuracy());
            System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", e.classification().accuracy());
        } else {
            System.out.printf(Locale.ROOT, "test mse: %.4f, mae: %.4f%n", e.regression().mse(), e.regression().mae());
            System.out.printf(Locale.ROOT, "test r2: %.4f%n", e.regression().r2());
        }
        return 0;
    }
}
