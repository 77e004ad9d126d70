package dev.backprop.nn;

import dev.backprop.nn.functional.Sequences;
import dev.backprop.nn.init.Init;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * Multi-head self-attention over {@code [batch, length, width]} (PyTorch's
 * {@code nn.MultiheadAttention} with {@code batch_first=True}, query = key = value): one packed
 * projection {@code in_proj_weight [3 width, width]} and {@code in_proj_bias} give q, k and v, each
 * split into {@code heads} heads; the fused attention runs over them, optionally causal and with a
 * key padding mask; {@code out_proj} maps the merged heads back. Parameter names and initialisation
 * (Xavier-uniform in-projection, zero biases) are PyTorch's, so its state dicts load.
 */
public final class MultiHeadAttention extends Module {
    private final int width;
    private final int heads;
    private final boolean causal;
    private final Tensor inWeight;
    private final Tensor inBias;
    private final Linear outProj;

    public MultiHeadAttention(int width, int heads, boolean causal, Generator generator) {
        if (width <= 0 || heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("MultiHeadAttention: width " + width + " must be a positive multiple of heads "
                    + heads);
        }
        this.width = width;
        this.heads = heads;
        this.causal = causal;
        inWeight = registerParameter("in_proj_weight", Init.xavierUniform(Tensor.zeros(3 * width, width), 1f, generator));
        inBias = registerParameter("in_proj_bias", Tensor.zeros(3 * width));
        outProj = registerModule("out_proj", new Linear(width, width, generator));
        Init.zeros(outProj.namedParameters().get("bias"));
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /**
     * Attention of every position over the sequence; {@code keyPadding [batch, length]} (or null) is
     * nonzero at padding positions, which no query attends to.
     */
    public Tensor forward(Tensor x, Tensor keyPadding) {
        if (x.rank() != 3 || x.size(2) != width) {
            throw new ShapeException(this + ": input of shape " + x.shape() + " does not fit: expected [batch, length, "
                    + width + "]");
        }
        return outProj.forward(Sequences.selfAttention(x.linear(inWeight, inBias), heads, keyPadding, causal));
    }

    @Override
    public String toString() {
        return "MultiHeadAttention(" + width + ", heads=" + heads + (causal ? ", causal" : "") + ")";
    }
}
