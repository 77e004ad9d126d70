package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backends;

/**
 * Softmax cross-entropy as one op over logits {@code [N, C]} and class indices {@code [N]}: per
 * row, {@code loss = logsumexp(x) - ((1 - eps) x[t] + eps/C sum(x))}, computed with the row
 * maximum subtracted; the gradient is {@code dloss * (softmax(x) - q)} with
 * {@code q = (1 - eps) onehot(t) + eps/C}. One backend kernel each way instead of the chain log_softmax,
 * gather, mean, whose intermediate tensors it never builds.
 */
final class LossOps {
    private LossOps() {
    }

    /** Per-sample losses {@code [N]}. */
    static Tensor softmaxCrossEntropy(Tensor logits, Tensor target, float smoothing) {
        int n = logits.size(0);
        int c = logits.size(1);
        int[] classes = Indexing.toIndices("crossEntropy", target, c, 1, logits.shape);
        float[] x = Creation.readable(logits.contiguous());
        float[] probabilities = StepMemory.uninitialized(n * c);
        float[] loss = StepMemory.uninitialized(n);
        Backends.active().softmaxCrossEntropy(x, n, c, classes, smoothing, probabilities, loss);
        Tensor result = Tensor.wrap(loss, Shape.of(n));
        return Graph.op("cross_entropy", result, logits).backward(g -> {
            float[] d = StepMemory.uninitialized(n * c);
            Backends.active().softmaxCrossEntropyBackward(probabilities, n, c, classes, smoothing, Creation.readable(g), d);
            return grads(Tensor.wrap(d, logits.shape));
        });
    }
}
