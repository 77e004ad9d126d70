package dev.backprop.backend;

import java.util.Arrays;

/**
 * The kernel seam: the few primitive loops every tensor operation is built from. Implementations
 * see flat {@code float[]} buffers with {@link Layout}s, never tensors or the autograd graph, so a
 * faster backend (SIMD, multi-core) replaces inner loops without touching the API or any gradient.
 * Outputs are always written contiguously (row-major) from offset 0 unless an offset is given.
 *
 * <p>{@code reference.ReferenceBackend} is the specification: plain loops that every other
 * backend is tested against.
 */
public interface Backend {

    /** A short name for reports, such as {@code "reference"}. */
    String name();

    /**
     * Runs {@code body} for every part in {@code [0, parts)}, possibly in parallel, and returns when
     * all are done. Parts must write disjoint memory. The reference runs them in order.
     */
    void parallel(int parts, java.util.function.IntConsumer body);

    /** How many parts {@link #parallel} can run at once (1 for the reference). */
    int parallelism();

    /** Copies the elements {@code src} addresses through {@code from} into {@code dst} in row-major order. */
    void copy(float[] src, Layout from, float[] dst, int dstOffset);

    /** {@code dst[i] = op(src[i], alpha, beta)} over {@code from}'s elements in row-major order. */
    void map(UnaryOp op, float alpha, float beta, float[] src, Layout from, float[] dst);

    /**
     * {@link #map} that also writes {@code derivative[i] = op.derivative(x_i)}, both contiguous in
     * the layout's order: one pass over the input, after which the op's backward is a single
     * multiply. For the ops that define {@link UnaryOp#derivative} (GELU).
     */
    void mapWithDerivative(UnaryOp op, float[] src, Layout from, float[] dst, float[] derivative);

    /**
     * {@code dst[i] = op(a[i], b[i])}; both layouts already have the output's shape (broadcast
     * dimensions carry stride 0).
     */
    void zip(BinaryOp op, float[] a, Layout la, float[] b, Layout lb, float[] dst);

    /** {@code dst[i] = cond[i] != 0 ? a[i] : b[i]}; all three layouts have the output's shape. */
    void select(float[] cond, Layout lc, float[] a, Layout la, float[] b, Layout lb, float[] dst);

    /** Reduces each row of the contiguous block {@code src[0 .. rows*cols)} into {@code dst[row]}. */
    void reduceRows(ReduceOp op, float[] src, int rows, int cols, float[] dst);

    /**
     * {@code C[m,n] (+)= sum_p A[m,p] * B[p,n]} with A, B addressed by row and column strides (a
     * transpose is a swap of strides, never a copy) and C row-major with leading dimension
     * {@code ldc}. With {@code accumulate} false, C is overwritten.
     */
    void gemm(int m, int n, int k,
              float[] a, int aOffset, int aRowStride, int aColStride,
              float[] b, int bOffset, int bRowStride, int bColStride,
              float[] c, int cOffset, int ldc, boolean accumulate);

    /**
     * {@code C = A B + 1 bias^T}: {@link #gemm} overwriting C, with {@code bias[j]} added to every row
     * (a dense layer's forward pass; a fast backend adds it in the kernel instead of a pass over C).
     */
    void gemmBias(int m, int n, int k,
                  float[] a, int aOffset, int aRowStride, int aColStride,
                  float[] b, int bOffset, int bRowStride, int bColStride,
                  float[] bias, float[] c, int cOffset, int ldc);

    /**
     * Lays out B {@code [k, n]}, read through its strides ({@code B(p, j) = b[offset + p rowStride +
     * j colStride]}, so a Linear's {@code W^T} is W with the strides swapped), for repeated
     * {@link #gemmPacked} products. A copy: later changes to {@code b} are not seen.
     */
    PackedMatrix pack(int k, int n, float[] b, int offset, int rowStride, int colStride);

    /**
     * {@code C = A B (+ 1 bias^T)} for a B this backend {@linkplain #pack packed}: A's m rows of
     * {@code b.rows()} contiguous floats from {@code aOffset}, {@code aRowStride} apart; C row-major
     * with leading dimension {@code ldc}, overwritten; {@code bias} (b.columns() values) may be null.
     *
     * @throws IllegalArgumentException when {@code b} was packed by another backend
     */
    void gemmPacked(int m, float[] a, int aOffset, int aRowStride, PackedMatrix b, float[] bias,
                    float[] c, int cOffset, int ldc);

    /**
     * Gather along {@code dim}: {@code dst[pos] = src[pos with coordinate dim replaced by index[pos]]},
     * for every position {@code pos} of the contiguous index array of shape {@code indexShape}.
     * Indices are already validated.
     */
    void gather(float[] src, Layout from, int dim, int[] index, int[] indexShape, float[] dst);

    /**
     * Scatter-add along {@code dim}: {@code dst[pos with coordinate dim replaced by index[pos]] += src[pos]},
     * with {@code dst} contiguous of shape {@code dstShape} and {@code src} laid out with
     * {@code indexShape}. Indices are already validated.
     */
    void scatterAdd(float[] dst, int[] dstShape, int dim, int[] index, int[] indexShape,
                    float[] src, Layout from);

    /**
     * {@code dst[rows[i] * width + j] += src[i * width + j]} for i in increasing order and j below width: whole rows of
     * src added to the rows of dst that {@code rows} names, repeats included (an embedding table's gradient from its
     * lookups' gradients). Indices are already validated. This default is the reference; a backend may add a vector
     * at a time or split dst's rows among threads, each entry's sum still taken over i in order.
     */
    default void addRows(float[] dst, int[] rows, float[] src, int width) {
        for (int i = 0; i < rows.length; i++) {
            int to = rows[i] * width;
            int from = i * width;
            for (int j = 0; j < width; j++) {
                dst[to + j] += src[from + j];
            }
        }
    }

    /**
     * {@code dst[dstOffset + i] = (src[srcOffset + i] & 0xff) / divisor} for i below length: unsigned bytes (a dataset's
     * pixels) as floats, each the float division IEEE 754 rounds (for 255, bit for bit what dividing the whole set up
     * front gives). This default is the reference; a backend may convert and divide a vector at a time, with the same
     * bits.
     */
    default void bytesToFloats(byte[] src, int srcOffset, float divisor, float[] dst, int dstOffset, int length) {
        for (int i = 0; i < length; i++) {
            dst[dstOffset + i] = (src[srcOffset + i] & 0xff) / divisor;
        }
    }

    /**
     * 2-D convolution {@code y = conv(x, w) + bias} over contiguous {@code x [N, C, H, W]},
     * {@code w [O, C/groups, kH, kW]} and {@code bias [O]} (may be null), writing {@code y [N, O, Ho, Wo]};
     * {@code g} gives the shapes, stride, padding, dilation and groups.
     */
    void conv2d(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y);

    /**
     * A convolutional block: {@link #conv2d}, then {@link #maxPool2x2} of each output plane, then, when
     * relu is set, ReLU ({@code Math.max(v, 0)}, NaN kept); writes {@code y [N, O, Ho/2, Wo/2]}, and, when
     * {@code winners} is not null (training), which element of each window holds its maximum, all that
     * {@link #conv2dMaxPool2x2Backward} needs of the convolution's output. {@code winners} has the windows'
     * upper rows' layout, {@code [N, O, Ho/2, 2 (Wo/2)]}: 1 where the element of the window's upper row in
     * that column is the first of the window's four (row by row) equal to its maximum before ReLU (0 and -0
     * equal), or where that maximum is NaN its first NaN; 2 where the element below it is; 0 in the other
     * columns. This default composes the three ops and is the reference; a backend may fuse them, so that
     * the convolution's full-size output is never written.
     */
    default void conv2dMaxPool2x2(ConvGeometry g, float[] x, float[] w, float[] bias, boolean relu, float[] y,
                                  float[] winners) {
        int o = w.length / g.colRows();
        float[] conv = new float[g.n() * o * g.ho() * g.wo()];
        conv2d(g, x, w, bias, conv);
        maxPool2x2(conv, g.n() * o, g.ho(), g.wo(), y);
        if (winners != null) {
            // The pooling's own gradient routes a 1 from each window to the element that holds its maximum.
            float[] ones = new float[y.length];
            Arrays.fill(ones, 1f);
            float[] routed = new float[conv.length];
            maxPool2x2Backward(conv, y, ones, g.n() * o, g.ho(), g.wo(), routed);
            int width = 2 * (g.wo() / 2);
            for (int row = 0; row < g.n() * o * (g.ho() / 2); row++) {
                int top = windowRowStart(g, row);
                for (int col = 0; col < width; col++) {
                    float above = routed[top + col];
                    float below = routed[top + g.wo() + col];
                    winners[row * width + col] = above != 0f ? 1f : below != 0f ? 2f : 0f;
                }
            }
        }
        if (relu) {
            for (int i = 0; i < y.length; i++) {
                y[i] = Math.max(y[i], 0f);
            }
        }
    }

    /**
     * The gradients of {@link #conv2dMaxPool2x2} with respect to x and w from {@code gPooled}, the gradient
     * of its pooled output with ReLU's already applied, and the {@code winners} its forward recorded: each
     * window's gradient goes to the element that holds its maximum, every other element of the
     * convolution's output gets 0, and from that output gradient come {@link #conv2dBackwardInput} into
     * {@code dx} and {@link #conv2dBackwardWeight} into {@code dw}, each skipped when null. This default
     * spreads the gradient over a full-size array and calls the two; a backend may place it straight where
     * its convolution's gradients read it.
     */
    default void conv2dMaxPool2x2Backward(ConvGeometry g, float[] x, float[] w, float[] winners, float[] gPooled,
                                          float[] dx, float[] dw) {
        int o = w.length / g.colRows();
        float[] dy = new float[g.n() * o * g.ho() * g.wo()];
        int width = 2 * (g.wo() / 2);
        for (int row = 0; row < g.n() * o * (g.ho() / 2); row++) {
            int top = windowRowStart(g, row);
            for (int col = 0; col < width; col++) {
                float code = winners[row * width + col];
                if (code != 0f) {
                    dy[top + col + (code == 2f ? g.wo() : 0)] = gPooled[row * (width / 2) + col / 2];
                }
            }
        }
        if (dx != null) {
            conv2dBackwardInput(g, dy, w, dx);
        }
        if (dw != null) {
            conv2dBackwardWeight(g, x, dy, dw);
        }
    }

    /**
     * Where the upper row of the {@code row}-th row of 2 x 2 windows starts in the convolution's output
     * {@code [N, O, Ho, Wo]}, the rows of windows counted over all planes ({@code Ho / 2} a plane).
     */
    private static int windowRowStart(ConvGeometry g, int row) {
        int ho = g.ho() / 2;
        return row / ho * g.ho() * g.wo() + 2 * (row % ho) * g.wo();
    }

    /** The convolution's input gradient: writes {@code dx [N, C, H, W]} from {@code dy [N, O, Ho, Wo]}. */
    void conv2dBackwardInput(ConvGeometry g, float[] dy, float[] w, float[] dx);

    /** The convolution's weight gradient: writes {@code dw [O, C/groups, kH, kW]} from {@code x} and {@code dy}. */
    void conv2dBackwardWeight(ConvGeometry g, float[] x, float[] dy, float[] dw);

    /**
     * How many floats {@link #attention} can fill with {@code g}'s probabilities for {@link #attentionBackward} to
     * read rather than recompute, in a layout of the backend's own; 0 where it recomputes them, which this default
     * (and the reference backend) always does.
     */
    default int attentionProbabilities(AttentionGeometry g) {
        return 0;
    }

    /**
     * Fused scaled dot-product attention, {@code softmax(Q K^T scale + mask) V}, without keeping the
     * score matrix: writes {@code out [B, Lq, H, D]} and each query row's log-sum-exp of its scores
     * {@code logSumExp [B, H, Lq]}, all the backward pass needs. {@code keyPadding [B, Lk]} (may be
     * null) masks keys where it is nonzero. A query that sees no key gets zeros and a log-sum-exp of -inf.
     * {@code probabilities} is null, or an array of {@link #attentionProbabilities} floats (when that is not 0)
     * that this call fills for {@link #attentionBackward}.
     */
    void attention(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                   float[] logSumExp, float[] probabilities);

    /**
     * The gradients of {@link #attention} from {@code dOut [B, Lq, H, D]}, recomputing the
     * probabilities from Q, K and the log-sum-exp, or reading them from {@code probabilities} when the
     * forward call was given that array (null otherwise): writes {@code dq [B, Lq, H, D]} and
     * {@code dk}, {@code dv [B, Lk, H, D]}, or, with {@link AttentionGeometry#gradientsLikeInputs},
     * each at its input's positions (then dq, dk and dv may be one array). Every one of those entries is
     * written, whatever it held on entry (a query that sees no key, and a key no query sees, get zeros), so the
     * arrays need not be cleared first; entries at no such position are left as they are.
     */
    void attentionBackward(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                           float[] logSumExp, float[] probabilities, float[] dOut, float[] dq, float[] dk, float[] dv);

    /**
     * Max pooling over 2 x 2 windows with stride 2 and no padding, in training and evaluation
     * (without recording where each maximum came from; backward finds it again): {@code planes}
     * row-major {@code h x w} planes of x into
     * {@code h/2 x w/2} planes of y, a last odd row or column left out; a NaN in a window gives NaN,
     * and of 0 and -0 the maximum is 0, as {@link Math#max} has them.
     */
    void maxPool2x2(float[] x, int planes, int h, int w, float[] y);

    /**
     * The gradient of {@link #maxPool2x2}: for each window, {@code g} of its output goes to the first of its four
     * elements (row by row) equal to the window's maximum {@code y} (0 and -0 equal), or where y is NaN to its
     * first NaN; every other element of dx, and a last odd row or column that no window covers, gets 0. Writes
     * every element of the {@code planes} planes of dx.
     */
    void maxPool2x2Backward(float[] x, float[] y, float[] g, int planes, int h, int w, float[] dx);

    /**
     * Column sums of a row-major {@code [rows, cols]} block from {@code offset}:
     * {@code dst[c] = sum_r src[offset + r cols + c]} (a bias gradient, a sum over leading dimensions).
     */
    void sumColumns(float[] src, int offset, int rows, int cols, float[] dst);

    /**
     * Layer normalisation of {@code rows} contiguous rows of {@code width}: per row
     * {@code xhat = (x - mean) / sqrt(var + eps)} with the biased variance, and
     * {@code y = xhat weight + bias} (weight and bias may be null: 1 and 0). Writes y and each row's
     * {@code mean} and {@code invStd = 1 / sqrt(var + eps)}, from which backward recomputes xhat.
     */
    void layerNorm(float[] x, int rows, int width, float[] weight, float[] bias, float eps,
                   float[] y, float[] mean, float[] invStd);

    /**
     * The gradients of {@link #layerNorm} from {@code dy}, with xhat recomputed from x, mean and
     * invStd and {@code dh = dy weight}: {@code dx = (dh - mean(dh) - xhat mean(dh xhat)) invStd},
     * and the sums over rows {@code dWeight = sum dy xhat}, {@code dBias = sum dy} written into those
     * arrays. Any of dx, dWeight, dBias may be null (not wanted); weight may be null (1).
     */
    void layerNormBackward(float[] dy, float[] x, float[] mean, float[] invStd, float[] weight, int rows, int width,
                           float[] dx, float[] dWeight, float[] dBias);

    /**
     * The sum of the squares of {@code n} contiguous values from {@code offset}: squares in float32 (so a value
     * beyond about 1.8e19 gives infinity, as {@code square().sum()} does), summed in double. The squared L2 norm of
     * a gradient, for clipping by the global norm.
     */
    double sumOfSquares(float[] src, int offset, int n);

    /**
     * Softmax cross-entropy of {@code rows} contiguous rows of {@code classes} logits against class indices
     * {@code targets} (each in {@code [0, classes)}), with label smoothing {@code eps}: per row, with the row's
     * maximum subtracted before the exponentials, {@code probabilities[r, j] = softmax(x[r])_j} and
     * {@code loss[r] = logsumexp(x[r]) - ((1 - eps) x[r, t_r] + eps / classes sum_j x[r, j])}.
     */
    void softmaxCrossEntropy(float[] x, int rows, int classes, int[] targets, float smoothing,
                             float[] probabilities, float[] loss);

    /**
     * The gradient of {@link #softmaxCrossEntropy} with respect to the logits, from the probabilities it wrote and
     * each row's upstream gradient {@code dLoss[r]}: {@code dx[r, j] = dLoss[r] (probabilities[r, j] - q_j)} with
     * {@code q = (1 - eps) onehot(t_r) + eps / classes}.
     */
    void softmaxCrossEntropyBackward(float[] probabilities, int rows, int classes, int[] targets, float smoothing,
                                     float[] dLoss, float[] dx);

    /**
     * Batch normalisation of {@code [n, channels, inner]} (inner: the spatial size, 1 for feature
     * rows): per channel over its {@code n x inner} values, {@code xhat = (x - mean) / sqrt(var + eps)}
     * with the biased variance, and {@code y = xhat weight + bias} (weight and bias may be null: 1
     * and 0). Writes y and each channel's {@code mean}, {@code variance} (biased) and
     * {@code invStd = 1 / sqrt(var + eps)}, from which backward recomputes xhat. With relu, y is
     * ReLU of that (batch norm followed by ReLU in one pass, as {@code nn.Sequential} runs the pair);
     * its zeros and NaN are those of the backend's ReLU over the same values.
     */
    void batchNorm(float[] x, int n, int channels, int inner, float[] weight, float[] bias, float eps, boolean relu,
                   float[] y, float[] mean, float[] variance, float[] invStd);

    /**
     * Batch normalisation with fixed statistics, as in evaluation: per channel of
     * {@code [n, channels, inner]}, {@code y = (x - mean) / sqrt(variance + eps) * weight + bias}
     * (weight and bias may be null: 1 and 0), in one pass over x.
     */
    void batchNormInference(float[] x, int n, int channels, int inner, float[] mean, float[] variance,
                            float[] weight, float[] bias, float eps, float[] y);

    /**
     * The gradients of {@link #batchNorm} from {@code dy}, xhat recomputed, with M = n x inner per
     * channel: {@code dBias = sum dy}, {@code dWeight = sum dy xhat} and
     * {@code dx = weight invStd / M (M dy - sum dy - xhat sum dy xhat)}. Any of dx, dWeight, dBias
     * may be null (not wanted); weight and bias may be null (1 and 0). With relu, the gradients of
     * {@code batchNorm(..., relu = true)}: dy counts only where the normalised value (recomputed from
     * x as the forward computed it, with bias) was not at most 0 (NaN passes), as ReLU's gradient has it.
     */
    void batchNormBackward(float[] dy, float[] x, float[] mean, float[] invStd, float[] weight, float[] bias,
                           boolean relu, int n, int channels, int inner, float[] dx, float[] dWeight, float[] dBias);

    /**
     * One fused Adam/AdamW step over {@code n} contiguous elements from {@code offset}: updates
     * {@code param}, {@code m}, {@code v} (and {@code vMax} when {@code step.amsgrad()}) in place from
     * {@code grad}, element by element as {@link AdamStep#apply} defines.
     */
    void adam(AdamStep step, float[] param, float[] grad, float[] m, float[] v, float[] vMax, int offset, int n);
}
