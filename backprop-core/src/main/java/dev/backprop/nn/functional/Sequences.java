package dev.backprop.nn.functional;

import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * Functional forms of the sequence-model building blocks, with PyTorch's definitions: embedding
 * lookup and scaled dot-product attention. Both are compositions of differentiable ops (index
 * select; matmul, softmax), so their gradients follow by the chain rule.
 */
public final class Sequences {
    private Sequences() {
    }

    /**
     * Rows of {@code weight [V, D]} at {@code indices} (any shape, whole numbers in [0, V)),
     * giving {@code indices.shape + [D]}; the gradient adds into the rows that were read.
     */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        if (weight.rank() != 2) {
            throw new ShapeException("embedding: weight must be [vocabulary, dim], got " + weight.shape());
        }
        int[] dims = java.util.Arrays.copyOf(indices.shape().dims(), indices.rank() + 1);
        dims[indices.rank()] = weight.size(1);
        return weight.indexSelect(0, indices.reshape(-1)).reshape(dims);
    }

    /**
     * {@code softmax(Q K^T / sqrt(d) + mask) V} over {@code [..., seq, d]} tensors (e.g.
     * {@code [batch, heads, seq, d]}); with {@code causal}, position i attends only to j &lt;= i.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, boolean causal) {
        return scaledDotProductAttention(q, k, v, null, causal);
    }

    /**
     * Attention as above whose keys may be padding: {@code keyPadding [batch, keys]} is nonzero where
     * a key is padding and must be ignored (inputs then {@code [batch, heads, seq, d]} or
     * {@code [batch, seq, d]}). Runs as one fused op (see {@link Tensor#scaledDotProductAttention});
     * leading dimensions other than batch and heads are flattened into the batch.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor keyPadding, boolean causal) {
        if (q.rank() < 2 || q.rank() != k.rank() || q.rank() != v.rank()) {
            throw new ShapeException("scaledDotProductAttention: query " + q.shape() + ", key " + k.shape() + " and value "
                    + v.shape() + " must be [..., seq, dim] of one rank");
        }
        if (q.rank() == 4) {
            return q.scaledDotProductAttention(k, v, keyPadding, causal);
        }
        if (keyPadding != null && q.rank() != 3) {
            throw new ShapeException("scaledDotProductAttention: a key padding mask needs [batch, heads, seq, dim] or"
                    + " [batch, seq, dim] inputs, got query " + q.shape());
        }
        int[] outDims = q.shape().dims().clone();
        outDims[outDims.length - 1] = v.size(-1);
        Tensor y = asBatchHeads(q).scaledDotProductAttention(asBatchHeads(k), asBatchHeads(v), keyPadding, causal);
        return y.reshape(outDims);
    }

    /**
     * Multi-head self-attention over a packed projection {@code qkv [B, T, 3 C]} (as a transformer's
     * c_attn or in_proj makes), heads merged in the result {@code [B, T, C]}: the same values as
     * {@link #splitHeads}, {@link #scaledDotProductAttention} and {@link #mergeHeads}, as one op
     * (see {@link Tensor#packedSelfAttention}). {@code keyPadding [B, T]} may be null.
     */
    public static Tensor selfAttention(Tensor qkv, int heads, Tensor keyPadding, boolean causal) {
        return qkv.packedSelfAttention(heads, keyPadding, causal);
    }

    /**
     * Splits a packed projection {@code [B, T, 3 C]} (query, key, value side by side, as a
     * transformer's c_attn or in_proj makes) into three {@code [B, heads, T, C / heads]} views,
     * without copying: the fused attention reads them in place.
     */
    public static Tensor[] splitHeads(Tensor qkv, int heads) {
        if (qkv.rank() != 3 || qkv.size(2) % (3 * heads) != 0) {
            throw new ShapeException("splitHeads: a packed projection must be [batch, length, 3 x width] with the width a"
                    + " multiple of " + heads + " heads, got " + qkv.shape());
        }
        int b = qkv.size(0);
        int t = qkv.size(1);
        int width = qkv.size(2) / 3;
        Tensor[] out = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            out[i] = qkv.narrow(2, i * width, width).reshape(b, t, heads, width / heads).transpose(1, 2);
        }
        return out;
    }

    /** The inverse of the head split for one tensor: {@code [B, heads, T, D]} to {@code [B, T, heads x D]}. */
    public static Tensor mergeHeads(Tensor y) {
        return y.transpose(1, 2).reshape(y.size(0), y.size(2), y.size(1) * y.size(3));
    }

    /** {@code [..., L, D]} as {@code [batch, 1, L, D]}, with every leading dimension in the batch. */
    private static Tensor asBatchHeads(Tensor t) {
        return t.reshape(-1, 1, t.size(-2), t.size(-1));
    }

    /**
     * Stacks token sequences of one length into a {@code [batch, length]} tensor; sequences of
     * different lengths are refused, naming them, since attention over them needs padding and a mask
     * ({@link #padded}).
     */
    public static Tensor batch(java.util.List<int[]> sequences) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("batch: no sequences");
        }
        int length = sequences.get(0).length;
        for (int i = 1; i < sequences.size(); i++) {
            if (sequences.get(i).length != length) {
                throw new ShapeException("batch: sequence " + i + " has " + sequences.get(i).length + " tokens and"
                        + " sequence 0 has " + length + "; sequences of different lengths need padding and a mask:"
                        + " use Sequences.padded(sequences, padToken) and pass its mask as the key padding");
            }
        }
        float[] tokens = new float[sequences.size() * length];
        for (int i = 0; i < sequences.size(); i++) {
            for (int t = 0; t < length; t++) {
                tokens[i * length + t] = sequences.get(i)[t];
            }
        }
        return Tensor.fromArray(tokens, sequences.size(), length);
    }

    /** Sequences padded to one length: tokens {@code [batch, maxLength]} and a mask that is 1 at padding. */
    public record PaddedBatch(Tensor tokens, Tensor padding) {
    }

    /** Pads each sequence at the end with {@code padToken} to the longest length; the mask marks the padding. */
    public static PaddedBatch padded(java.util.List<int[]> sequences, int padToken) {
        int length = 0;
        for (int[] s : sequences) {
            length = Math.max(length, s.length);
        }
        float[] tokens = new float[sequences.size() * length];
        float[] mask = new float[tokens.length];
        for (int i = 0; i < sequences.size(); i++) {
            int[] s = sequences.get(i);
            for (int t = 0; t < length; t++) {
                tokens[i * length + t] = t < s.length ? s[t] : padToken;
                mask[i * length + t] = t < s.length ? 0f : 1f;
            }
        }
        return new PaddedBatch(Tensor.fromArray(tokens, sequences.size(), length),
                Tensor.fromArray(mask, sequences.size(), length));
    }
}
