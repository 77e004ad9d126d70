package dev.backprop.nn;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/**
 * Generates from a {@link GPT} one token at a time, keeping every layer's keys and values
 * ({@link KvCache}) so that a new token costs one row per layer, not a pass over the context.
 * Positions are absolute and the context is at most {@code block} tokens: when the cache is full it
 * is rebuilt from the newest {@code block / 2} tokens, so every prediction sees between half and all
 * of the context, and the rebuild costs one pass over half a context every {@code block / 2} tokens.
 *
 * <pre>{@code
 * GptDecoder d = gpt.decoder();
 * float[] logits = d.start(tokenizer.encode("ROMEO:"));
 * int next = GptDecoder.sample(logits, 0.8f, 40, new Generator(1));
 * logits = d.next(next);
 * }</pre>
 */
public final class GptDecoder {
    private final GPT gpt;
    private final KvCache cache;
    private final int[] window;
    private int filled;

    GptDecoder(GPT gpt) {
        this.gpt = gpt;
        GPT.Config c = gpt.config();
        this.cache = new KvCache(c.layers(), c.heads(), c.block(), c.embd() / c.heads());
        this.window = new int[c.block()];
    }

    /**
     * Forgets what came before and reads {@code prompt} (its last {@code block} tokens when longer);
     * returns the scores of the token that follows it.
     */
    public float[] start(int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("GptDecoder: the prompt is empty; give at least one token");
        }
        int[] kept = Arrays.copyOfRange(prompt, Math.max(0, prompt.length - window.length), prompt.length);
        return prefill(kept);
    }

    /** Appends {@code token} and returns the scores of the token after it. */
    public float[] next(int token) {
        if (filled == 0) {
            throw new IllegalStateException("GptDecoder: call start(prompt) first");
        }
        if (filled == window.length) {
            int keep = Math.max(1, window.length / 2);
            int[] recent = new int[keep];
            System.arraycopy(window, filled - keep + 1, recent, 0, keep - 1);
            recent[keep - 1] = token;
            return prefill(recent);
        }
        window[filled++] = token;
        return run(new int[] {token});
    }

    /** Tokens the next prediction is conditioned on (at most the model's context). */
    public int contextLength() {
        return filled;
    }

    private float[] prefill(int[] tokens) {
        cache.clear();
        System.arraycopy(tokens, 0, window, 0, tokens.length);
        filled = tokens.length;
        return run(tokens);
    }

    private float[] run(int[] tokens) {
        boolean training = gpt.isTraining();
        gpt.eval();
        try (var off = GradMode.noGrad()) {
            float[] t = new float[tokens.length];
            for (int i = 0; i < t.length; i++) {
                t[i] = tokens[i];
            }
            Tensor logits = gpt.forwardCached(Tensor.fromArray(t, 1, t.length), cache);
            return logits.select(1, tokens.length - 1).reshape(-1).toFloatArray();
        } finally {
            if (training) {
                gpt.train();
            }
        }
    }

    /**
     * Draws a token from {@code softmax(logits / temperature)} restricted to the {@code topK}
     * highest scores (0: all); temperature 0 takes the highest score.
     */
    public static int sample(float[] logits, float temperature, int topK, Generator generator) {
        if (!(temperature >= 0) || topK < 0) {
            throw new IllegalArgumentException("sample: temperature must be at least 0 and top-k at least 0, got "
                    + temperature + " and " + topK);
        }
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        if (temperature == 0 || topK == 1) {
            return best;
        }
        float threshold = Float.NEGATIVE_INFINITY;
        if (topK > 0 && topK < logits.length) {
            float[] sorted = logits.clone();
            Arrays.sort(sorted);
            threshold = sorted[sorted.length - topK];
        }
        double[] weights = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            weights[i] = logits[i] >= threshold ? Math.exp((logits[i] - logits[best]) / temperature) : 0;
            total += weights[i];
        }
        double u = generator.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            u -= weights[i];
            if (u < 0 && weights[i] > 0) {
                return i;
            }
        }
        return best;
    }
}
