package dev.backprop.cli;

import dev.backprop.data.Dataset;
import dev.backprop.data.PreparedData;
import dev.backprop.data.Preprocessing;
import dev.backprop.data.TextCorpus;
import dev.backprop.nn.GPT;
import dev.backprop.nn.GptDecoder;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.LanguageModelRecipe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.stream.IntStream;
import picocli.CommandLine;

/**
 * The training run of the JVM's ahead-of-time cache (JEP 483 and 515): the {@code backprop}
 * launcher runs this class once per build with {@code -XX:AOTCacheOutput}, and every later command
 * starts from that cache, with the classes this run used already parsed and verified. A command then
 * reaches its first step about half a second sooner (the default {@code train} on the embedded digits:
 * 2.28-2.43 s down to 1.96 s on two cores of an Intel Xeon, 2026-12-03). The cache also stores the
 * method profiles this run gathered, but with {@code --add-modules} JDK 25 archives no module graph and
 * then neither links the classes ahead nor uses those profiles ({@code -Xlog:aot}: "Using AOT-linked
 * classes: false"), so the JIT still starts from nothing.
 *
 * <p>It first builds every command's options once ({@code --version}), since a command line that names
 * one command builds only that one; then it runs the commands' own code on synthetic data, a few steps of each kind of model: the
 * default {@code train}, 28x28 images through the batch-norm CNN, LeNet-5 and an MLP with
 * {@link TrainCommand}'s jobs, and the character GPT's recipe followed by generation. Nothing
 * computed here is kept; only what the JVM learns about the code is. It prints nothing.
 */
public final class StartupTraining {
    private static final int IMAGE = 28;
    private static final int CLASSES = 10;

    private StartupTraining() {
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            // Every command's options once (a command line naming one command builds only that one).
            Main.run("--version");
            int exit = Main.run("train", "--epochs", "2");
            if (exit != 0) {
                throw new IllegalStateException("the default train exited with " + exit + " (its message is above)");
            }
            PreparedData images = images(12 * 128, 2 * 128);
            train(images, "--model", "cnn:7", "--dropout", "0", "--epochs", "1", "--batch", "128", "--lr", "0.01",
                    "--schedule-every", "step", "--validation", "0", "--label-smoothing", "0.1");
            train(images, "--model", "lenet", "--epochs", "1", "--batch", "128", "--validation", "0");
            train(new PreparedData(images.train().flattened(), images.test().flattened(), images.preprocessing()),
                    "--model", "mlp:256,256", "--epochs", "1", "--batch", "128", "--validation", "0.1");
            languageModel();
        } finally {
            System.setOut(out);
        }
    }

    /** {@code train} with these options on {@code data}, as the command runs it. */
    private static void train(PreparedData data, String... options) throws IOException {
        TrainCommand command = new TrainCommand();
        new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(options);
        command.run(new ClassifierJob(command, command.architecture(), "synthetic", data, false), true);
    }

    /** The GPT recipe's model for a few steps on a random text, then sampled from as {@code generate} does. */
    private static void languageModel() {
        Generator g = new Generator(3);
        String letters = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,.;:!?'\n";
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            text.append(letters.charAt(g.nextInt(0, letters.length())));
        }
        TextCorpus corpus = TextCorpus.of(text.toString(), TextCorpus.VALIDATION_FRACTION);
        GPT gpt = new GPT(new GPT.Config(corpus.tokenizer().size(), 4, 4, 128, 64), new Generator(0));
        LanguageModelRecipe.DEFAULT.withIterations(8).withEvaluation(0, 2).fit(gpt, corpus);
        GptDecoder decoder = gpt.decoder();
        float[] logits = decoder.start(new int[] {0});
        for (int i = 0; i < 100; i++) {
            logits = decoder.next(GptDecoder.sample(logits, 0.8f, 40, g));
        }
    }

    /** Random 1x28x28 byte images with random labels, as MNIST is stored. */
    private static PreparedData images(int train, int test) {
        return new PreparedData(imageSet(train, 1), imageSet(test, 2), Preprocessing.scale(255));
    }

    private static Dataset imageSet(int n, long seed) {
        Generator g = new Generator(seed);
        byte[] pixels = new byte[n * IMAGE * IMAGE];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) g.nextInt(0, 256);
        }
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            labels[i] = g.nextInt(0, CLASSES);
        }
        List<String> names = IntStream.range(0, CLASSES).mapToObj(Integer::toString).toList();
        return Dataset.ofBytes("synthetic", pixels, new int[] {1, IMAGE, IMAGE}, 255f, Tensor.fromArray(labels, n), names);
    }
}
