package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

/**
 * Softmax and log-softmax along one dimension, computed stably by subtracting the maximum.
 * Gradients: softmax {@code y (g - sum(g y))}; log-softmax {@code g - softmax(x) sum(g)}.
 */
final class SoftmaxOps {
    private SoftmaxOps() {
    }

    static Tensor softmax(Tensor x, int dim) {
        int d = x.shape.normalizeDim("softmax", dim);
        Tensor y;
        try (var scope = GradMode.noGrad()) {
            Tensor e = x.sub(x.amax(new int[] {d}, true)).exp();
            y = e.div(e.sum(d, true));
        }
        Tensor out = y;
        return Graph.op("softmax", out, x).saves(out).backward(g ->
                grads(out.mul(g.sub(g.mul(out).sum(d, true)))));
    }

    static Tensor logSoftmax(Tensor x, int dim) {
        int d = x.shape.normalizeDim("log_softmax", dim);
        Tensor y;
        try (var scope = GradMode.noGrad()) {
            y = x.sub(x.logsumexp(d, true));
        }
        Tensor out = y;
        return Graph.op("log_softmax", out, x).saves(out).backward(g ->
                grads(g.sub(out.exp().mul(g.sum(d, true)))));
    }
}
