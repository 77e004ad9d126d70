package dev.backprop.cli;

import dev.backprop.data.CharTokenizer;
import dev.backprop.data.DatasetLocator;
import dev.backprop.data.NamedDataset;
import dev.backprop.data.Preprocessing;
import dev.backprop.data.TextCorpus;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.GPT;
import dev.backprop.nn.ModelSpec;
import dev.backprop.tensor.Generator;
import dev.backprop.train.LanguageModelTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ParseResult;

/**
 * {@code backprop train} for a language model: reads the text, builds the GPT, runs
 * {@link LanguageModelTrainer} and saves the model with its vocabulary. The classifier options that
 * mean nothing here are refused by name rather than ignored.
 */
final class LanguageModelRun {
    /** Options of {@code train} that belong to the classifiers' epoch-based loop. */
    private static final List<String> CLASSIFIER_ONLY = List.of("--epochs", "--activation", "--schedule", "--patience",
            "--validation", "--shift", "--flip", "--folds", "--checkpoint-dir", "--checkpoint-every", "--keep", "--resume",
            "--on-nan", "--report", "--dashboard", "--port", "--detect-anomalies");

    private final TrainCommand options;
    private final ParseResult parsed;

    LanguageModelRun(TrainCommand options, ParseResult parsed) {
        this.options = options;
        this.parsed = parsed;
    }

    int run() throws Exception {
        List<String> refused = new ArrayList<>();
        for (String name : CLASSIFIER_ONLY) {
            if (parsed.hasMatchedOption(name)) {
                refused.add(name);
            }
        }
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", refused) + ": not used when training a language model,"
                    + " which runs by iterations (--iters, --warmup, --lr, --min-lr, --batch, --weight-decay, --clip-norm,"
                    + " --eval-every, --dropout, --seed, --out)");
        }
        if (parsed.hasMatchedOption("--optimizer") && options.optimizer != OptimizerChoice.ADAMW) {
            throw new IllegalArgumentException("--optimizer " + options.optimizer + ": language models train with adamw");
        }
        NamedDataset named = options.data.named();
        if (!named.isText()) {
            throw new IllegalArgumentException("model '" + options.model + "' is a language model; train it on a text"
                    + " (--dataset tinyshakespeare), not on " + named.id());
        }
        TextCorpus corpus = TextCorpus.load(named, DatasetLocator.standard(options.data.dataDir, !options.data.offline));
        CharTokenizer chars = corpus.tokenizer();
        ModelSpec.Gpt spec = ModelSpec.parseGpt(options.model, chars.size(), options.dropout);
        GPT gpt = (GPT) spec.build(new Generator(options.seed));
        LanguageModelTrainer.Config config = config();
        System.out.printf(Locale.ROOT, "dataset %s: %,d training and %,d validation characters, vocabulary of %d%n",
                named.id(), corpus.trainSize(), corpus.validationSize(), chars.size());
        System.out.printf(Locale.ROOT, "model %s, %,d parameters; AdamW lr %s -> %s (%d warm-up), weight decay %s, betas %s/%s,"
                        + " clip %s; %d iterations of %d x %d tokens, seed %d%n",
                spec, gpt.parameterCount(), config.lr(), config.minLr(), config.warmup(), config.weightDecay(), config.beta1(),
                config.beta2(), config.clipNorm(), config.iterations(), config.batch(), spec.config().block(), options.seed);
        LanguageModelTrainer.Progress end = new LanguageModelTrainer(gpt, corpus).train(config, p ->
                System.out.printf(Locale.ROOT, "iter %5d: train loss %.4f, val loss %.4f (nats/char), lr %.2e, %,.0f tokens/s%n",
                        p.iteration(), p.trainLoss(), p.validationLoss(), p.lr(), p.tokensPerSecond()));
        System.out.printf(Locale.ROOT, "trained in %.1f s, %,.0f tokens/s%n", end.seconds(), end.tokensPerSecond());
        if (options.out != null) {
            List<String> vocabulary = chars.vocabulary().chars().mapToObj(c -> String.valueOf((char) c)).toList();
            ModelFile.save(options.out, new ModelFile.Model(spec, gpt, new ModelFile.Info(named.id(), vocabulary, Preprocessing.NONE)));
            System.out.println("saved " + options.out);
        }
        System.out.printf(Locale.ROOT, "validation loss: %.4f nats/char%n", end.validationLoss());
        return 0;
    }

    /** The reference recipe, with every option the user gave applied on top. */
    private LanguageModelTrainer.Config config() {
        LanguageModelTrainer.Config c = LanguageModelTrainer.Config.DEFAULT.withSeed(options.seed).withIterations(options.iters)
                .withWarmup(options.warmup).withEvaluation(options.evalEvery, LanguageModelTrainer.Config.DEFAULT.evalBatches());
        double peak = parsed.hasMatchedOption("--lr") ? options.lr : c.lr();
        c = c.withLr(peak, options.minLr != null ? options.minLr : peak / 10);
        if (parsed.hasMatchedOption("--batch")) {
            c = c.withBatch(options.batch);
        }
        if (parsed.hasMatchedOption("--weight-decay")) {
            c = c.withWeightDecay(options.weightDecay);
        }
        if (parsed.hasMatchedOption("--clip-norm")) {
            c = c.withClipNorm(options.clipNorm);
        }
        return c;
    }
}
