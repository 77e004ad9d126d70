package dev.backprop.backend;

/**
 * The shape of one batched scaled dot-product attention for the fused kernels: {@code batch x heads}
 * independent problems, each {@code queries} query rows against {@code keys} key and value rows of
 * width {@code dim}. Query, key and value are read through their {@code [B, H, L, D]} layouts (the
 * last stride must be 1, so the per-head slices of one packed projection are read in place); scores
 * are scaled by {@code scale}; with {@code causal}, query i sees keys 0..i (PyTorch's top-left
 * alignment). Outputs are written contiguous in {@code [B, L, H, D]} order, so merging the heads
 * afterwards needs no copy; gradients too, or, with {@code gradientsLikeInputs}, each at its input's
 * positions in its array (a packed QKV projection's gradient is then written in place, all three
 * into one array).
 */
public record AttentionGeometry(int batch, int heads, int queries, int keys, int dim, float scale, boolean causal,
                                Layout query, Layout key, Layout value, boolean gradientsLikeInputs) {

    /** Gradients written contiguous in {@code [B, L, H, D]} order. */
    public AttentionGeometry(int batch, int heads, int queries, int keys, int dim, float scale, boolean causal,
                             Layout query, Layout key, Layout value) {
        this(batch, heads, queries, keys, dim, scale, causal, query, key, value, false);
    }

    public AttentionGeometry {
        for (Layout l : new Layout[] {query, key, value}) {
            if (l.rank() != 4 || l.strides()[3] != 1) {
                throw new IllegalArgumentException("attention: layouts must be [B, H, L, D] with a unit last stride, got "
                        + java.util.Arrays.toString(l.shape()) + " strides " + java.util.Arrays.toString(l.strides()));
            }
        }
    }

    /** Start of row {@code i} of (b, h) in {@code l}. */
    public int row(Layout l, int b, int h, int i) {
        int[] s = l.strides();
        return l.offset() + b * s[0] + h * s[1] + i * s[2];
    }

    /** Start of row {@code i} of (b, h) in an output or gradient laid out {@code [B, rows, H, D]}. */
    public int packedRow(int rows, int b, int h, int i) {
        return ((b * rows + i) * heads + h) * dim;
    }

    /** Start of row {@code i} of (b, h) of the query's gradient. */
    public int queryGradientRow(int b, int h, int i) {
        return gradientsLikeInputs ? row(query, b, h, i) : packedRow(queries, b, h, i);
    }

    /** Start of row {@code j} of (b, h) of the key's gradient. */
    public int keyGradientRow(int b, int h, int j) {
        return gradientsLikeInputs ? row(key, b, h, j) : packedRow(keys, b, h, j);
    }

    /** Start of row {@code j} of (b, h) of the value's gradient. */
    public int valueGradientRow(int b, int h, int j) {
        return gradientsLikeInputs ? row(value, b, h, j) : packedRow(keys, b, h, j);
    }

    /** Distance between consecutive rows of the query's gradient. */
    public int queryGradientStride() {
        return gradientsLikeInputs ? query.strides()[2] : heads * dim;
    }

    /** Distance between consecutive rows of the key's gradient. */
    public int keyGradientStride() {
        return gradientsLikeInputs ? key.strides()[2] : heads * dim;
    }

    /** Distance between consecutive rows of the value's gradient. */
    public int valueGradientStride() {
        return gradientsLikeInputs ? value.strides()[2] : heads * dim;
    }

    /** One past the last key that query {@code i} may see. */
    public int keyEnd(int i) {
        return causal ? Math.min(i + 1, keys) : keys;
    }
}
