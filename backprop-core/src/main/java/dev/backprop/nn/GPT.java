package dev.backprop.nn;

import dev.backprop.nn.init.Init;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * A GPT language model (Radford et al. 2018, 2019) over token indices: token and learned
 * position embeddings, {@code layers} {@link TransformerBlock}s (exact GELU), a final LayerNorm,
 * and an output head tied to the token embedding (logits = x wte^T), so the embedding learns from
 * both ends; the tied matrix starts with the head's Linear initialisation. Inputs {@code [B, T]} with T at most the context length {@code block}; outputs
 * {@code [B, T, vocab]}: at every position, the scores of the next token. With {@code dropout},
 * the embedding sum and each block's residual branches are dropped out while training.
 * {@link #decoder()} generates text with a key/value cache ({@link GptDecoder}, on plain arrays).
 */
public final class GPT extends Module {

    /** The architecture: vocabulary size, blocks, attention heads, embedding width, context length, dropout. */
    public record Config(int vocab, int layers, int heads, int embd, int block, float dropout) {
        public Config {
            if (vocab <= 0 || layers <= 0 || heads <= 0 || embd <= 0 || block <= 0 || embd % heads != 0) {
                throw new IllegalArgumentException("gpt: vocab, layers, heads, embd and block must be positive and embd a"
                        + " multiple of heads; got vocab " + vocab + ", layers " + layers + ", heads " + heads + ", embd "
                        + embd + ", block " + block);
            }
            if (!(dropout >= 0f && dropout < 1f)) {
                throw new IllegalArgumentException("gpt: dropout must be in [0, 1), got " + dropout);
            }
        }

        /** Without dropout. */
        public Config(int vocab, int layers, int heads, int embd, int block) {
            this(vocab, layers, heads, embd, block, 0f);
        }

        /** Parameters the model has: embeddings, blocks, final norm (the head shares the token embedding). */
        public long parameterCount() {
            long c = embd;
            long block = 2 * c + (c * 3 * c + 3 * c) + (c * c + c) + 2 * c + (c * 4 * c + 4 * c) + (4 * c * c + c);
            return (long) vocab * c + (long) block() * c + layers * block + 2 * c;
        }
    }

    private final Config config;
    private final Embedding wte;
    private final Embedding wpe;
    private final Sequential blocks;
    private final LayerNorm lnF;
    private final Module embeddingDropout;

    public GPT(Config config, Generator generator) {
        this.config = config;
        wte = registerModule("wte", new Embedding(config.vocab(), config.embd(), generator));
        // The output head is a bias-free Linear(embd, vocab) whose weight the token embedding shares,
        // tied head-first as nanoGPT ties them, so the shared matrix starts as PyTorch starts a Linear:
        // U(+-1/sqrt(embd)). (An embedding's N(0, 1) would give initial logits of standard deviation
        // sqrt(embd) and a first loss near 80 instead of ln(vocab).)
        Init.kaimingUniform(wte.weight(), (float) Math.sqrt(5), Init.FanMode.FAN_IN, generator);
        wpe = registerModule("wpe", new Embedding(config.block(), config.embd(), generator));
        Module[] layers = new Module[config.layers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new TransformerBlock(config.embd(), config.heads(), false, config.dropout(), generator);
        }
        blocks = registerModule("blocks", new Sequential(layers));
        lnF = registerModule("ln_f", new LayerNorm(config.embd()));
        embeddingDropout = config.dropout() > 0
                ? registerModule("drop", new Dropout(config.dropout(), new Generator(generator.nextLong()))) : new Identity();
    }

    public Config config() {
        return config;
    }

    @Override
    public Tensor forward(Tensor tokens) {
        if (tokens.rank() != 2) {
            throw new ShapeException("GPT: tokens must be [batch, length], got " + tokens.shape());
        }
        int t = tokens.size(1);
        if (t > config.block()) {
            throw new ShapeException("GPT: a context of " + t + " tokens is longer than the model's " + config.block()
                    + "; keep the last " + config.block());
        }
        Tensor x = lnF.forward(blocks.forward(embed(tokens, 0)));
        return x.matmul(wte.weight().transpose(0, 1));
    }

    /** Token plus position embeddings of {@code tokens [B, n]} at positions {@code start .. start + n}. */
    private Tensor embed(Tensor tokens, int start) {
        Tensor positions = Tensor.arange(start, start + tokens.size(1), 1);
        return embeddingDropout.forward(wte.forward(tokens).add(wpe.forward(positions)));
    }

    /** A text generator over this model that caches keys and values between tokens. */
    public GptDecoder decoder() {
        return new GptDecoder(this);
    }

    @Override
    public String toString() {
        return "GPT(" + config + ")";
    }
}
