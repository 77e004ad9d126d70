package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;
import java.util.Arrays;

/**
 * Matrix products with PyTorch's {@code matmul} rules: a 1-D left operand is a row vector and a
 * 1-D right operand a column vector (the added dimension is removed again), and leading batch
 * dimensions broadcast. For {@code C = A B}: {@code dA = dC B^T} and {@code dB = A^T dC}, each
 * summed over batch dimensions that were broadcast. Transposes are stride swaps, never copies; a
 * batch of matrices times one shared matrix is a single product over the stacked rows.
 */
final class MatMul {
    private MatMul() {
    }

    static Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() == 0 || b.rank() == 0) {
            throw new ShapeException("matmul: " + a.shape + " x " + b.shape
                    + ": both operands need at least one dimension; use mul() for scalars");
        }
        Tensor a2 = a.rank() == 1 ? a.unsqueeze(0) : a;
        Tensor b2 = b.rank() == 1 ? b.unsqueeze(1) : b;
        int k = a2.size(-1);
        if (b2.size(-2) != k) {
            throw new ShapeException("matmul: " + a.shape + " x " + b.shape + ": inner dimensions "
                    + k + " and " + b2.size(-2) + " differ");
        }
        Tensor out;
        if (a2.rank() > 2 && b2.rank() == 2) {
            // A matrix shared by every batch element: the batch folds into A's rows, one product
            // instead of one per element (a sequence model's output head).
            int[] dims = a2.shape.dims();
            dims[dims.length - 1] = b2.size(1);
            out = batched(a2.reshape(-1, k), b2).reshape(dims);
        } else {
            out = batched(a2, b2);
        }
        if (a.rank() == 1) {
            out = out.squeeze(-2);
        }
        if (b.rank() == 1) {
            out = out.squeeze(-1);
        }
        return out;
    }

    /** Both operands have rank >= 2 and matching inner dimensions. */
    private static Tensor batched(Tensor a, Tensor b) {
        int m = a.size(-2);
        int k = a.size(-1);
        int n = b.size(-1);
        Shape batchA = Shape.of(Arrays.copyOf(a.shape.raw(), a.rank() - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b.shape.raw(), b.rank() - 2));
        Shape batch = Shape.broadcast("matmul", batchA, batchB);
        int[] outDims = Arrays.copyOf(batch.raw(), batch.rank() + 2);
        outDims[batch.rank()] = m;
        outDims[batch.rank() + 1] = n;
        Tensor ea = Broadcast.to("matmul", a, Shape.of(withMatrix(batch, m, k)));
        Tensor eb = Broadcast.to("matmul", b, Shape.of(withMatrix(batch, k, n)));
        float[] out = StepMemory.forProduct(m * n * batch.numel(), k);
        Backend backend = Backends.active();
        int r = batch.rank();
        int[] coord = new int[r];
        for (int i = 0, count = batch.numel(); i < count; i++) {
            int offA = ea.offset;
            int offB = eb.offset;
            for (int d = 0; d < r; d++) {
                offA += coord[d] * ea.strides[d];
                offB += coord[d] * eb.strides[d];
            }
            backend.gemm(m, n, k,
                    ea.storage.data(), offA, ea.strides[r], ea.strides[r + 1],
                    eb.storage.data(), offB, eb.strides[r], eb.strides[r + 1],
                    out, i * m * n, n, false);
            for (int d = r - 1; d >= 0 && ++coord[d] == batch.raw()[d]; d--) {
                coord[d] = 0;
            }
        }
        Tensor result = Tensor.wrap(out, Shape.of(outDims));
        return Graph.op("matmul", result, a, b).saves(a, b).backward(g -> grads(
                a.requiresGrad() ? Broadcast.sumTo(g.matmul(b.transpose(-1, -2)), a.shape) : null,
                b.requiresGrad() ? Broadcast.sumTo(a.transpose(-1, -2).matmul(g), b.shape) : null));
    }

    private static int[] withMatrix(Shape batch, int rows, int cols) {
        int[] dims = Arrays.copyOf(batch.raw(), batch.rank() + 2);
        dims[batch.rank()] = rows;
        dims[batch.rank() + 1] = cols;
        return dims;
    }
}
