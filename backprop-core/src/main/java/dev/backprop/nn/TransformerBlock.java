package dev.backprop.nn;

import dev.backprop.nn.functional.Sequences;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * A GPT-2 style transformer block (Radford et al. 2019): pre-LayerNorm, causal multi-head
 * self-attention and an MLP, each added back to its input:
 * <pre>
 *   x = x + c_proj(attention(ln_1(x)))          q, k, v = split(c_attn(.)) in that order, heads of C / heads
 *   x = x + mlp_proj(gelu(c_fc(ln_2(x))))        hidden width 4 C; GELU exact or its tanh form
 * </pre>
 * Inputs {@code [B, T, C]}; parameter names are those of the reference block
 * ({@code ln_1, c_attn, c_proj, ln_2, c_fc, mlp_proj}), so its weights load directly.
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

    /** A block with GELU's tanh approximation, as GPT-2. */
    public TransformerBlock(int width, int heads, Generator generator) {
        this(width, heads, true, generator);
    }

    /** A block whose MLP uses GELU's tanh approximation ({@code tanhGelu}) or the exact GELU. */
    public TransformerBlock(int width, int heads, boolean tanhGelu, Generator generator) {
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
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 3 || x.size(2) != width) {
            throw new ShapeException(this + ": input of shape " + x.shape() + " does not fit: expected [batch, tokens, " + width + "]");
        }
        int b = x.size(0);
        int t = x.size(1);
        int hd = width / heads;
        Tensor qkv = attn.forward(ln1.forward(x));
        Tensor q = qkv.narrow(2, 0, width).reshape(b, t, heads, hd).transpose(1, 2);
        Tensor k = qkv.narrow(2, width, width).reshape(b, t, heads, hd).transpose(1, 2);
        Tensor v = qkv.narrow(2, 2 * width, width).reshape(b, t, heads, hd).transpose(1, 2);
        Tensor y = Sequences.scaledDotProductAttention(q, k, v, true).transpose(1, 2).reshape(b, t, width);
        x = x.add(proj.forward(y));
        Tensor hidden = fc.forward(ln2.forward(x));
        return x.add(mlpProj.forward(tanhGelu ? hidden.geluTanh() : hidden.gelu()));
    }

    @Override
    public String toString() {
        return "TransformerBlock(" + width + ", heads=" + heads + ")";
    }
}
