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
     * {@code [batch, heads, seq, d]}); with {@code causal}, position i attends only to j <= i.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, boolean causal) {
        if (q.rank() < 2 || !q.shape().equals(k.shape()) || k.size(-2) != v.size(-2)) {
            throw new ShapeException("scaledDotProductAttention: query " + q.shape() + ", key " + k.shape() + " and value "
                    + v.shape() + " must be [..., seq, dim] with equal query and key shapes and as many values as keys");
        }
        int d = q.size(-1);
        Tensor scores = q.matmul(k.transpose(-2, -1)).mul((float) (1 / Math.sqrt(d)));
        if (causal) {
            int lq = q.size(-2);
            int lk = k.size(-2);
            float[] mask = new float[lq * lk];
            for (int i = 0; i < lq; i++) {
                for (int j = i + 1; j < lk; j++) {
                    mask[i * lk + j] = Float.NEGATIVE_INFINITY;
                }
            }
            scores = scores.add(Tensor.fromArray(mask, lq, lk));
        }
        return scores.softmax(-1).matmul(v);
    }
}
