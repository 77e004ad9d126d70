package dev.backprop.backend.reference;

import dev.backprop.backend.AdamStep;
import dev.backprop.backend.AttentionGeometry;
import dev.backprop.backend.Backend;
import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.ConvGeometry;
import dev.backprop.backend.Im2colConvolution;
import dev.backprop.backend.Layout;
import dev.backprop.backend.PackedMatrix;
import dev.backprop.backend.ReduceOp;
import dev.backprop.backend.UnaryOp;

/**
 * Plain loops, one element at a time: the executable specification of every kernel. Faster
 * backends must agree with it within float32 rounding. Strided access walks the layout with an
 * odometer over all dimensions but the last ({@link StridedWalk}).
 */
public final class ReferenceBackend implements Backend {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public void parallel(int parts, java.util.function.IntConsumer body) {
        for (int i = 0; i < parts; i++) {
            body.accept(i);
        }
    }

    @Override
    public int parallelism() {
        return 1;
    }

    @Override
    public void copy(float[] src, Layout from, float[] dst, int dstOffset) {
        StridedWalk walk = new StridedWalk(from.shape(), from.strides(), from.offset());
        int inner = walk.innerSize();
        int innerStride = walk.innerStride();
        int out = dstOffset;
        for (int row = 0, rows = walk.rows(); row < rows; row++) {
            int p = walk.rowStart(row);
            for (int j = 0; j < inner; j++, p += innerStride) {
                dst[out++] = src[p];
            }
        }
    }

    @Override
    public void map(UnaryOp op, float alpha, float beta, float[] src, Layout from, float[] dst) {
        StridedWalk walk = new StridedWalk(from.shape(), from.strides(), from.offset());
        int inner = walk.innerSize();
        int innerStride = walk.innerStride();
        int out = 0;
        for (int row = 0, rows = walk.rows(); row < rows; row++) {
            int p = walk.rowStart(row);
            for (int j = 0; j < inner; j++, p += innerStride) {
                dst[out++] = op.apply(src[p], alpha, beta);
            }
        }
    }

    @Override
    public void mapWithDerivative(UnaryOp op, float[] src, Layout from, float[] dst, float[] derivative) {
        StridedWalk walk = new StridedWalk(from.shape(), from.strides(), from.offset());
        int inner = walk.innerSize();
        int innerStride = walk.innerStride();
        int out = 0;
        for (int row = 0, rows = walk.rows(); row < rows; row++) {
            int p = walk.rowStart(row);
            for (int j = 0; j < inner; j++, p += innerStride, out++) {
                dst[out] = op.apply(src[p], 0f, 0f);
                derivative[out] = op.derivative(src[p], 0f, 0f);
            }
        }
    }

    @Override
    public void zip(BinaryOp op, float[] a, Layout la, float[] b, Layout lb, float[] dst) {
        StridedWalk wa = new StridedWalk(la.shape(), la.strides(), la.offset());
        StridedWalk wb = new StridedWalk(lb.shape(), lb.strides(), lb.offset());
        int inner = wa.innerSize();
        int sa = wa.innerStride();
        int sb = wb.innerStride();
        int out = 0;
        for (int row = 0, rows = wa.rows(); row < rows; row++) {
            int pa = wa.rowStart(row);
            int pb = wb.rowStart(row);
            for (int j = 0; j < inner; j++, pa += sa, pb += sb) {
                dst[out++] = op.apply(a[pa], b[pb]);
            }
        }
    }

    @Override
    public void select(float[] cond, Layout lc, float[] a, Layout la, float[] b, Layout lb, float[] dst) {
        StridedWalk wc = new StridedWalk(lc.shape(), lc.strides(), lc.offset());
        StridedWalk wa = new StridedWalk(la.shape(), la.strides(), la.offset());
        StridedWalk wb = new StridedWalk(lb.shape(), lb.strides(), lb.offset());
        int inner = wc.innerSize();
        int out = 0;
        for (int row = 0, rows = wc.rows(); row < rows; row++) {
            int pc = wc.rowStart(row);
            int pa = wa.rowStart(row);
            int pb = wb.rowStart(row);
            for (int j = 0; j < inner; j++) {
                dst[out++] = cond[pc] != 0f ? a[pa] : b[pb];
                pc += wc.innerStride();
                pa += wa.innerStride();
                pb += wb.innerStride();
            }
        }
    }

    @Override
    public void reduceRows(ReduceOp op, float[] src, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            dst[r] = switch (op) {
                case SUM -> sum(src, base, cols);
                case MAX -> src[base + extremeIndex(src, base, cols, true)];
                case MIN -> src[base + extremeIndex(src, base, cols, false)];
                case ARGMAX -> extremeIndex(src, base, cols, true);
                case ARGMIN -> extremeIndex(src, base, cols, false);
            };
        }
    }

    /** Sums in double so that the reference is at least as accurate as any float32 kernel. */
    private static float sum(float[] src, int base, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += src[base + j];
        }
        return (float) s;
    }

    /** First index of the largest (or smallest) value; the first NaN wins, as in PyTorch. */
    private static int extremeIndex(float[] src, int base, int n, boolean largest) {
        int best = 0;
        float bestValue = src[base];
        for (int j = 1; j < n && !Float.isNaN(bestValue); j++) {
            float v = src[base + j];
            if (Float.isNaN(v) || (largest ? v > bestValue : v < bestValue)) {
                best = j;
                bestValue = v;
            }
        }
        return best;
    }

    @Override
    public void maxPool2x2(float[] x, int planes, int h, int w, float[] y) {
        int ho = h / 2;
        int wo = w / 2;
        for (int plane = 0; plane < planes; plane++) {
            for (int oh = 0; oh < ho; oh++) {
                int top = plane * h * w + 2 * oh * w;
                for (int ow = 0; ow < wo; ow++) {
                    int i = top + 2 * ow;
                    float upper = Math.max(x[i], x[i + 1]);
                    float lower = Math.max(x[i + w], x[i + w + 1]);
                    y[(plane * ho + oh) * wo + ow] = Math.max(upper, lower);
                }
            }
        }
    }

    @Override
    public void maxPool2x2Backward(float[] x, float[] y, float[] g, int planes, int h, int w, float[] dx) {
        int ho = h / 2;
        int wo = w / 2;
        java.util.Arrays.fill(dx, 0, planes * h * w, 0f);
        for (int plane = 0; plane < planes; plane++) {
            for (int oh = 0; oh < ho; oh++) {
                int top = plane * h * w + 2 * oh * w;
                for (int ow = 0; ow < wo; ow++) {
                    int o = (plane * ho + oh) * wo + ow;
                    int i = top + 2 * ow;
                    int where = holdsMax(x[i], y[o]) ? i
                            : holdsMax(x[i + 1], y[o]) ? i + 1
                            : holdsMax(x[i + w], y[o]) ? i + w
                            : i + w + 1;
                    dx[where] = g[o];
                }
            }
        }
    }

    /** Whether a window's element is its maximum: equal to it, or NaN where the maximum is NaN. */
    private static boolean holdsMax(float v, float max) {
        return v == max || (Float.isNaN(v) && Float.isNaN(max));
    }

    @Override
    public void sumColumns(float[] src, int offset, int rows, int cols, float[] dst) {
        double[] acc = new double[cols];
        for (int r = 0; r < rows; r++) {
            int base = offset + r * cols;
            for (int c = 0; c < cols; c++) {
                acc[c] += src[base + c];
            }
        }
        for (int c = 0; c < cols; c++) {
            dst[c] = (float) acc[c];
        }
    }

    @Override
    public double sumOfSquares(float[] src, int offset, int n) {
        double sum = 0;
        for (int i = offset; i < offset + n; i++) {
            float square = src[i] * src[i];
            sum += square;
        }
        return sum;
    }

    @Override
    public void softmaxCrossEntropy(float[] x, int rows, int classes, int[] targets, float smoothing,
                                    float[] probabilities, float[] loss) {
        ReferenceCrossEntropy.forward(x, rows, classes, targets, smoothing, probabilities, loss);
    }

    @Override
    public void softmaxCrossEntropyBackward(float[] probabilities, int rows, int classes, int[] targets, float smoothing,
                                            float[] dLoss, float[] dx) {
        ReferenceCrossEntropy.backward(probabilities, rows, classes, targets, smoothing, dLoss, dx);
    }

    @Override
    public void layerNorm(float[] x, int rows, int width, float[] weight, float[] bias, float eps,
                          float[] y, float[] mean, float[] invStd) {
        ReferenceLayerNorm.forward(x, rows, width, weight, bias, eps, y, mean, invStd);
    }

    @Override
    public void layerNormBackward(float[] dy, float[] x, float[] mean, float[] invStd, float[] weight, int rows, int width,
                                  float[] dx, float[] dWeight, float[] dBias) {
        ReferenceLayerNorm.backward(dy, x, mean, invStd, weight, rows, width, dx, dWeight, dBias);
    }

    @Override
    public void batchNorm(float[] x, int n, int channels, int inner, float[] weight, float[] bias, float eps,
                          boolean relu, float[] y, float[] mean, float[] variance, float[] invStd) {
        ReferenceBatchNorm.forward(x, n, channels, inner, weight, bias, eps, relu, y, mean, variance, invStd);
    }

    @Override
    public void batchNormInference(float[] x, int n, int channels, int inner, float[] mean, float[] variance,
                                   float[] weight, float[] bias, float eps, float[] y) {
        ReferenceBatchNorm.inference(x, n, channels, inner, mean, variance, weight, bias, eps, y);
    }

    @Override
    public void batchNormBackward(float[] dy, float[] x, float[] mean, float[] invStd, float[] weight, float[] bias,
                                  boolean relu, int n, int channels, int inner, float[] dx, float[] dWeight,
                                  float[] dBias) {
        ReferenceBatchNorm.backward(dy, x, mean, invStd, weight, bias, relu, n, channels, inner, dx, dWeight, dBias);
    }

    @Override
    public void gemm(int m, int n, int k,
                     float[] a, int aOffset, int aRowStride, int aColStride,
                     float[] b, int bOffset, int bRowStride, int bColStride,
                     float[] c, int cOffset, int ldc, boolean accumulate) {
        if (bColStride != 1 && n > 1) {
            // Walk B row by row: copy a transposed B into row-major order once, O(k n) next to O(m n k).
            float[] packed = new float[k * n];
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) {
                    packed[p * n + j] = b[bOffset + p * bRowStride + j * bColStride];
                }
            }
            b = packed;
            bOffset = 0;
            bRowStride = n;
            bColStride = 1;
        }
        for (int i = 0; i < m; i++) {
            int cRow = cOffset + i * ldc;
            if (!accumulate) {
                java.util.Arrays.fill(c, cRow, cRow + n, 0f);
            }
            for (int p = 0; p < k; p++) {
                float aip = a[aOffset + i * aRowStride + p * aColStride];
                int bRow = bOffset + p * bRowStride;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += aip * b[bRow + j * bColStride];
                }
            }
        }
    }

    @Override
    public void gemmBias(int m, int n, int k,
                         float[] a, int aOffset, int aRowStride, int aColStride,
                         float[] b, int bOffset, int bRowStride, int bColStride,
                         float[] bias, float[] c, int cOffset, int ldc) {
        for (int i = 0; i < m; i++) {
            System.arraycopy(bias, 0, c, cOffset + i * ldc, n);
        }
        gemm(m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, c, cOffset, ldc, true);
    }

    /** The reference's packed matrix: B copied row-major. */
    private record RowMajor(int rows, int columns, float[] data) implements PackedMatrix {
    }

    @Override
    public PackedMatrix pack(int k, int n, float[] b, int offset, int rowStride, int colStride) {
        float[] data = new float[k * n];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                data[p * n + j] = b[offset + p * rowStride + j * colStride];
            }
        }
        return new RowMajor(k, n, data);
    }

    @Override
    public void gemmPacked(int m, float[] a, int aOffset, int aRowStride, PackedMatrix b, float[] bias,
                           float[] c, int cOffset, int ldc) {
        if (!(b instanceof RowMajor rm)) {
            throw new IllegalArgumentException("gemmPacked: the matrix was packed by another backend ("
                    + b.getClass().getName() + "); pack it again with this one");
        }
        int n = rm.columns();
        for (int i = 0; i < m; i++) {
            int row = cOffset + i * ldc;
            if (bias == null) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else {
                System.arraycopy(bias, 0, c, row, n);
            }
        }
        gemm(m, n, rm.rows(), a, aOffset, aRowStride, 1, rm.data(), 0, n, 1, c, cOffset, ldc, true);
    }

    @Override
    public void gather(float[] src, Layout from, int dim, int[] index, int[] indexShape, float[] dst) {
        int[] strides = from.strides();
        int[] coord = new int[indexShape.length];
        for (int pos = 0; pos < index.length; pos++) {
            int p = from.offset();
            for (int d = 0; d < coord.length; d++) {
                p += (d == dim ? index[pos] : coord[d]) * strides[d];
            }
            dst[pos] = src[p];
            StridedWalk.advance(coord, indexShape);
        }
    }

    @Override
    public void scatterAdd(float[] dst, int[] dstShape, int dim, int[] index, int[] indexShape,
                           float[] src, Layout from) {
        int[] dstStrides = Layout.contiguousStrides(dstShape);
        int[] coord = new int[indexShape.length];
        for (int pos = 0; pos < index.length; pos++) {
            int q = 0;
            int p = from.offset();
            for (int d = 0; d < coord.length; d++) {
                q += (d == dim ? index[pos] : coord[d]) * dstStrides[d];
                p += coord[d] * from.strides()[d];
            }
            dst[q] += src[p];
            StridedWalk.advance(coord, indexShape);
        }
    }

    @Override
    public void adam(AdamStep step, float[] param, float[] grad, float[] m, float[] v, float[] vMax, int offset, int n) {
        step.applyRange(param, grad, m, v, vMax, offset, offset + n);
    }

    @Override
    public void conv2d(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        Im2colConvolution.forward(this, g, x, w, bias, y);
    }

    @Override
    public void conv2dBackwardInput(ConvGeometry g, float[] dy, float[] w, float[] dx) {
        Im2colConvolution.backwardInput(this, g, dy, w, dx);
    }

    @Override
    public void conv2dBackwardWeight(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        Im2colConvolution.backwardWeight(this, g, x, dy, dw);
    }

    @Override
    public void attention(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                          float[] logSumExp, float[] probabilities) {
        ReferenceAttention.forward(g, q, k, v, keyPadding, out, logSumExp);
    }

    @Override
    public void attentionBackward(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                                  float[] logSumExp, float[] probabilities, float[] dOut, float[] dq, float[] dk,
                                  float[] dv) {
        ReferenceAttention.backward(g, q, k, v, keyPadding, out, logSumExp, dOut, dq, dk, dv);
    }
}
