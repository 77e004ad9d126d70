package dev.backprop.nn;

import dev.backprop.nn.functional.Sequences;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * A lookup table {@code weight [num, dim]} (PyTorch's {@code nn.Embedding}, initialised from a
 * standard normal): indices of any shape give {@code indices.shape + [dim]}. With a padding index,
 * that row starts at zero and receives no gradient, so padding tokens stay zero vectors.
 */
public final class Embedding extends Module {
    private final int num;
    private final int dim;
    private final int paddingIndex;
    private final Tensor weight;

    public Embedding(int num, int dim, Generator generator) {
        this(num, dim, -1, generator);
    }

    /** {@code paddingIndex} in {@code [0, num)}, or -1 for none. */
    public Embedding(int num, int dim, int paddingIndex, Generator generator) {
        if (num <= 0 || dim <= 0 || paddingIndex < -1 || paddingIndex >= num) {
            throw new IllegalArgumentException("Embedding: num and dim must be positive and the padding index in [0, "
                    + num + ") or -1; got " + num + ", " + dim + ", " + paddingIndex);
        }
        this.num = num;
        this.dim = dim;
        this.paddingIndex = paddingIndex;
        Tensor w = Tensor.randn(generator, num, dim);
        if (paddingIndex >= 0) {
            float[] v = w.toFloatArray();
            java.util.Arrays.fill(v, paddingIndex * dim, (paddingIndex + 1) * dim, 0f);
            w = Tensor.fromArray(v, num, dim);
        }
        this.weight = registerParameter("weight", w);
    }

    public Tensor weight() {
        return weight;
    }

    @Override
    public Tensor forward(Tensor indices) {
        float[] idx = indices.toFloatArray();
        for (int i = 0; i < idx.length; i++) {
            if (!(idx[i] >= 0 && idx[i] < num) || idx[i] != Math.rint(idx[i])) {
                throw new ShapeException(this + ": index " + idx[i] + " at position " + i + " of indices " + indices.shape()
                        + " is not a whole number in [0, " + num + ")");
            }
        }
        Tensor out = Sequences.embedding(indices, weight);
        if (paddingIndex < 0) {
            return out;
        }
        // Padding positions are multiplied by 0, so no gradient reaches their row.
        Tensor keep = indices.ne(Tensor.scalar(paddingIndex)).unsqueeze(-1);
        return out.mul(keep);
    }

    @Override
    public String toString() {
        return "Embedding(" + num + ", " + dim + (paddingIndex >= 0 ? ", padding " + paddingIndex : "") + ")";
    }
}
