package dev.backprop.cli;

import dev.backprop.data.BatchSource;
import dev.backprop.data.DataLoader;
import dev.backprop.data.Dataset;
import dev.backprop.data.ImageAugmentation;
import dev.backprop.data.PreparedData;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.Architecture;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.OptimizerKind;
import dev.backprop.optim.schedule.ScheduleKind;
import dev.backprop.report.TrainingRecorder;
import dev.backprop.spark.DistributedConfig;
import dev.backprop.report.TrainingReport;
import dev.backprop.tensor.Generator;
import dev.backprop.train.Evaluation;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import dev.backprop.train.Validation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code train} for classifiers and regressions on a dataset of feature rows or images: a share of
 * the training split held out for validation, epochs of shuffled (optionally augmented) batches,
 * a schedule moved every epoch or every step, and the test result at the end.
 */
final class ClassifierJob implements TrainingJob {
    /** The batch size when none is given. */
    static final int DEFAULT_BATCH = 32;

    private final String dataset;
    private final PreparedData data;
    private final Dataset train;
    private final Dataset held;
    private final ModelSpec spec;
    private final Module model;
    private final Trainer trainer;
    private final FitConfig config;
    private final DataLoader loader;
    private final Architecture architecture;
    private final int[] example;
    private final OptimizerKind optimizer;
    private final double rate;
    private final double weightDecay;
    private final Map<String, String> extra;
    /** The schedule's kind, refitted per epoch for a cluster (whose steps per epoch only the workers know). */
    private final ScheduleKind epochSchedule;

    ClassifierJob(TrainCommand options, Architecture architecture, String dataset, PreparedData data, boolean verbose) {
        this(options, architecture, dataset, data, null, Map.of(), verbose);
    }

    /**
     * With {@code validation} given, it is the held-out set (the training split is used whole); {@code extra}
     * is saved with the model (how raw input becomes its features, e.g. a vocabulary).
     */
    ClassifierJob(TrainCommand options, Architecture architecture, String dataset, PreparedData data, Dataset validation,
                  Map<String, String> extra, boolean verbose) {
        this.dataset = dataset;
        this.data = data;
        this.extra = extra;
        KindOptions.Epochs epochs = options.epochs;
        Dataset all = data.train();
        if (validation != null) {
            this.train = all;
            this.held = validation;
        } else if (epochs.validation > 0) {
            Dataset.Split split = all.split(epochs.validation, new Generator(options.seed() ^ 0x5eed));
            this.train = split.train();
            this.held = split.test();
        } else {
            this.train = all;
            this.held = null;
        }
        boolean classify = all.isClassification();
        this.architecture = architecture;
        this.example = Arrays.copyOfRange(all.featureShape().dims(), 1, all.featureShape().rank());
        this.spec = architecture.bind(example, classify ? all.numClasses() : 1);
        ImageAugmentation augmentation = new ImageAugmentation(options.images.shift, options.images.flip ? 0.5 : 0.0);
        this.model = spec.build(new Generator(options.seed()));
        OptimizerKind choice = options.optimizer != null ? options.optimizer : OptimizerKind.ADAM;
        this.optimizer = choice;
        this.rate = options.lr != null ? options.lr : choice.defaultLr();
        this.weightDecay = options.weightDecay != null ? options.weightDecay : 0;
        Optimizer opt = choice.create(model.parameters(), rate, weightDecay);
        int batch = options.batch != null ? options.batch : DEFAULT_BATCH;
        this.loader = new DataLoader(train, batch, true, false, new Generator(options.seed()), augmentation);
        this.epochSchedule = epochs.schedule;
        FitConfig fit = FitConfig.DEFAULT.withEpochs(epochs.epochs).withBatchSize(batch).withSeed(options.seed())
                .withClipNorm(options.clipNorm != null ? options.clipNorm : 0).withAugmentation(augmentation);
        this.config = epochs.scheduleEvery == FitConfig.ScheduleUnit.STEP
                ? fit.withStepSchedule(epochs.schedule.create(epochs.epochs * loader.batchesPerEpoch(), rate))
                : fit.withSchedule(epochs.schedule.create(epochs.epochs, rate));
        float smoothing = labelSmoothing(options, classify, dataset);
        this.trainer = new Trainer(model, opt, classify ? LossFunction.crossEntropy(smoothing) : LossFunction.mse());
        if (verbose) {
            System.out.printf(Locale.ROOT, "dataset %s: %d training, %d validation and %d test examples, %d features, %s%n",
                    dataset, train.size(), held == null ? 0 : held.size(), data.test().size(), all.featureCount(),
                    classify ? all.numClasses() + " classes" : "regression");
            System.out.printf(Locale.ROOT, "model %s, %,d parameters; %s lr %s, schedule %s%s, %d epochs of batch %d, seed %d%s%n",
                    spec, model.parameterCount(), choice, rate, epochs.schedule,
                    epochs.scheduleEvery == FitConfig.ScheduleUnit.STEP ? " per step" : "", epochs.epochs, batch, options.seed(),
                    augmentation.isIdentity() ? "" : "; augmentation: shifts up to " + options.images.shift + " px"
                            + (options.images.flip ? ", mirroring" : ""));
        }
    }

    @Override
    public Trainer trainer() {
        return trainer;
    }

    @Override
    public BatchSource source() {
        return loader;
    }

    @Override
    public Validation validation() {
        return held == null ? null : Validation.of(held, evaluationBatch(), config.topK());
    }

    /**
     * The batch of the validation and test passes: the training batch (at least 32), so that their
     * products have the shapes the training's kernels were compiled for. At 512, the test pass of a
     * one-epoch MNIST run spent a second compiling the packed GEMM (JIT), and ran no faster warm.
     */
    private int evaluationBatch() {
        return Math.max(32, config.batchSize());
    }

    @Override
    public FitConfig config() {
        return config;
    }

    @Override
    public Evaluation.Metric monitor() {
        return data.train().isClassification() ? Evaluation.Metric.ACCURACY : Evaluation.Metric.LOSS;
    }

    @Override
    public TrainingRecorder recorder() {
        int[] sample = new int[Math.min(2048, train.size())];
        Arrays.setAll(sample, i -> i);
        return new TrainingRecorder(model, train.subset(sample));
    }

    @Override
    public Path writeReport(Path dir, TrainingRecorder recorder) throws IOException {
        return TrainingReport.write(dir, dataset + ", " + spec, recorder, data.test(), trainer.predict(data.test(), evaluationBatch()));
    }

    /** {@code --label-smoothing}, checked: in [0, 1), and only for a classification. */
    private static float labelSmoothing(TrainCommand options, boolean classify, String dataset) {
        float eps = options.classes.labelSmoothing;
        if (!(eps >= 0f && eps < 1f)) {
            throw new IllegalArgumentException("--label-smoothing " + eps + ": give a value in [0, 1) (0.1 is usual; 0: off)");
        }
        if (eps != 0f && !classify) {
            throw new IllegalArgumentException("--label-smoothing: dataset '" + dataset + "' is a regression; label smoothing"
                    + " softens the class targets of a classifier");
        }
        return eps;
    }

    /**
     * This job as data-parallel training on a cluster: the same model, optimizer, rate, schedule,
     * clipping, epochs, global batch and seed, with every connection's timeout.
     */
    DistributedConfig distributed(java.time.Duration timeout) {
        List<Integer> shape = Arrays.stream(example).boxed().toList();
        boolean classify = data.train().isClassification();
        return new DistributedConfig(architecture, shape, classify ? data.train().numClasses() : 1, classify, rate,
                config.budget().epochs(), config.batchSize(), config.seed(), timeout)
                .withOptimizer(optimizer, weightDecay).withSchedule(epochSchedule.create(config.budget().epochs(), rate))
                .withClipNorm(config.clipNorm());
    }

    /** The examples this job trains on (the validation share held out). */
    Dataset trainingData() {
        return train;
    }

    /** Takes weights trained elsewhere (on a cluster) as this job's model, which {@link #finish} then tests and saves. */
    void adopt(Module trained) {
        model.loadStateDict(trained.stateDict());
    }

    /** The test split's loss and metrics. */
    Evaluation test() {
        return trainer.evaluate(data.test(), evaluationBatch());
    }

    @Override
    public void finish(Path out) throws IOException {
        if (out != null) {
            ModelFile.save(out, new ModelFile.Model(spec, model, new ModelFile.Info(dataset, data.train().classNames(),
                    data.preprocessing(), extra)));
            System.out.println("saved " + out);
        }
        Evaluation test = test();
        if (test.classification() != null) {
            System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", test.classification().accuracy());
        } else {
            System.out.printf(Locale.ROOT, "test mse: %.4f, mae: %.4f%n", test.regression().mse(), test.regression().mae());
            System.out.printf(Locale.ROOT, "test r2: %.4f%n", test.regression().r2());
        }
    }
}
