package dev.backprop.train;

import dev.backprop.nn.functional.Losses;
import dev.backprop.nn.functional.Reduction;
import dev.backprop.tensor.Tensor;

/** The loss a trainer minimises: a scalar from the model's output and the batch's targets. */
@FunctionalInterface
public interface LossFunction {
    Tensor apply(Tensor output, Tensor target);

    /** Cross-entropy of logits against class indices: the usual classification loss. */
    static LossFunction crossEntropy() {
        return Losses::crossEntropy;
    }

    /**
     * Cross-entropy against targets smoothed by {@code labelSmoothing}: {@code 1 - eps} on the true class and
     * {@code eps} spread over all classes (Szegedy et al. 2016, PyTorch's {@code label_smoothing}); 0 is
     * {@link #crossEntropy()}.
     */
    static LossFunction crossEntropy(float labelSmoothing) {
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        return labelSmoothing == 0f ? crossEntropy()
                : (output, target) -> Losses.crossEntropy(output, target, Reduction.MEAN, labelSmoothing);
    }

    /**
     * Mean squared error for regression; a {@code [N, 1]} output is compared with {@code [N]}
     * targets column by column.
     */
    static LossFunction mse() {
        return (output, target) -> Losses.mse(output.rank() == 2 && target.rank() == 1 && output.size(1) == 1
                ? output.reshape(-1) : output, target);
    }

    /**
     * Cross-entropy of a language model's next-token scores {@code [B, T, V]} against the next
     * tokens {@code [B * T]} (or {@code [B, T]}): the mean over every position.
     */
    static LossFunction tokenCrossEntropy() {
        return (output, target) -> Losses.crossEntropy(output.reshape(-1, output.size(-1)), target.reshape(-1));
    }
}
