package dev.backprop.cli;

import dev.backprop.data.BatchSource;
import dev.backprop.data.CharTokenizer;
import dev.backprop.data.Preprocessing;
import dev.backprop.data.TextCorpus;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.Architecture;
import dev.backprop.nn.GPT;
import dev.backprop.nn.ModelSpec;
import dev.backprop.report.TrainingRecorder;
import dev.backprop.report.TrainingReport;
import dev.backprop.tensor.Generator;
import dev.backprop.train.Evaluation;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LanguageModelRecipe;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import dev.backprop.train.Validation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code train} for a language model: the reference recipe ({@link LanguageModelRecipe}) with every
 * option the user gave applied on top, run by steps over random windows of the text, with the
 * validation loss estimated every so many steps; saved with its vocabulary.
 */
final class LanguageModelJob implements TrainingJob {
    private final String dataset;
    private final TextCorpus corpus;
    private final LanguageModelRecipe recipe;
    private final ModelSpec.Gpt spec;
    private final GPT gpt;
    private final Trainer trainer;
    private final FitConfig config;

    LanguageModelJob(TrainCommand options, Architecture.Gpt architecture, String dataset, TextCorpus corpus) {
        this.dataset = dataset;
        this.corpus = corpus;
        this.recipe = recipe(options);
        this.spec = architecture.bind(new int[0], corpus.tokenizer().size());
        this.gpt = (GPT) spec.build(new Generator(options.seed()));
        FitConfig base = recipe.fitConfig();
        if (options.clipNorm != null) {
            base = base.withClipNorm(options.clipNorm);
        }
        this.config = base;
        String optimizer;
        if (options.optimizer == null) {
            trainer = recipe.trainer(gpt);
            optimizer = String.format(Locale.ROOT, "AdamW, weight decay %s, betas %s/%s", recipe.weightDecay(),
                    recipe.beta1(), recipe.beta2());
        } else {
            trainer = new Trainer(gpt, options.optimizer.create(gpt.parameters(), recipe.lr(),
                    options.weightDecay != null ? options.weightDecay : 0), LossFunction.tokenCrossEntropy());
            optimizer = options.optimizer.toString();
        }
        System.out.printf(Locale.ROOT, "dataset %s: %,d training and %,d validation characters, vocabulary of %d%n",
                dataset, corpus.trainSize(), corpus.validationSize(), corpus.tokenizer().size());
        System.out.printf(Locale.ROOT, "model %s, %,d parameters; %s, lr %s -> %s (%d warm-up), clip %s; %d steps of %d x %d"
                        + " tokens, validation estimated every %d steps over %d batches, seed %d%n",
                spec, gpt.parameterCount(), optimizer, recipe.lr(), recipe.minLr(), recipe.warmup(), config.clipNorm(),
                recipe.iterations(), recipe.batch(), spec.config().block(), recipe.evalEvery() > 0 ? recipe.evalEvery()
                        : recipe.iterations(), recipe.evalBatches(), options.seed());
    }

    /** The reference recipe, with every option the user gave applied on top. */
    private static LanguageModelRecipe recipe(TrainCommand options) {
        LanguageModelRecipe r = LanguageModelRecipe.DEFAULT.withSeed(options.seed());
        KindOptions.Steps steps = options.steps;
        if (steps.iters != null) {
            r = r.withIterations(steps.iters);
        }
        if (steps.warmup != null) {
            r = r.withWarmup(steps.warmup);
        }
        if (steps.evalEvery != null) {
            r = r.withEvaluation(steps.evalEvery, r.evalBatches());
        }
        double peak = options.lr != null ? options.lr : r.lr();
        r = r.withLr(peak, steps.minLr != null ? steps.minLr : peak / 10);
        if (options.batch != null) {
            r = r.withBatch(options.batch);
        }
        if (options.weightDecay != null) {
            r = r.withWeightDecay(options.weightDecay);
        }
        return r;
    }

    @Override
    public Trainer trainer() {
        return trainer;
    }

    @Override
    public BatchSource source() {
        return recipe.training(corpus, spec.config().block());
    }

    @Override
    public Validation validation() {
        return recipe.validation(corpus, spec.config().block());
    }

    @Override
    public FitConfig config() {
        return config;
    }

    @Override
    public Evaluation.Metric monitor() {
        return Evaluation.Metric.LOSS;
    }

    @Override
    public TrainingRecorder recorder() {
        int block = spec.config().block();
        return new TrainingRecorder(gpt, corpus.batch(TextCorpus.Part.VALIDATION, 8, block, new Generator(recipe.seed() + 3))
                .inputs());
    }

    @Override
    public Path writeReport(Path dir, TrainingRecorder recorder) throws IOException {
        return TrainingReport.write(dir, dataset + ", " + spec, recorder, null, null);
    }

    @Override
    public void finish(Path out) throws IOException {
        int block = spec.config().block();
        double train = trainer.evaluate(recipe.trainingEstimate(corpus, block)).loss();
        double validation = trainer.evaluate(validation()).loss();   // the same draws as every estimate, on the final weights
        System.out.printf(Locale.ROOT, "training loss (estimate over %d batches): %.4f nats/char%n", recipe.evalBatches(), train);
        if (out != null) {
            CharTokenizer chars = corpus.tokenizer();
            List<String> vocabulary = chars.vocabulary().chars().mapToObj(c -> String.valueOf((char) c)).toList();
            ModelFile.save(out, new ModelFile.Model(spec, gpt, new ModelFile.Info(dataset, vocabulary, Preprocessing.NONE)));
            System.out.println("saved " + out);
        }
        System.out.printf(Locale.ROOT, "validation loss: %.4f nats/char%n", validation);
    }
}
