package dev.backprop.cli;

import dev.backprop.data.Preprocessing;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.ModelSpec;
import dev.backprop.tensor.Tensor;
import dev.backprop.text.BagOfWords;
import dev.backprop.text.TextClassifierFile;
import dev.backprop.text.mail.MailText;
import dev.backprop.train.Evaluator;
import dev.backprop.train.LossFunction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code backprop predict FILE INPUT}: classifies an image or CSV rows with a saved model. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Runs a saved model on INPUT: an image (PNG, PGM, JPEG; resized to the model's square input,"
                + " inverted when dark on light) or a CSV file of raw feature rows (preprocessed as in training); for a text"
                + " model (train --dataset spam-assassin), a raw e-mail, a text file or standard input (-).",
                "Prints the predicted class and the most likely classes with their probabilities (or the value, for regression)."},
        footer = {"", "Examples:", "  ./backprop predict mnist.safetensors my-digit.png",
                "  ./backprop predict iris.safetensors flowers.csv --top 2",
                "  ./backprop predict spam.safetensors message.eml"})
final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "a model saved by 'backprop train --out'")
    Path modelFile;

    @Parameters(index = "1", paramLabel = "INPUT", description = "an image file or a CSV file of feature rows; for a"
            + " text model, a raw e-mail (.eml), a text file, or - for standard input")
    Path input;

    @Option(names = "--top", paramLabel = "K", defaultValue = "3", description = "classes to list per input. Default: ${DEFAULT-VALUE}.")
    int top;

    @Override
    public Integer call() throws Exception {
        dev.backprop.io.Safetensors.Contents contents = dev.backprop.io.Safetensors.read(modelFile);
        if (TextClassifierFile.isOne(contents.metadata())) {
            TextClassifierFile.Loaded loaded = TextClassifierFile.load(contents, modelFile.toString(),
                    dev.backprop.data.DatasetLocator.standard(null));
            Tensor ids = loaded.model().encoder().ids(List.of(text()));
            Tensor logits;
            try (var off = dev.backprop.tensor.GradMode.noGrad()) {
                logits = loaded.model().eval().forward(ids);
            }
            System.out.println(describe(textLabel(), logits.select(0, 0).softmax(0), loaded.classes()));
            return 0;
        }
        ModelFile.Model m = ModelFiles.featureModel(modelFile, "predict");
        Preprocessing pre = m.info().preprocessing();
        BagOfWords words = BagOfWords.fromMetadata(m.info().extra());
        Tensor x;
        String textLabel = null;
        if (words != null) {
            String text = text();
            if (!words.knowsAnyWordOf(text)) {
                System.err.println("note: no word of the input is in the model's vocabulary; the prediction is the"
                        + " model's answer for an empty text");
            }
            x = words.features(List.of(text));
            textLabel = textLabel();
        } else if (m.spec().takesImages()) {
            if (!InputFiles.isImage(input)) {
                throw new IllegalArgumentException("predict: this model takes 28x28 images; pass a PNG, PGM or JPEG file");
            }
            x = InputFiles.image(input, 28).reshape(1, 1, 28, 28);
        } else if (InputFiles.isImage(input)) {
            int features = ((ModelSpec.Mlp) m.spec()).inputs();
            int side = (int) Math.round(Math.sqrt(features));
            if (side * side != features || pre.scale().size() != 1) {
                throw new IllegalArgumentException("predict: this model takes " + features + " tabular features, not an image;"
                        + " pass a CSV file of rows");
            }
            x = InputFiles.image(input, side);   // intensities in [0, 1]: what a pixel-scaled model was trained on
        } else {
            x = pre.apply(InputFiles.csv(input, ((ModelSpec.Mlp) m.spec()).inputs()));
        }
        boolean classify = !m.info().classNames().isEmpty();
        Tensor out = new Evaluator(m.module(), classify ? LossFunction.crossEntropy() : LossFunction.mse()).predict(x, 512);
        for (int r = 0; r < out.size(0); r++) {
            String label = textLabel != null ? textLabel
                    : InputFiles.isImage(input) ? input.getFileName().toString() : "row " + (r + 1);
            System.out.println(classify ? describe(label, out.select(0, r).softmax(0), m.info().classNames())
                    : String.format(Locale.ROOT, "%s: %.4f", label, out.get(r, 0)));
        }
        return 0;
    }

    /** The input as text: a raw e-mail decoded (subject and body), else the file (or standard input) as UTF-8. */
    private String text() throws java.io.IOException {
        byte[] raw = input.toString().equals("-") ? System.in.readAllBytes() : java.nio.file.Files.readAllBytes(input);
        return MailText.looksLikeMail(raw) ? MailText.of(raw) : new String(raw, java.nio.charset.StandardCharsets.UTF_8);
    }

    private String textLabel() {
        return input.toString().equals("-") ? "standard input" : input.getFileName().toString();
    }

    private String describe(String label, Tensor probabilities, List<String> classes) {
        float[] p = probabilities.toFloatArray();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < p.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble(i -> -p[i]));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s: class %s (%.4f)", label,
                classes.get(order.get(0)), p[order.get(0)]));
        sb.append("  [");
        for (int k = 0; k < Math.min(top, p.length); k++) {
            int c = order.get(k);
            sb.append(k == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.4f", classes.get(c), p[c]));
        }
        return sb.append(']').toString();
    }
}
