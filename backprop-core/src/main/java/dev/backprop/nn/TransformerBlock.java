package dev.backprop.nn;

import dev.backprop.nn.functional.Sequences;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * A GPT-2 style transformer block (Radford et al. 2019): pre-LayerNorm, causal multi-head
 * self-attention and an MLP, each added back to its input:
 * <pre>
 *   x = x + dropout(c_proj(attention(ln_1(x))))       q, k, v = split(c_attn(.)) in that order, heads of C / heads
 *   x = x + dropout(mlp_proj(gelu(c_fc(ln_2(x)))))    hidden width 4 C; GELU exact or its tanh form
 * </pre>
 * Inputs {@code [B, T, C]}; parameter names are those of the reference block
 * ({@code ln_1, c_attn, c_proj, ln_2, c_fc, mlp_proj}), so its weights load directly. Attention runs
 * as one fused op; dropout (when asked for) applies to each residual branch, not inside attention.
 */
public final class TransformerBlock extends Module {
    private final int width;
    private final int heads;
    private final LayerNorm ln1;
    private final Linear attn;
    private final Linear proj;
    private final LayerNorm ln2;
    private final Linear fc;
    private final Linear mlpProj;
    private final boolean tanhGelu;
    private final Module attnDropout;
    private final Module mlpDropout;

    /** A block with GELU's tanh approximation, as GPT-2. */
    public TransformerBlock(int width, int heads, Generator generator) {
        this(width, heads, true, 0f, generator);
    }

    /** A block whose MLP uses GELU's tanh approximation ({@code tanhGelu}) or the exact GELU. */
    public TransformerBlock(int width, int heads, boolean tanhGelu, Generator generator) {
        this(width, heads, tanhGelu, 0f, generator);
    }

    /** As above, with {@code dropout} on both residual branches while training. */
    public TransformerBlock(int width, int heads, boolean tanhGelu, float dropout, Generator generator) {
        if (width <= 0 || heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("TransformerBlock: width " + width + " must be a positive multiple of heads " + heads);
        }
        this.width = width;
        this.heads = heads;
        this.tanhGelu = tanhGelu;
        ln1 = registerModule("ln_1", new LayerNorm(width));
        attn = registerModule("c_attn", new Linear(width, 3 * width, generator));
        proj = registerModule("c_proj", new Linear(width, width, generator));
        ln2 = registerModule("ln_2", new LayerNorm(width));
        fc = registerModule("c_fc", new Linear(width, 4 * width, generator));
        mlpProj = registerModule("mlp_proj", new Linear(4 * width, width, generator));
        attnDropout = dropout > 0 ? registerModule("attn_dropout", new Dropout(dropout, new Generator(generator.nextLong()))) : new Identity();
        mlpDropout = dropout > 0 ? registerModule("mlp_dropout", new Dropout(dropout, new Generator(generator.nextLong()))) : new Identity();
    }

    @Override
    public Tensor forward(Tensor x) {
        return forwardCached(x, null);
    }

    /**
     * The block over {@code x [1, n, C]}, the next n positions of one sequence, reusing and extending
     * the keys and values of the earlier positions held in {@code cache} (which must be empty when
     * n > 1): the same result as running the whole sequence, computing only the new rows. Without a
     * cache (null) this is {@link #forward}.
     */
    Tensor forwardCached(Tensor x, KvCache.Layer cache) {
        checkInput(x);
        x = x.add(attnDropout.forward(proj.forward(attention(ln1.forward(x), cache, x.size(1)))));
        Tensor hidden = fc.forward(ln2.forward(x));
        return x.add(mlpDropout.forward(mlpProj.forward(tanhGelu ? hidden.geluTanh() : hidden.gelu())));
    }

    private Tensor attention(Tensor normed, KvCache.Layer cache, int added) {
        if (cache == null) {
            return Sequences.selfAttention(attn.forward(normed), heads, null, true);
        }
        Tensor[] qkv = Sequences.splitHeads(attn.forward(normed), heads);
        Tensor k = qkv[1];
        Tensor v = qkv[2];
        // The new query rows see every cached key; with an empty cache the new rows are the whole
        // sequence and attend causally among themselves.
        boolean causal = cache.length() == 0;
        Tensor[] kv = cache.append(k, v, added);
        k = kv[0];
        v = kv[1];
        return Sequences.mergeHeads(Sequences.scaledDotProductAttention(qkv[0], k, v, causal));
    }

    private void checkInput(Tensor x) {
        if (x.rank() != 3 || x.size(2) != width) {
            throw new ShapeException(this + ": input of shape " + x.shape() + " does not fit: expected [batch, tokens, " + width + "]");
        }
    }

    @Override
    public String toString() {
        return "TransformerBlock(" + width + ", heads=" + heads + ")";
    }
}
