package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;
import dev.backprop.backend.PackedMatrix;

/**
 * The dense layer's affine map as one op, {@code y = x W^T + b} for x {@code [N, in]}, W
 * {@code [out, in]}, b {@code [out]}: one GEMM with the bias added to every row
 * ({@code Backend.gemmBias}), W^T read through strides (W itself too when it is stored input-major, strides
 * {@code [1, out]}: a weight kept so, or the transposed view of an {@code [in, out]} matrix, as ONNX stores a
 * MatMul's weight: no copy). Its gradient is two products and a sum that land in the parameters' own layouts:
 * {@code dx = dy W}, {@code dW = dy^T x} (for an input-major W, {@code dW^T = x^T dy}, written as W is stored) and
 * {@code db} the column sums of dy. Composite forms (matmul, transpose, add) give the same values
 * but leave dW as a transposed view to copy.
 *
 * <p>Without a graph (inference), a weight is multiplied in the backend's packed layout from its
 * second use at the same values on, for up to {@link PackedWeights#MAX_ROWS} rows ({@link PackedWeights}).
 */
final class LinearOps {
    private LinearOps() {
    }

    static Tensor linear(Tensor x, Tensor w, Tensor b) {
        int in = w.size(1);
        int out = w.size(0);
        Tensor x2 = x.rank() == 2 ? x : x.reshape(-1, in);
        int n = x2.size(0);
        float[] y = StepMemory.forProduct(n * out, in);
        Tensor xc = x2.contiguous();
        // W is read through strides: element (o, i) at offset + o * wRow + i * wCol. A transposed view of
        // an [in, out] matrix (an imported MatMul weight) is read in place, like a contiguous [out, in] one.
        boolean transposed = !w.isContiguous() && w.strides[0] == 1 && w.strides[1] == out;
        Tensor wc = transposed ? w : w.contiguous();
        int wRow = transposed ? 1 : in;
        int wCol = transposed ? out : 1;
        Backend k = Backends.active();
        float[] bias = b == null ? null : Creation.readable(b.contiguous());
        PackedMatrix packed = n > 0 && n <= PackedWeights.MAX_ROWS && in > 0 && out > 0 && !GradMode.isEnabled()
                ? PackedWeights.lookup(wc.storage, k, wc.offset, wCol, wRow, in, out) : null;
        if (packed != null) {
            k.gemmPacked(n, xc.storage.data(), xc.offset, in, packed, bias, y, 0, out);
        } else if (bias != null) {
            k.gemmBias(n, out, in, xc.storage.data(), xc.offset, in, 1, wc.storage.data(), wc.offset, wCol, wRow, bias, y, 0,
                    out);
        } else {
            k.gemm(n, out, in, xc.storage.data(), xc.offset, in, 1, wc.storage.data(), wc.offset, wCol, wRow, y, 0, out,
                    false);
        }
        Tensor result = Tensor.wrap(y, Shape.of(n, out));
        Tensor recorded = Graph.op("linear", result, x2, w, b).saves(xc, wc).backward(g -> {
            Tensor gc = g.contiguous();
            Tensor dx = null;
            if (x2.requiresGrad()) {
                float[] d = StepMemory.forProduct(n * in, out);
                k.gemm(n, in, out, gc.storage.data(), gc.offset, out, 1, wc.storage.data(), wc.offset, wRow, wCol, d, 0, in,
                        false);
                dx = Tensor.wrap(d, x2.shape);
            }
            Tensor dw = null;
            if (w.requiresGrad()) {
                float[] d = n == 0 ? StepMemory.zeroed(out * in) : w.gradientBuffer();
                if (transposed) {
                    // dW in W's own order: dW^T = x^T dy, [in, out] row-major, viewed as [out, in]
                    k.gemm(in, out, n, xc.storage.data(), xc.offset, 1, in, gc.storage.data(), gc.offset, out, 1, d, 0,
                            out, false);
                    dw = new Tensor(new Storage(d), w.shape, new int[] {1, out}, 0);
                } else {
                    k.gemm(out, in, n, gc.storage.data(), gc.offset, 1, out, xc.storage.data(), xc.offset, in, 1, d, 0,
                            in, false);
                    dw = Tensor.wrap(d, w.shape);
                }
            }
            Tensor db = null;
            if (b != null && b.requiresGrad()) {
                float[] d = StepMemory.zeroed(out);
                k.sumColumns(gc.storage.data(), gc.offset, n, out, d);
                db = Tensor.wrap(d, b.shape);
            }
            return grads(dx, dw, db);
        });
        if (x.rank() == 2) {
            return recorded;
        }
        int[] dims = x.shape.dims();
        dims[dims.length - 1] = out;
        return recorded.reshape(dims);
    }
}
