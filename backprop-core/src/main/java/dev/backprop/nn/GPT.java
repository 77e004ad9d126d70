package dev.backprop.nn;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * A GPT language model (Radford et al. 2018, 2019) over token indices: token and learned
 * position embeddings, {@code layers} {@link TransformerBlock}s (exact GELU), a final LayerNorm,
 * and an output head tied to the token embedding (logits = x wte^T), so the embedding learns from
 * both ends. Inputs {@code [B, T]} with T at most the context length {@code block}; outputs
 * {@code [B, T, vocab]}: at every position, the scores of the next token.
 */
public final class GPT extends Module {

    /** The architecture: vocabulary size, blocks, attention heads, embedding width, context length. */
    public record Config(int vocab, int layers, int heads, int embd, int block) {
        public Config {
            if (vocab <= 0 || layers <= 0 || heads <= 0 || embd <= 0 || block <= 0 || embd % heads != 0) {
                throw new IllegalArgumentException("gpt: vocab, layers, heads, embd and block must be positive and embd a"
                        + " multiple of heads; got vocab " + vocab + ", layers " + layers + ", heads " + heads + ", embd "
                        + embd + ", block " + block);
            }
        }
    }

    private final Config config;
    private final Embedding wte;
    private final Embedding wpe;
    private final Sequential blocks;
    private final LayerNorm lnF;

    public GPT(Config config, Generator generator) {
        this.config = config;
        wte = registerModule("wte", new Embedding(config.vocab(), config.embd(), generator));
        wpe = registerModule("wpe", new Embedding(config.block(), config.embd(), generator));
        Module[] layers = new Module[config.layers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new TransformerBlock(config.embd(), config.heads(), false, generator);
        }
        blocks = registerModule("blocks", new Sequential(layers));
        lnF = registerModule("ln_f", new LayerNorm(config.embd()));
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
        Tensor positions = Tensor.arange(t);
        Tensor x = wte.forward(tokens).add(wpe.forward(positions));
        x = lnF.forward(blocks.forward(x));
        return x.matmul(wte.weight().transpose(0, 1));
    }

    @Override
    public String toString() {
        return "GPT(" + config + ")";
    }
}
