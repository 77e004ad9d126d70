package dev.backprop.train;

import dev.backprop.data.TextCorpus;
import dev.backprop.nn.GPT;
import dev.backprop.nn.functional.Losses;
import dev.backprop.optim.Adam;
import dev.backprop.optim.AdamW;
import dev.backprop.optim.GradClip;
import dev.backprop.optim.schedule.WarmupCosineLR;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;

/**
 * Trains a {@link GPT} on a {@link TextCorpus} by iterations, as the usual character-level recipe
 * does: each step a batch of random windows, cross-entropy on every next character, AdamW with
 * linear warm-up and a cosine decay, the global gradient norm clipped. Losses are in nats per
 * character; {@link #estimate} averages them over random batches of either part of the text.
 *
 * <pre>{@code
 * LanguageModelTrainer.Result r = new LanguageModelTrainer(gpt, corpus).train(LanguageModelTrainer.Config.DEFAULT, null);
 * }</pre>
 */
public final class LanguageModelTrainer {

    /**
     * The recipe: iterations, windows per batch, peak and final learning rates, warm-up steps, AdamW's
     * decoupled weight decay and betas, the clipping norm (0: off), how often to estimate the
     * losses and over how many batches, and the seed of the batch draws.
     */
    public record Config(int iterations, int batch, double lr, double minLr, int warmup, double weightDecay,
                         double beta1, double beta2, double clipNorm, int evalEvery, int evalBatches, long seed) {
        /** The reference recipe: 2,000 iterations of 12 windows, lr 1e-3 to 1e-4, 100 warm-up, wd 0.1, betas 0.9/0.99, clip 1. */
        public static final Config DEFAULT = new Config(2000, 12, 1e-3, 1e-4, 100, 0.1, 0.9, 0.99, 1.0, 500, 50, 1337);

        public Config {
            if (iterations <= 0 || batch <= 0 || !(lr > 0) || minLr < 0 || warmup < 0 || warmup >= iterations
                    || weightDecay < 0 || clipNorm < 0 || evalEvery < 0 || evalBatches <= 0) {
                throw new IllegalArgumentException("language model training: need positive iterations, batch, lr and"
                        + " evaluation batches, warm-up below the iterations and non-negative min lr, weight decay,"
                        + " clip norm and evaluation interval; got " + this);
            }
        }

        /** With {@code v} iterations; the warm-up is cut to {@code v - 1} when it would be longer. */
        public Config withIterations(int v) { return new Config(v, batch, lr, minLr, Math.min(warmup, v - 1), weightDecay, beta1, beta2, clipNorm, evalEvery, evalBatches, seed); }
        public Config withBatch(int v) { return new Config(iterations, v, lr, minLr, warmup, weightDecay, beta1, beta2, clipNorm, evalEvery, evalBatches, seed); }
        public Config withLr(double peak, double end) { return new Config(iterations, batch, peak, end, warmup, weightDecay, beta1, beta2, clipNorm, evalEvery, evalBatches, seed); }
        public Config withWarmup(int v) { return new Config(iterations, batch, lr, minLr, v, weightDecay, beta1, beta2, clipNorm, evalEvery, evalBatches, seed); }
        public Config withWeightDecay(double v) { return new Config(iterations, batch, lr, minLr, warmup, v, beta1, beta2, clipNorm, evalEvery, evalBatches, seed); }
        public Config withClipNorm(double v) { return new Config(iterations, batch, lr, minLr, warmup, weightDecay, beta1, beta2, v, evalEvery, evalBatches, seed); }
        public Config withEvaluation(int every, int batches) { return new Config(iterations, batch, lr, minLr, warmup, weightDecay, beta1, beta2, clipNorm, every, batches, seed); }
        public Config withSeed(long v) { return new Config(iterations, batch, lr, minLr, warmup, weightDecay, beta1, beta2, clipNorm, evalEvery, evalBatches, v); }
    }

    /** Training and validation loss (nats per character) after {@code iteration} steps, and the speed so far. */
    public record Progress(int iteration, double trainLoss, double validationLoss, double lr, double tokensPerSecond,
                           double seconds) {
    }

    /** Called after each estimate; {@link Progress#iteration()} equals the iteration count at the end. */
    public interface Listener {
        void onEstimate(Progress progress);
    }

    private final GPT gpt;
    private final TextCorpus corpus;

    public LanguageModelTrainer(GPT gpt, TextCorpus corpus) {
        if (corpus.tokenizer().size() != gpt.config().vocab()) {
            throw new IllegalArgumentException("the model's vocabulary has " + gpt.config().vocab() + " tokens but the text's "
                    + corpus.tokenizer().size() + " characters");
        }
        this.gpt = gpt;
        this.corpus = corpus;
    }

    /**
     * Runs the recipe and returns the final estimate (over {@code evalBatches} batches of each part);
     * the listener (may be null) also hears every {@code evalEvery} iterations. Time spent estimating
     * is not counted in tokens per second.
     */
    public Progress train(Config config, Listener listener) {
        int block = gpt.config().block();
        AdamW opt = new AdamW(gpt.parameters(), Adam.Config.DEFAULT.withLr(config.lr()).withBetas(config.beta1(), config.beta2())
                .withWeightDecay(config.weightDecay()));
        WarmupCosineLR schedule = new WarmupCosineLR(config.warmup(), config.iterations(), config.minLr());
        Generator draws = new Generator(config.seed());
        long trainingNanos = 0;
        Progress last = null;
        gpt.train();
        for (int it = 0; it < config.iterations(); it++) {
            long start = System.nanoTime();
            schedule.applyTo(opt, config.lr(), it);
            TextCorpus.Batch b = corpus.batch(TextCorpus.Part.TRAIN, config.batch(), block, draws);
            Tensor loss = loss(b);
            if (!Float.isFinite(loss.item())) {
                throw new IllegalStateException("iteration " + it + ": the loss is " + loss.item() + "; lower the learning"
                        + " rate (now " + opt.lr() + ") or keep gradient clipping on");
            }
            opt.zeroGrad();
            loss.backward();
            if (config.clipNorm() > 0) {
                GradClip.clipGradNorm(gpt.parameters(), config.clipNorm());
            }
            opt.step();
            trainingNanos += System.nanoTime() - start;
            int done = it + 1;
            boolean end = done == config.iterations();
            if (end || config.evalEvery() > 0 && done % config.evalEvery() == 0) {
                double seconds = trainingNanos / 1e9;
                last = new Progress(done, estimate(TextCorpus.Part.TRAIN, config.evalBatches(), config.batch(), config.seed() + 1),
                        estimate(TextCorpus.Part.VALIDATION, config.evalBatches(), config.batch(), config.seed() + 2),
                        opt.lr(), (double) done * config.batch() * block / seconds, seconds);
                if (listener != null) {
                    listener.onEstimate(last);
                }
            }
        }
        return last;
    }

    /** The mean loss over {@code batches} random batches of one part of the text, in evaluation mode. */
    public double estimate(TextCorpus.Part part, int batches, int batchSize, long seed) {
        boolean training = gpt.isTraining();
        gpt.eval();
        Generator g = new Generator(seed);
        double sum = 0;
        try (var off = GradMode.noGrad()) {
            for (int i = 0; i < batches; i++) {
                sum += loss(corpus.batch(part, batchSize, gpt.config().block(), g)).item();
            }
        } finally {
            if (training) {
                gpt.train();
            }
        }
        return sum / batches;
    }

    private Tensor loss(TextCorpus.Batch b) {
        Tensor logits = gpt.forward(b.inputs());
        return Losses.crossEntropy(logits.reshape(-1, gpt.config().vocab()), b.targets());
    }
}
