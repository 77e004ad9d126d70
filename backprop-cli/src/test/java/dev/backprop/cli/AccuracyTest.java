package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.conformance.ReferenceData;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The README's accuracy recipes, run exactly as documented and checked against the thresholds.
 * Long (minutes each): excluded from the default test run; {@code ./mvnw -Paccuracy verify} runs them.
 */
@Tag("accuracy")
class AccuracyTest {

    private static Path data() {
        return ReferenceData.datasetsDirectory();
    }

    /** Runs {@code backprop train ARGS --data <shared datasets>} and returns the final metric. */
    private static double train(String metric, String... args) {
        String[] full = new String[args.length + 4];
        full[0] = "train";
        System.arraycopy(args, 0, full, 1, args.length);
        full[args.length + 1] = "--data";
        full[args.length + 2] = data().toString();
        full[args.length + 3] = "--offline";
        CliRun run = CliRun.of(full);
        System.out.print(run.out());
        assertEquals(0, run.exit(), run.out() + run.err());
        String last = run.lastLine();
        String prefix = "test " + metric + ": ";
        assertTrue(last.startsWith(prefix), last);
        return Double.parseDouble(last.substring(prefix.length()));
    }

    /** The GPT recipe of {@code trained/gpt_char.json}, the README's command: validation loss within 0.05 of PyTorch's. */
    @Test
    void gptCharRecipeMatchesPyTorch() throws Exception {
        java.util.Map<?, ?> reference = (java.util.Map<?, ?>) dev.backprop.io.Json.parse(java.nio.file.Files.readString(
                ReferenceData.pytorchDirectory().resolve("trained/gpt_char.json")));
        double pytorch = ((Number) ((java.util.Map<?, ?>) reference.get("h100_2000_iters")).get("val_loss")).doubleValue();
        CliRun run = CliRun.of("train", "--dataset", "tinyshakespeare", "--data", data().toString(), "--offline",
                "--model", "gpt:layers=4,heads=4,embd=128,block=64");
        System.out.print(run.out());
        assertEquals(0, run.exit(), run.out() + run.err());
        String last = run.lastLine();
        assertTrue(last.startsWith("validation loss: ") && last.endsWith(" nats/char"), last);
        double loss = Double.parseDouble(last.substring("validation loss: ".length(), last.length() - " nats/char".length()));
        assertTrue(Math.abs(loss - pytorch) <= 0.05, "GPT recipe: validation loss " + loss + ", PyTorch's " + pytorch);
    }

    @Test
    void mnistMlp() {
        double acc = train("accuracy", "--dataset", "mnist", "--model", "mlp:256,128", "--epochs", "12", "--batch", "128");
        assertTrue(acc >= 0.98, "MNIST MLP 784-256-128-10: " + acc);
    }

    @Test
    void fashionMnistMlp() {
        double acc = train("accuracy", "--dataset", "fashion-mnist", "--model", "mlp:256,128", "--epochs", "20",
                "--batch", "128", "--dropout", "0.2");
        assertTrue(acc >= 0.89, "Fashion-MNIST MLP: " + acc);
    }

    @Test
    void irisCrossValidated() {
        double acc = train("accuracy", "--dataset", "iris", "--model", "mlp:8", "--activation", "tanh", "--epochs", "100",
                "--batch", "8", "--validation", "0", "--folds", "5");
        assertTrue(acc >= 0.95, "iris, 5-fold cross-validation: " + acc);
    }

    @Test
    void digits() {
        double acc = train("accuracy", "--dataset", "digits");
        assertTrue(acc >= 0.96, "8x8 digits: " + acc);
    }

    @Test
    void diabetesRegression() {
        double r2 = train("r2", "--dataset", "diabetes", "--model", "mlp:32", "--epochs", "200", "--batch", "16", "--lr", "0.01");
        assertTrue(r2 > 0.4, "diabetes R^2: " + r2);
    }

    @Test
    void mnistCnn() {
        double acc = train("accuracy", "--dataset", "mnist", "--model", "cnn:16", "--epochs", "8", "--batch", "128",
                "--shift", "2");
        assertTrue(acc >= 0.992, "MNIST CNN: " + acc);
    }

    @Test
    void fashionMnistCnn() {
        double acc = train("accuracy", "--dataset", "fashion-mnist", "--model", "cnn:16", "--epochs", "15", "--batch", "128",
                "--shift", "2", "--flip");
        assertTrue(acc >= 0.92, "Fashion-MNIST CNN: " + acc);
    }

    /** The README's bag-of-words spam filter: at least 97% test accuracy and spam F1 0.95 (issue 17's targets). */
    @Test
    void spamAssassinBagOfWords() {
        CliRun run = CliRun.of("train", "--dataset", "spam-assassin", "--data", data().toString(), "--model", "bow:5000,64",
                "--epochs", "5");
        System.out.print(run.out());
        assertEquals(0, run.exit(), run.out() + run.err());
        String accuracy = run.out().lines().filter(l -> l.startsWith("test accuracy: ")).findFirst().orElseThrow();
        assertTrue(Double.parseDouble(accuracy.substring(15)) >= 0.97, accuracy);
        java.util.regex.Matcher f1 = java.util.regex.Pattern.compile("recall [0-9.]+, F1 ([0-9.]+)").matcher(run.out());
        assertTrue(f1.find() && Double.parseDouble(f1.group(1)) >= 0.95, run.out());
    }
}
