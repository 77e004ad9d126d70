package dev.backprop.cli;

import dev.backprop.data.PreparedData;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.Architecture;
import dev.backprop.report.Dashboard;
import dev.backprop.report.TrainingRecorder;
import dev.backprop.train.Callback;
import dev.backprop.train.Checkpointing;
import dev.backprop.train.EarlyStopping;
import dev.backprop.train.Evaluation;
import dev.backprop.train.FitConfig;
import dev.backprop.train.History;
import dev.backprop.train.NonFiniteLoss;
import dev.backprop.train.ProgressBar;
import dev.backprop.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backprop train}: trains any model through the one training loop, the same progress,
 * checkpoints, resumption, NaN policy, anomaly detection, report and dashboard for every kind;
 * the kind of model (its {@link Architecture.Input}) decides the data, the defaults and which
 * options apply.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Trains a network on a dataset, validating each epoch, and ends with the test result:",
                "'test accuracy: 0.9812' (classification), 'test r2: 0.4731' (regression) or 'validation loss: 2.1536"
                        + " nats/char' (a language model).",
                "With no options it trains an MLP on the 8x8 digits that ship inside the jar (offline, seconds)."},
        footer = {"", "Examples:",
                "  ./backprop train",
                "  ./backprop train --dataset mnist --data ../shared/datasets --model mlp:256,128 --epochs 10 --out mnist.safetensors",
                "  ./backprop train --dataset iris --model mlp:16 --optimizer sgd --lr 0.1 --schedule cosine",
                "  ./backprop train --dataset mnist --data ../shared/datasets --model lenet --epochs 8 --batch 128",
                "  ./backprop train --dataset diabetes --model mlp:32 --epochs 200",
                "  ./backprop train --dataset tinyshakespeare --data ../shared/datasets/text --model gpt:layers=4,heads=4,embd=128,block=64",
                "  ./backprop train --dataset tinyshakespeare --data ../shared/datasets/text --model gpt --checkpoint-dir ckpt"
                        + " --checkpoint-every 100 --report gpt-report"})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--model", paramLabel = "SPEC", defaultValue = "mlp:128",
            description = "architecture: mlp:H1,H2,... hidden layer sizes (plain 'mlp' is linear), lenet (LeNet-5)"
                    + " or cnn[:WIDTH] (VGG-style with batch norm, width 32), the last two for mnist and fashion-mnist;"
                    + " gpt:layers=N,heads=N,embd=N,block=N[,dropout=P] (a character-level language model, for"
                    + " tinyshakespeare; defaults 4, 4, 128, 64). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--activation", paramLabel = "NAME",
            description = "mlp models: relu (the default), leaky-relu, elu, gelu, silu, sigmoid or tanh")
    String activation;

    @Option(names = "--dropout", paramLabel = "P",
            description = "dropout: after each hidden layer (mlp; none by default), in the classifier (cnn; 0.25), on the"
                    + " embeddings and residual branches (gpt; none)")
    Float dropout;

    @Option(names = "--optimizer", paramLabel = "NAME",
            description = "${COMPLETION-CANDIDATES}. Default: adam, and the recipe's AdamW for language models.")
    dev.backprop.optim.OptimizerKind optimizer;

    @Option(names = "--lr", paramLabel = "X", description = "learning rate, the peak of the one-cycle schedule (default per"
            + " optimizer: adam and adamw 3e-3, sgd 0.05, momentum 0.01, rmsprop 1e-3, adagrad 0.01, adamax and nadam 2e-3;"
            + " language models: the recipe's peak)")
    Double lr;

    @Option(names = "--weight-decay", paramLabel = "X",
            description = "L2 (decoupled for adamw). Default: none; the recipe's for language models.")
    Double weightDecay;

    @Option(names = "--batch", paramLabel = "N",
            description = "mini-batch size. Default: " + ClassifierJob.DEFAULT_BATCH + "; the recipe's for language models.")
    Integer batch;

    @Mixin
    SeedOption seeds;

    @Option(names = "--clip-norm", paramLabel = "X",
            description = "clip the global gradient norm (0: off). Default: off; the recipe's for language models.")
    Double clipNorm;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "0",
            description = "stop when validation has not improved for N epochs and keep the best (0: off)")
    int patience;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "write checkpoints (model, optimizer, data position, generators) into DIR at the end of every"
                    + " epoch, atomically; see --checkpoint-every and --keep")
    Path checkpointDir;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "0",
            description = "also checkpoint every N steps (0: only at the end of epochs). Default: ${DEFAULT-VALUE}.")
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

    @Option(names = "--report", paramLabel = "DIR",
            description = "write a training report into DIR: index.html with PNG charts (losses, accuracy, learning rate,"
                    + " per-layer gradient norms and output spread, weight histograms, confusion matrix, misclassified images)")
    Path report;

    @Option(names = "--dashboard", description = "serve a live page of the run on loopback (address printed at the"
            + " start): loss per batch, validation accuracy, learning rate, gradient norms, throughput")
    boolean dashboard;

    @Option(names = "--port", paramLabel = "N", defaultValue = "0",
            description = "the dashboard's port (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--out", paramLabel = "FILE", description = "save the trained model (safetensors with architecture)")
    Path out;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "train data-parallel on Apache Spark: local[N], local-cluster[N,cores,memMB] (executors in"
                    + " separate JVMs, nothing to install) or spark://host:port; one barrier stage of --workers tasks that"
                    + " sum gradients by a ring all-reduce; then tested and saved here as any run")
    String spark;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "2",
            description = "with --spark: training tasks, that many task slots at once; --batch is the global batch,"
                    + " split evenly over them. Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--average-every", paramLabel = "K", defaultValue = "0",
            description = "with --spark: local SGD, each worker stepping on its own gradients and the parameters averaged"
                    + " every K steps (0: gradients summed every step, the default)")
    int averageEvery;

    @Mixin(name = "epochs")
    KindOptions.Epochs epochs;

    @Mixin(name = "images")
    KindOptions.Images images;

    @Mixin(name = "classes")
    KindOptions.Classes classes;

    @Mixin(name = "steps")
    KindOptions.Steps steps;

    @Option(names = "--mail-headers", description = "spam-assassin: keep every header line in the texts (left out by"
            + " default: mailing-list names, relay hosts and spam-filter marks give the label away), for comparison")
    boolean mailHeaders;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128",
            description = "--model minilm: tokens of each text the encoder reads. Default: ${DEFAULT-VALUE}")
    int maxTokens;

    @Option(names = "--long-text", paramLabel = "RULE", defaultValue = "TRUNCATE",
            description = "--model minilm: what to keep of a text longer than --max-tokens: TRUNCATE (its first"
                    + " tokens) or HEAD_AND_TAIL (half from each end). Default: ${DEFAULT-VALUE}")
    dev.backprop.text.SentenceEncoder.LongText longText;

    @Spec
    CommandSpec commandSpec;

    /** The choices of {@code --on-nan}. */
    enum NanAction {
        STOP, SKIP;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (TextClassification.DATASET.equals(data.dataset)) {
            return trainOnMail();
        }
        if (TextClassification.isTextPath(data.dataset)) {
            return trainOnTexts();
        }
        Architecture architecture = architecture();
        KindOptions.refuseOutside(commandSpec, architecture);
        if (spark != null && (architecture.input() == Architecture.Input.TOKENS || epochs.folds > 0)) {
            throw new IllegalArgumentException("--spark trains one classifier or regression on a dataset; "
                    + (epochs.folds > 0 ? "cross-validation (--folds)" : "a language model") + " does not run on Spark yet");
        }
        if (architecture.input() == Architecture.Input.TOKENS) {
            if (!data.named().isText()) {
                throw new IllegalArgumentException("model '" + architecture + "' is a language model; train it on a text"
                        + " (--dataset tinyshakespeare), not on " + data.named().id());
            }
            run(new LanguageModelJob(this, (Architecture.Gpt) architecture, data.named().id(), data.corpus()), true);
            return 0;
        }
        if (data.named().isText()) {
            throw new IllegalArgumentException("dataset '" + data.dataset + "' is a text; train a language model on it,"
                    + " e.g. --model gpt:layers=4,heads=4,embd=128,block=64");
        }
        if (epochs.folds > 0) {
            return crossValidate(architecture);
        }
        PreparedData d = architecture.input() == Architecture.Input.IMAGES ? data.loadImages() : data.load();
        ClassifierJob job = new ClassifierJob(this, architecture, data.dataset, d, true);
        if (spark != null) {
            onSpark(job);
        } else {
            run(job, true);
        }
        return 0;
    }

    /**
     * The job on Spark. What watches or steers the loop in this JVM (a report, the dashboard, early
     * stopping, anomaly detection, skipping NaN batches, resuming by hand) does not reach the workers
     * yet and is refused; a stage that Spark retries resumes from the workers' checkpoints by itself.
     */
    private void onSpark(ClassifierJob job) throws IOException {
        List<String> local = new ArrayList<>();
        if (report != null) local.add("--report");
        if (dashboard) local.add("--dashboard");
        if (patience > 0) local.add("--patience");
        if (detectAnomalies) local.add("--detect-anomalies");
        if (onNan == NanAction.SKIP) local.add("--on-nan skip");
        if (resume != null) local.add("--resume");
        if (averageEvery < 0) {
            throw new IllegalArgumentException("--average-every " + averageEvery + ": give 0 (gradients every step) or"
                    + " a number of steps");
        }
        if (!local.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", local) + ": not with --spark yet; these watch or steer"
                    + " the training loop in this process, and on Spark it runs in the workers");
        }
        if (classes.labelSmoothing != 0f) {
            throw new IllegalArgumentException("--label-smoothing: not with --spark yet; the workers train with plain"
                    + " cross-entropy (drop the option, or train on one machine)");
        }
        if (epochs.scheduleEvery == dev.backprop.train.FitConfig.ScheduleUnit.STEP) {
            throw new IllegalArgumentException("--schedule-every step: not with --spark yet; on a cluster the schedule"
                    + " moves every epoch (drop the option, or train on one machine)");
        }
        try {
            // The folder as typed: a Hadoop URI such as hdfs://namenode/runs is not a local path.
            String folder = checkpointDir == null ? null
                    : commandSpec.commandLine().getParseResult().matchedOption("--checkpoint-dir").stringValues().get(0);
            SparkRun.train(job, spark, workers, averageEvery, folder, checkpointEvery);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("--spark needs Apache Spark's jars on the class path (" + e.getMessage()
                    + " is missing): run it through ./backprop, which adds them, or through spark-submit", e);
        }
        job.finish(out);
    }

    /** {@code --dataset spam-assassin}: a bag-of-words model on the mail corpus, or the fine-tuned encoder. */
    private int trainOnMail() throws IOException {
        boolean defaultModel = commandSpec.commandLine().getParseResult().matchedOption("--model") == null;
        if (!defaultModel && (model.equals("minilm") || model.startsWith("minilm:"))) {
            return fineTuneOnMail();
        }
        TextClassification.BowModel bow = bagOfWords("--dataset " + TextClassification.DATASET + " trains on one machine with its fixed split");
        TextClassification.Data mail = TextClassification.load(data.folder.dataDir, !data.offline, bow.vocabulary(), mailHeaders);
        ClassifierJob job = new ClassifierJob(this, bow.mlp(), TextClassification.DATASET, mail.prepared(), mail.validation(),
                mail.words().metadata(), true);
        run(job, true);
        TextClassification.report(job.trainer(), mail.prepared().test(), mail.test());
        return 0;
    }

    /** {@code --dataset FILE.csv|FILE.jsonl|FOLDER}: a bag-of-words model on the user's labelled texts. */
    private int trainOnTexts() throws IOException {
        TextClassification.BowModel bow = bagOfWords("labelled texts train on one machine with a fixed 80/10/10 split");
        TextClassification.Data texts = TextClassification.loadTexts(Path.of(data.dataset), bow.vocabulary());
        ClassifierJob job = new ClassifierJob(this, bow.mlp(), data.dataset, texts.prepared(), texts.validation(),
                texts.words().metadata(), true);
        run(job, true);
        System.out.print(job.test().classification().report());
        return 0;
    }

    /** The {@code bow:} model (the default one if none is given) with {@code --activation} and {@code --dropout}. */
    private TextClassification.BowModel bagOfWords(String oneMachine) {
        boolean defaultModel = commandSpec.commandLine().getParseResult().matchedOption("--model") == null;
        TextClassification.BowModel bow = TextClassification.BowModel.parse(defaultModel ? TextClassification.DEFAULT_MODEL : model);
        Architecture architecture = bow.mlp();
        if (activation != null) {
            architecture = architecture.withActivation(ActivationKind.of(activation));
        }
        if (dropout != null) {
            architecture = architecture.withDropout(dropout);
        }
        KindOptions.refuseOutside(commandSpec, architecture);
        if (spark != null || epochs.folds > 0) {
            throw new IllegalArgumentException(oneMachine + "; --spark and --folds are not for it");
        }
        return new TextClassification.BowModel(bow.vocabulary(), architecture);
    }

    /** {@code --dataset spam-assassin --model minilm[:freeze=K]}: the pretrained encoder fine-tuned with a head. */
    private int fineTuneOnMail() throws IOException {
        int freeze = 0;
        if (model.startsWith("minilm:")) {
            String setting = model.substring(7);
            if (!setting.matches("freeze=\\d+")) {
                throw new IllegalArgumentException("model '" + model + "': minilm takes one setting, freeze=K (the lowest"
                        + " K of its 6 layers and the embeddings stay as pretrained)");
            }
            freeze = Integer.parseInt(setting.substring(7));
        }
        if (activation != null || dropout != null || spark != null || epochs.folds > 0 || optimizer != null) {
            throw new IllegalArgumentException("--model minilm fine-tunes with its own recipe (AdamW, warm-up then linear"
                    + " decay); --activation, --dropout, --optimizer, --spark and --folds are not for it");
        }
        if (maxTokens < 3 || maxTokens > 512) {
            throw new IllegalArgumentException("--max-tokens " + maxTokens + ": give 3 to 512 (the encoder's positions)");
        }
        if (longText == dev.backprop.text.SentenceEncoder.LongText.CHUNK) {
            throw new IllegalArgumentException("--long-text CHUNK: a classifier reads one piece of each text; give"
                    + " TRUNCATE or HEAD_AND_TAIL");
        }
        dev.backprop.text.SentenceEncoder encoder = dev.backprop.text.MiniLm.load(
                dev.backprop.data.DatasetLocator.standard(data.folder.dataDir, !data.offline))
                .with(maxTokens, longText);
        TextClassification.Tokens tokens = TextClassification.tokens(data.folder.dataDir, !data.offline, mailHeaders, encoder);
        dev.backprop.text.EncoderClassifier classifier = new dev.backprop.text.EncoderClassifier(encoder, 2,
                new dev.backprop.tensor.Generator(seed()));
        int frozen = classifier.freezeLowest(freeze).size();
        boolean epochsGiven = commandSpec.commandLine().getParseResult().matchedOption("--epochs") != null;
        EncoderJob job = new EncoderJob(classifier, tokens.train(), tokens.validation(), tokens.test(),
                lr != null ? lr : EncoderJob.DEFAULT_LR, epochsGiven ? epochs.epochs : EncoderJob.DEFAULT_EPOCHS,
                batch != null ? batch : EncoderJob.DEFAULT_BATCH, seed(),
                "all-MiniLM-L6-v2 + linear head, " + maxTokens + " tokens"
                        + (longText == dev.backprop.text.SentenceEncoder.LongText.HEAD_AND_TAIL ? " (head and tail)" : "")
                        + (freeze > 0 ? ", embeddings and layers 0-"
                        + (freeze - 1) + " frozen (" + frozen + " tensors)" : ""));
        run(job, true);
        TextClassification.report(job.trainer(), tokens.test(), tokens.testMails());
        return 0;
    }

    long seed() {
        return seeds.seed;
    }

    /** The {@code --model} text with {@code --activation} and {@code --dropout} applied, as each kind allows. */
    Architecture architecture() {
        Architecture a = Architecture.parse(model);
        if (activation != null) {
            a = a.withActivation(ActivationKind.of(activation));
        }
        return dropout != null ? a.withDropout(dropout) : a;
    }

    private int crossValidate(Architecture architecture) throws Exception {
        if (out != null || resume != null || checkpointDir != null) {
            throw new IllegalArgumentException("--folds trains several models; it cannot be combined with --out,"
                    + " --checkpoint-dir or --resume");
        }
        int folds = epochs.folds;
        List<PreparedData> splits = data.folds(folds, seed());
        double[] scores = new double[folds];
        for (int f = 0; f < folds; f++) {
            ClassifierJob job = new ClassifierJob(this, architecture, data.dataset, splits.get(f), f == 0);
            run(job, f == 0);
            Evaluation e = job.test();
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

    /**
     * Runs a job through the one loop with what every kind shares; {@code main} is false for the
     * extra models of cross-validation, which train quietly and save nothing.
     */
    void run(TrainingJob job, boolean main) throws IOException {
        Trainer trainer = job.trainer();
        List<Callback> callbacks = new ArrayList<>();
        if (main) {
            callbacks.add(new ProgressBar(System.out));
        }
        if (patience > 0) {
            if (job.validation() == null) {
                throw new IllegalArgumentException("--patience needs validation data; set --validation above 0");
            }
            if (resume != null) {
                throw new IllegalArgumentException("--resume cannot be combined with --patience: early stopping's"
                        + " best-so-far state is not part of a checkpoint");
            }
            callbacks.add(new EarlyStopping(trainer.model(), job.monitor(), patience, 0));
        }
        FitConfig config = job.config()
                .withOnNonFiniteLoss(onNan == NanAction.SKIP ? NonFiniteLoss.SKIP_BATCH : NonFiniteLoss.STOP);
        Path checkpoints = checkpointDir != null ? checkpointDir
                : resume == null ? null : Files.isDirectory(resume) ? resume : resume.toAbsolutePath().getParent();
        if (checkpoints != null) {
            config = config.withCheckpointing(new Checkpointing(checkpoints, checkpointEvery, keep));
        }
        TrainingRecorder recorder = report != null && main ? job.recorder() : null;
        if (recorder != null) {
            callbacks.add(recorder);
        }
        long start = System.nanoTime();
        History history;
        try (var anomalies = detectAnomalies ? trainer.model().detectAnomalies() : null;
             Dashboard live = dashboard && main ? Dashboard.start(trainer.model(), port) : null) {
            if (live != null) {
                System.out.println("dashboard: " + live.url());
                callbacks.add(live);
            }
            Callback[] all = callbacks.toArray(Callback[]::new);
            history = resume != null ? trainer.resume(resume, job.source(), job.validation(), config, all)
                    : trainer.fit(job.source(), job.validation(), config, all);
        }
        if (main) {
            System.out.println(trainedIn((System.nanoTime() - start) / 1e9, history.speed()));
        }
        if (recorder != null && history.epochs().isEmpty()) {
            System.out.println("report: not written, since no epoch was left to train");
        } else if (recorder != null) {
            System.out.println("report: " + job.writeReport(report, recorder));
        }
        if (main) {
            job.finish(out);
        }
    }

    /** "trained in 74.3 s; 21,350 tokens/s on average, 24,870 steady (after 200 warm-up steps)". */
    static String trainedIn(double wall, History.Speed speed) {
        String line = String.format(Locale.ROOT, "trained in %.1f s", wall);
        if (!Double.isFinite(speed.average())) {
            return line;
        }
        line += String.format(Locale.ROOT, "; %,.0f %s/s on average", speed.average(), speed.unit().name());
        return Double.isFinite(speed.steady()) && speed.warmupSteps() > 0
                ? line + String.format(Locale.ROOT, ", %,.0f steady (after %d warm-up steps)", speed.steady(), speed.warmupSteps())
                : line;
    }
}
