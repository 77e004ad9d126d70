package dev.backprop.train;

import dev.backprop.data.BatchSource;
import dev.backprop.data.TextCorpus;
import dev.backprop.nn.GPT;
import dev.backprop.optim.Adam;
import dev.backprop.optim.AdamW;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.schedule.WarmupCosineLR;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * The settings of the usual character-level GPT recipe, and the pieces of the one {@link Trainer}
 * loop they make: a budget of {@code iterations} steps, each a batch of {@code batch} random
 * windows of the training text, cross-entropy on every next character, AdamW with linear warm-up
 * and a cosine decay from {@code lr} to {@code minLr} per step, the global gradient norm clipped,
 * and every {@code evalEvery} steps (0: only at the end) the validation loss estimated over
 * {@code evalBatches} random batches. Losses are in nats per character. {@code seed} draws the
 * training windows; the estimates draw theirs from seeds derived from it, the same each time.
 *
 * <pre>{@code
 * History h = LanguageModelRecipe.DEFAULT.fit(gpt, corpus, new ProgressBar(System.out));
 * double validationLoss = h.last().validation().loss();
 * }</pre>
 */
public record LanguageModelRecipe(int iterations, int batch, double lr, double minLr, int warmup, double weightDecay,
                                  double beta1, double beta2, double clipNorm, int evalEvery, int evalBatches, long seed) {
    /** The reference recipe: 2,000 iterations of 12 windows, lr 1e-3 to 1e-4, 100 warm-up, wd 0.1, betas 0.9/0.99, clip 1. */
    public static final LanguageModelRecipe DEFAULT = new LanguageModelRecipe(2000, 12, 1e-3, 1e-4, 100, 0.1, 0.9, 0.99, 1.0,
            500, 50, 1337);

    public LanguageModelRecipe {
        if (iterations <= 0 || batch <= 0 || !(lr > 0) || minLr < 0 || warmup < 0 || warmup >= iterations
                || weightDecay < 0 || clipNorm < 0 || evalEvery < 0 || evalBatches <= 0) {
            throw new IllegalArgumentException("language model recipe: need positive iterations, batch, lr and"
                    + " evaluation batches, warm-up below the iterations and non-negative min lr, weight decay,"
                    + " clip norm and evaluation interval; got " + this);
        }
    }

    /** With {@code v} iterations; the warm-up is cut to {@code v - 1} when it would be longer. */
    public LanguageModelRecipe withIterations(int v) { return new LanguageModelRecipe(v, batch, lr, minLr, Math.min(warmup, v - 1), weightDecay, beta1, beta2, clipNorm, evalEvery, evalBatches, seed); }
    public LanguageModelRecipe withBatch(int v) { return new LanguageModelRecipe(iterations, v, lr, minLr, warmup, weightDecay, beta1, beta2, clipNorm, evalEvery, evalBatches, seed); }
    public LanguageModelRecipe withLr(double peak, double end) { return new LanguageModelRecipe(iterations, batch, peak, end, warmup, weightDecay, beta1, beta2, clipNorm, evalEvery, evalBatches, seed); }
    public LanguageModelRecipe withWarmup(int v) { return new LanguageModelRecipe(iterations, batch, lr, minLr, v, weightDecay, beta1, beta2, clipNorm, evalEvery, evalBatches, seed); }
    public LanguageModelRecipe withWeightDecay(double v) { return new LanguageModelRecipe(iterations, batch, lr, minLr, warmup, v, beta1, beta2, clipNorm, evalEvery, evalBatches, seed); }
    public LanguageModelRecipe withClipNorm(double v) { return new LanguageModelRecipe(iterations, batch, lr, minLr, warmup, weightDecay, beta1, beta2, v, evalEvery, evalBatches, seed); }
    public LanguageModelRecipe withEvaluation(int every, int batches) { return new LanguageModelRecipe(iterations, batch, lr, minLr, warmup, weightDecay, beta1, beta2, clipNorm, every, batches, seed); }
    public LanguageModelRecipe withSeed(long v) { return new LanguageModelRecipe(iterations, batch, lr, minLr, warmup, weightDecay, beta1, beta2, clipNorm, evalEvery, evalBatches, v); }

    /** AdamW at the peak rate with the recipe's betas and weight decay. */
    public Optimizer optimizer(List<Tensor> parameters) {
        return new AdamW(parameters, Adam.Config.DEFAULT.withLr(lr).withBetas(beta1, beta2).withWeightDecay(weightDecay));
    }

    /** The loop's settings: the budget in steps, the warm-up and cosine schedule per step, the clipping, the seed. */
    public FitConfig fitConfig() {
        return FitConfig.DEFAULT.withSteps(iterations).withStepSchedule(new WarmupCosineLR(warmup, iterations, minLr))
                .withClipNorm(clipNorm).withBatchSize(batch).withSeed(seed);
    }

    /** The training batches: random windows of {@code block} tokens, a pass being the steps between two estimates. */
    public BatchSource training(TextCorpus corpus, int block) {
        return corpus.windows(TextCorpus.Part.TRAIN, batch, block, evalEvery > 0 ? evalEvery : iterations, new Generator(seed));
    }

    /** The validation loss estimate: the mean over {@code evalBatches} random batches of the validation text. */
    public Validation validation(TextCorpus corpus, int block) {
        return estimate(corpus, TextCorpus.Part.VALIDATION, block, seed + 2);
    }

    /** The same estimate over the training text (its own draws), to compare with the validation loss. */
    public Validation trainingEstimate(TextCorpus corpus, int block) {
        return estimate(corpus, TextCorpus.Part.TRAIN, block, seed + 1);
    }

    private Validation estimate(TextCorpus corpus, TextCorpus.Part part, int block, long drawSeed) {
        return Validation.meanLoss(() -> corpus.windows(part, batch, block, evalBatches, new Generator(drawSeed)));
    }

    /** A trainer for {@code gpt} with this recipe's optimizer and the next-token loss. */
    public Trainer trainer(GPT gpt) {
        return new Trainer(gpt, optimizer(gpt.parameters()), LossFunction.tokenCrossEntropy());
    }

    /** Runs the recipe on {@code corpus}: the one training loop with this recipe's pieces. */
    public History fit(GPT gpt, TextCorpus corpus, Callback... callbacks) {
        requireVocabulary(gpt, corpus);
        int block = gpt.config().block();
        return trainer(gpt).fit(training(corpus, block), validation(corpus, block), fitConfig(), callbacks);
    }

    /** Refuses a model whose vocabulary is not the text's. */
    public static void requireVocabulary(GPT gpt, TextCorpus corpus) {
        if (corpus.tokenizer().size() != gpt.config().vocab()) {
            throw new IllegalArgumentException("the model's vocabulary has " + gpt.config().vocab() + " tokens but the text's "
                    + corpus.tokenizer().size() + " characters");
        }
    }
}
