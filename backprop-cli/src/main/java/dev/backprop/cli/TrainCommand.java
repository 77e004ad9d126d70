package dev.backprop.cli;

import dev.backprop.data.Dataset;
import dev.backprop.data.ImageAugmentation;
import dev.backprop.data.PreparedData;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.optim.Optimizer;
import dev.backprop.report.Dashboard;
import dev.backprop.report.TrainingRecorder;
import dev.backprop.report.TrainingReport;
import dev.backprop.tensor.Generator;
import dev.backprop.train.Callback;
import dev.backprop.train.Checkpointing;
import dev.backprop.train.EarlyStopping;
import dev.backprop.train.Evaluation;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.NonFiniteLoss;
import dev.backprop.train.ProgressBar;
import dev.backprop.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code backprop train}: trains a model on a named dataset and reports its test accuracy. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains a network on a dataset, validating each epoch, and ends with the test result:",
                "'test accuracy: 0.9812' (classification) or 'test r2: 0.4731' (regression).",
                "With no options it trains an MLP on the 8x8 digits that ship inside the jar (offline, seconds)."},
        footer = {"", "Examples:",
                "  ./backprop train",
                "  ./backprop train --dataset mnist --data ../shared/datasets --model mlp:256,128 --epochs 10 --out mnist.safetensors",
                "  ./backprop train --dataset iris --model mlp:16 --optimizer sgd --lr 0.1 --schedule cosine",
                "  ./backprop train --dataset mnist --data ../shared/datasets --model lenet --epochs 8 --batch 128",
                "  ./backprop train --dataset diabetes --model mlp:32 --epochs 200",
                "  ./backprop train --dataset tinyshakespeare --data ../shared/datasets/text --model gpt:layers=4,heads=4,embd=128,block=64"})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--model", paramLabel = "SPEC", defaultValue = "mlp:128",
            description = "architecture: mlp:H1,H2,... hidden layer sizes (plain 'mlp' is linear), lenet (LeNet-5)"
                    + " or cnn[:WIDTH] (VGG-style with batch norm, width 32), the last two for mnist and fashion-mnist;"
                    + " gpt:layers=N,heads=N,embd=N,block=N[,dropout=P] (a character-level language model, for"
                    + " tinyshakespeare; defaults 4, 4, 128, 64). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--activation", paramLabel = "NAME", defaultValue = "relu",
            description = "relu, leaky-relu, elu, gelu, silu, sigmoid or tanh. Default: ${DEFAULT-VALUE}.")
    String activation;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0", description = "dropout after each hidden layer. Default: ${DEFAULT-VALUE}.")
    float dropout;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "adam",
            description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    OptimizerChoice optimizer;

    @Option(names = "--lr", paramLabel = "X", description = "learning rate, the peak of the one-cycle schedule (default per optimizer: adam and adamw 3e-3, sgd 0.05, momentum 0.01, rmsprop 1e-3, adagrad 0.01, adamax and nadam 2e-3)")
    Double lr;

    @Option(names = "--weight-decay", paramLabel = "X", defaultValue = "0", description = "L2 (decoupled for adamw). Default: ${DEFAULT-VALUE}.")
    double weightDecay;

    @Option(names = "--schedule", paramLabel = "NAME", defaultValue = "onecycle",
            description = "per-epoch learning rate: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    ScheduleChoice schedule;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "30", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "mini-batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "seeds initialisation, dropout and shuffling: same seed, same result. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--clip-norm", paramLabel = "X", defaultValue = "0", description = "clip the global gradient norm (0: off)")
    double clipNorm;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "0",
            description = "stop when validation has not improved for N epochs and keep the best (0: off)")
    int patience;

    @Option(names = "--validation", paramLabel = "FRACTION", defaultValue = "0.1",
            description = "share of the training data held out to validate each epoch (0: none; the test split is only"
                    + " used once, at the end). Default: ${DEFAULT-VALUE}.")
    double validation;

    @Option(names = "--shift", paramLabel = "PIXELS", defaultValue = "0",
            description = "augment training images (lenet, cnn) with random shifts of up to PIXELS in each direction."
                    + " Default: ${DEFAULT-VALUE} (off).")
    int shift;

    @Option(names = "--flip", description = "augment training images (lenet, cnn) with random horizontal mirroring"
            + " (for Fashion-MNIST; not for digits)")
    boolean flip;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "write checkpoints (model, optimizer, data position, generators) into DIR at the end of every"
                    + " epoch, atomically; see --checkpoint-every and --keep")
    Path checkpointDir;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
            description = "also checkpoint every N batches (0: only at the end of epochs). Default: ${DEFAULT-VALUE}.")
    int checkpointEvery;

    @Option(names = "--keep", paramLabel = "K", defaultValue = "3",
            description = "checkpoints to keep (the newest). Default: ${DEFAULT-VALUE}.")
    int keep;

    @Option(names = "--resume", paramLabel = "PATH",
            description = "continue the run that wrote this checkpoint (a file, or a directory: its newest intact file);"
                    + " give the same options as that run. The result is bit for bit that of an uninterrupted run.")
    Path resume;

    @Option(names = "--on-nan", paramLabel = "ACTION", defaultValue = "stop",
            description = "when a batch's loss is NaN or infinite: stop (naming the epoch and batch; nothing is changed)"
                    + " or skip (that batch). Default: ${DEFAULT-VALUE}.")
    NanAction onNan;

    @Option(names = "--detect-anomalies", description = "check every op's output and gradient for NaN/infinity and stop"
            + " at the first op that makes one, naming it, its module and its inputs' statistics (slower)")
    boolean detectAnomalies;

    /** The choices of {@code --on-nan}. */
    enum NanAction {
        STOP, SKIP;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Option(names = "--report", paramLabel = "DIR",
            description = "write a training report into DIR: index.html with PNG charts (losses, accuracy, learning rate,"
                    + " per-layer gradient norms and output spread, weight histograms, confusion matrix, misclassified images)")
    Path report;

    @Option(names = "--dashboard", description = "serve a live page of the run on loopback (address printed at the"
            + " start): loss per batch, validation accuracy, learning rate, gradient norms, examples/s")
    boolean dashboard;

    @Option(names = "--port", paramLabel = "N", defaultValue = "0",
            description = "the dashboard's port (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--out", paramLabel = "FILE", description = "save the trained model (safetensors with architecture)")
    Path out;

    @Option(names = "--iters", paramLabel = "N", defaultValue = "2000",
            description = "language models: training iterations (one batch each). Default: ${DEFAULT-VALUE}.")
    int iters;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "100",
            description = "language models: iterations of linear learning-rate warm-up before the cosine decay."
                    + " Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--min-lr", paramLabel = "X",
            description = "language models: the rate the cosine decays to (default: a tenth of --lr, which defaults"
                    + " to 1e-3 for them; batch 12, weight decay 0.1 and clip 1 are their other defaults)")
    Double minLr;

    @Option(names = "--eval-every", paramLabel = "N", defaultValue = "500",
            description = "language models: estimate training and validation loss every N iterations (0: at the end)."
                    + " Default: ${DEFAULT-VALUE}.")
    int evalEvery;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Option(names = "--folds", paramLabel = "K", defaultValue = "0",
            description = "k-fold cross-validation on the small tables instead of the fixed 80/20 split: trains K models"
                    + " and reports the mean test accuracy (or R^2) over the folds (0: off)")
    int folds;

    /** One trained model and its test result. */
    private record Outcome(ModelSpec spec, Module model, Evaluation test) {
    }

    @Override
    public Integer call() throws Exception {
        if (model.trim().startsWith("gpt") || data.named().isText()) {
            if (!model.trim().startsWith("gpt")) {
                throw new IllegalArgumentException("dataset '" + data.dataset + "' is a text; train a language model on it,"
                        + " e.g. --model gpt:layers=4,heads=4,embd=128,block=64");
            }
            return new LanguageModelRun(this, commandSpec.commandLine().getParseResult()).run();
        }
        if (folds > 0) {
            return crossValidate();
        }
        boolean images = model.trim().startsWith("lenet") || model.trim().startsWith("cnn");
        PreparedData d = images ? data.loadImages() : data.load();
        Outcome o = trainOnce(d, true);
        if (out != null) {
            ModelFile.save(out, new ModelFile.Model(o.spec(), o.model(),
                    new ModelFile.Info(data.dataset, d.train().classNames(), d.preprocessing())));
            System.out.println("saved " + out);
        }
        if (o.test().classification() != null) {
            System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", o.test().classification().accuracy());
        } else {
            System.out.printf(Locale.ROOT, "test mse: %.4f, mae: %.4f%n", o.test().regression().mse(), o.test().regression().mae());
            System.out.printf(Locale.ROOT, "test r2: %.4f%n", o.test().regression().r2());
        }
        return 0;
    }

    private int crossValidate() throws Exception {
        if (out != null || resume != null || checkpointDir != null) {
            throw new IllegalArgumentException("--folds trains several models; it cannot be combined with --out,"
                    + " --checkpoint-dir or --resume");
        }
        List<PreparedData> splits = data.folds(folds, seed);
        double[] scores = new double[folds];
        for (int f = 0; f < folds; f++) {
            Evaluation e = trainOnce(splits.get(f), f == 0).test();
            scores[f] = e.value(e.headline());
            System.out.printf(Locale.ROOT, "fold %d/%d: test %s %.4f (%d examples)%n", f + 1, folds,
                    e.headline() == Evaluation.Metric.ACCURACY ? "accuracy" : "r2", scores[f], splits.get(f).test().size());
        }
        double mean = java.util.Arrays.stream(scores).average().orElse(Double.NaN);
        double sd = Math.sqrt(java.util.Arrays.stream(scores).map(x -> (x - mean) * (x - mean)).sum() / folds);
        boolean classify = splits.get(0).train().isClassification();
        System.out.printf(Locale.ROOT, "%d-fold cross-validation: mean %.4f, standard deviation %.4f%n", folds, mean, sd);
        System.out.printf(Locale.ROOT, "test %s: %.4f%n", classify ? "accuracy" : "r2", mean);
        return 0;
    }

    private Outcome trainOnce(PreparedData d, boolean verbose) throws java.io.IOException {
        Dataset train = d.train();
        Dataset held = null;
        if (validation > 0) {
            Dataset.Split split = d.train().split(validation, new Generator(seed ^ 0x5eed));
            train = split.train();
            held = split.test();
        }
        boolean classify = d.train().isClassification();
        int outputs = classify ? d.train().numClasses() : 1;
        ModelSpec spec = ModelSpec.parse(model, d.train().featureCount(), outputs, ActivationKind.of(activation), dropout);
        ImageAugmentation augmentation = new ImageAugmentation(shift, flip ? 0.5 : 0.0);
        if (!augmentation.isIdentity() && !spec.takesImages()) {
            throw new IllegalArgumentException("--shift and --flip augment images; model '" + model
                    + "' takes flat features (use --model lenet or cnn)");
        }
        Module net = spec.build(new Generator(seed));
        double rate = lr != null ? lr : optimizer.defaultLr;
        Optimizer opt = optimizer.create(net.parameters(), rate, weightDecay);
        if (verbose) {
            System.out.printf(Locale.ROOT, "dataset %s: %d training, %d validation and %d test examples, %d features, %s%n",
                    data.dataset, train.size(), held == null ? 0 : held.size(), d.test().size(), d.train().featureCount(),
                    classify ? d.train().numClasses() + " classes" : "regression");
            System.out.printf(Locale.ROOT, "model %s, %,d parameters; %s lr %s, schedule %s, %d epochs of batch %d, seed %d%s%n",
                    spec, net.parameterCount(), optimizer, rate, schedule, epochs, batch, seed,
                    augmentation.isIdentity() ? "" : "; augmentation: shifts up to " + shift + " px" + (flip ? ", mirroring" : ""));
        }
        Trainer trainer = new Trainer(net, opt, classify ? LossFunction.crossEntropy() : LossFunction.mse());
        List<Callback> callbacks = new ArrayList<>();
        if (verbose) {
            callbacks.add(new ProgressBar(System.out));
        }
        if (patience > 0) {
            if (held == null) {
                throw new IllegalArgumentException("--patience needs validation data; set --validation above 0");
            }
            callbacks.add(new EarlyStopping(net, classify ? Evaluation.Metric.ACCURACY : Evaluation.Metric.LOSS, patience, 0));
        }
        FitConfig config = FitConfig.DEFAULT.withEpochs(epochs).withBatchSize(batch).withSeed(seed)
                .withSchedule(schedule.create(epochs, rate)).withClipNorm(clipNorm).withAugmentation(augmentation);
        Path checkpoints = checkpointDir != null ? checkpointDir
                : resume == null ? null : java.nio.file.Files.isDirectory(resume) ? resume : resume.toAbsolutePath().getParent();
        if (checkpoints != null) {
            config = config.withCheckpointing(new Checkpointing(checkpoints, checkpointEvery, keep));
        }
        config = config.withOnNonFiniteLoss(onNan == NanAction.SKIP ? NonFiniteLoss.SKIP_BATCH : NonFiniteLoss.STOP);
        TrainingRecorder recorder = null;
        if (report != null && verbose) {
            int[] sample = new int[Math.min(2048, train.size())];
            java.util.Arrays.setAll(sample, i -> i);
            recorder = new TrainingRecorder(net, train.subset(sample));
            callbacks.add(recorder);
        }
        long start = System.nanoTime();
        try (var anomalies = detectAnomalies ? net.detectAnomalies() : null;
             Dashboard live = dashboard && verbose ? Dashboard.start(net, port) : null) {
            if (live != null) {
                System.out.println("dashboard: " + live.url());
                callbacks.add(live);
            }
            fit(trainer, train, held, config, callbacks);
        }
        if (verbose) {
            System.out.printf(Locale.ROOT, "trained in %.1f s%n", (System.nanoTime() - start) / 1e9);
        }
        if (recorder != null) {
            Path page = TrainingReport.write(report, data.dataset + ", " + spec, recorder, d.test(),
                    trainer.predict(d.test().features(), 512));
            System.out.println("report: " + page);
        }
        return new Outcome(spec, net, trainer.evaluate(d.test(), 512));
    }

    private void fit(Trainer trainer, Dataset train, Dataset held, FitConfig config, List<Callback> callbacks)
            throws java.io.IOException {
        if (resume != null) {
            if (patience > 0) {
                throw new IllegalArgumentException("--resume cannot be combined with --patience: early stopping's"
                        + " best-so-far state is not part of a checkpoint");
            }
            trainer.resume(resume, train, held, config, callbacks.toArray(Callback[]::new));
        } else {
            trainer.fit(train, held, config, callbacks.toArray(Callback[]::new));
        }
    }
}
