package dev.backprop.nn;

import dev.backprop.backend.AttentionGeometry;
import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;
import dev.backprop.backend.Layout;
import dev.backprop.backend.PackedMatrix;
import dev.backprop.backend.UnaryOp;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;

/**
 * Generates from a {@link GPT} one token at a time. It runs the model's forward pass on plain arrays
 * straight through the backend's kernels (products, layer norm, GELU, attention), the way llm.c runs
 * inference, instead of through tensors: a token is about sixty small operations, and building a
 * tensor with its autograd bookkeeping around each cost more than the arithmetic. {@link GPT#forward}
 * is the reference it is tested against.
 *
 * <p>It keeps every layer's keys and values, so a new token costs one row per layer, not a pass over
 * the context. Positions are absolute and the context is at most {@code block} tokens: when the cache
 * is full it is rebuilt from the newest {@code block / 2} tokens, so every prediction sees between
 * half and all of the context, and the rebuild costs one pass over half a context every
 * {@code block / 2} tokens.
 *
 * <p>A decoder reads the model's weights when it is made: each weight matrix is copied once, as
 * {@code W^T} {@linkplain Backend#pack packed} for the backend's products (the vector backend's
 * panels, which one row streams front to back), so the copy is the decoder's. Make a new one after
 * training further.
 *
 * <pre>{@code
 * GptDecoder d = gpt.decoder();
 * float[] logits = d.start(tokenizer.encode("ROMEO:"));
 * int next = GptDecoder.sample(logits, 0.8f, 40, new Generator(1));
 * logits = d.next(next);
 * }</pre>
 */
public final class GptDecoder {
    private static final float LAYER_NORM_EPS = 1e-5f;

    private final Backend k = Backends.active();
    private final int width;
    private final int heads;
    private final int vocab;
    private final float[] tokenEmbedding;      // [vocab, width]: the input embedding
    private final PackedMatrix head;           // its transpose [width, vocab]: the tied output head
    private final float[] positionEmbedding;   // [block, width]
    private final Layer[] layers;
    private final float[] finalNormWeight;
    private final float[] finalNormBias;
    private final int[] window;
    private int filled;

    // Scratch, sized for a whole context of rows.
    private final float[] x;
    private final float[] normed;
    private final float[] qkv;
    private final float[] attended;
    private final float[] branch;
    private final float[] hidden;
    private final float[] activated;
    private final float[] mean;
    private final float[] invStd;
    private final float[] logSumExp;

    /** One block's weights, the products' matrices packed as {@code [in, out]}, and its key/value cache. */
    private record Layer(float[] norm1Weight, float[] norm1Bias, PackedMatrix qkvWeight, float[] qkvBias,
                         PackedMatrix projWeight, float[] projBias, float[] norm2Weight, float[] norm2Bias,
                         PackedMatrix upWeight, float[] upBias, PackedMatrix downWeight, float[] downBias,
                         float[] keys, float[] values) {
    }

    GptDecoder(GPT gpt) {
        GPT.Config c = gpt.config();
        width = c.embd();
        heads = c.heads();
        vocab = c.vocab();
        Map<String, Tensor> s = gpt.stateDict();
        tokenEmbedding = s.get("wte.weight").toFloatArray();
        positionEmbedding = s.get("wpe.weight").toFloatArray();
        head = packed(s.get("wte.weight"));
        layers = new Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "blocks." + i + ".";
            layers[i] = new Layer(s.get(p + "ln_1.weight").toFloatArray(), s.get(p + "ln_1.bias").toFloatArray(),
                    packed(s.get(p + "c_attn.weight")), s.get(p + "c_attn.bias").toFloatArray(),
                    packed(s.get(p + "c_proj.weight")), s.get(p + "c_proj.bias").toFloatArray(),
                    s.get(p + "ln_2.weight").toFloatArray(), s.get(p + "ln_2.bias").toFloatArray(),
                    packed(s.get(p + "c_fc.weight")), s.get(p + "c_fc.bias").toFloatArray(),
                    packed(s.get(p + "mlp_proj.weight")), s.get(p + "mlp_proj.bias").toFloatArray(),
                    new float[c.block() * width], new float[c.block() * width]);
        }
        finalNormWeight = s.get("ln_f.weight").toFloatArray();
        finalNormBias = s.get("ln_f.bias").toFloatArray();
        window = new int[c.block()];
        int rows = c.block();
        x = new float[rows * width];
        normed = new float[rows * width];
        qkv = new float[rows * 3 * width];
        attended = new float[rows * width];
        branch = new float[rows * width];
        hidden = new float[rows * 4 * width];
        activated = new float[rows * 4 * width];
        mean = new float[rows];
        invStd = new float[rows];
        logSumExp = new float[heads * rows];
    }

    /** A Linear's weight {@code [out, in]} packed as the right operand {@code [in, out]} of {@code x W^T}. */
    private PackedMatrix packed(Tensor weight) {
        int out = weight.size(0);
        int in = weight.size(1);
        return k.pack(in, out, weight.toFloatArray(), 0, 1, in);
    }

    /**
     * Forgets what came before and reads {@code prompt} (its last {@code block} tokens when longer);
     * returns the scores of the token that follows it.
     */
    public float[] start(int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("GptDecoder: the prompt is empty; give at least one token");
        }
        for (int t : prompt) {
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("GptDecoder: token " + t + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        int[] kept = Arrays.copyOfRange(prompt, Math.max(0, prompt.length - window.length), prompt.length);
        return prefill(kept);
    }

    /** Appends {@code token} and returns the scores of the token after it. */
    public float[] next(int token) {
        if (filled == 0) {
            throw new IllegalStateException("GptDecoder: call start(prompt) first");
        }
        if (token < 0 || token >= vocab) {
            throw new IllegalArgumentException("GptDecoder: token " + token + " is outside the vocabulary [0, " + vocab + ")");
        }
        if (filled == window.length) {
            int keep = Math.max(1, window.length / 2);
            int[] recent = new int[keep];
            System.arraycopy(window, filled - keep + 1, recent, 0, keep - 1);
            recent[keep - 1] = token;
            return prefill(recent);
        }
        window[filled] = token;
        return run(filled++, 1);
    }

    /** Tokens the next prediction is conditioned on (at most the model's context). */
    public int contextLength() {
        return filled;
    }

    private float[] prefill(int[] tokens) {
        System.arraycopy(tokens, 0, window, 0, tokens.length);
        filled = tokens.length;
        return run(0, tokens.length);
    }

    /**
     * The forward pass over the {@code n} tokens of {@code window} from position {@code start}, whose
     * predecessors' keys and values are cached (with {@code start} 0 the new rows attend causally
     * among themselves); returns the last row's logits.
     */
    private float[] run(int start, int n) {
        int c = width;
        for (int i = 0; i < n; i++) {
            int token = window[start + i];
            for (int j = 0; j < c; j++) {
                x[i * c + j] = tokenEmbedding[token * c + j] + positionEmbedding[(start + i) * c + j];
            }
        }
        int d = c / heads;
        for (Layer l : layers) {
            // x = x + c_proj(attention(ln_1(x)))
            k.layerNorm(x, n, c, l.norm1Weight, l.norm1Bias, LAYER_NORM_EPS, normed, mean, invStd);
            k.gemmPacked(n, normed, 0, c, l.qkvWeight, l.qkvBias, qkv, 0, 3 * c);
            for (int i = 0; i < n; i++) {
                System.arraycopy(qkv, i * 3 * c + c, l.keys, (start + i) * c, c);
                System.arraycopy(qkv, i * 3 * c + 2 * c, l.values, (start + i) * c, c);
            }
            int keys = start + n;
            Layout q = new Layout(new int[] {1, heads, n, d}, new int[] {0, d, 3 * c, 1}, 0);
            Layout kv = new Layout(new int[] {1, heads, keys, d}, new int[] {0, d, c, 1}, 0);
            AttentionGeometry g = new AttentionGeometry(1, heads, n, keys, d, (float) (1 / Math.sqrt(d)), start == 0, q, kv, kv);
            k.attention(g, qkv, l.keys, l.values, null, attended, logSumExp, null);
            k.gemmPacked(n, attended, 0, c, l.projWeight, l.projBias, branch, 0, c);
            add(branch, n * c);
            // x = x + mlp_proj(gelu(c_fc(ln_2(x))))
            k.layerNorm(x, n, c, l.norm2Weight, l.norm2Bias, LAYER_NORM_EPS, normed, mean, invStd);
            k.gemmPacked(n, normed, 0, c, l.upWeight, l.upBias, hidden, 0, 4 * c);
            k.map(UnaryOp.GELU, 0f, 0f, hidden, Layout.contiguous(new int[] {n * 4 * c}), activated);
            k.gemmPacked(n, activated, 0, 4 * c, l.downWeight, l.downBias, branch, 0, c);
            add(branch, n * c);
        }
        // Only the last row's scores are wanted: the final norm and the tied head for it alone.
        float[] last = Arrays.copyOfRange(x, (n - 1) * c, n * c);
        k.layerNorm(last, 1, c, finalNormWeight, finalNormBias, LAYER_NORM_EPS, normed, mean, invStd);
        float[] logits = new float[vocab];
        k.gemmPacked(1, normed, 0, c, head, null, logits, 0, vocab);
        return logits;
    }

    /** {@code x[0..count) += branch[0..count)}: a residual connection. */
    private void add(float[] from, int count) {
        for (int i = 0; i < count; i++) {
            x[i] += from[i];
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
