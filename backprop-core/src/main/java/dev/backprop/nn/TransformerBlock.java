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
        checkInput(x);
        x = x.add(attnDropout.forward(proj.forward(Sequences.selfAttention(attn.forward(ln1.forward(x)), heads, null, true))));
        Tensor hidden = fc.forward(ln2.forward(x));
        return x.add(mlpDropout.forward(mlpProj.forward(tanhGelu ? hidden.geluTanh() : hidden.gelu())));
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
