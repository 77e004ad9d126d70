package dev.backprop.nn.functional;

import dev.backprop.tensor.BatchNormResult;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * Batch normalisation (Ioffe and Szegedy 2015) and layer normalisation (Ba et al. 2016) with
 * PyTorch's definitions, written with differentiable ops so that their gradients are the chain
 * rule through mean and variance (training-mode batch norm is one fused op, {@code Tensor.batchNormTraining}):
 * {@code y = (x - mean) / sqrt(var + eps) * weight + bias}, with the biased variance.
 */
public final class Normalization {
    private Normalization() {
    }

    /**
     * Batch norm over every dimension but the channel dimension 1 of {@code [N, C]} or
     * {@code [N, C, H, W]}. In training the batch statistics are used and the running estimates
     * are updated in place, {@code r = (1 - momentum) r + momentum s}, with the unbiased variance;
     * in evaluation the running estimates are used. Weight and bias ({@code [C]}) may be null.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, float momentum, float eps) {
        return batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps, false);
    }

    /**
     * {@link #batchNorm(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, float, float)}, then ReLU when
     * relu is set: in training one fused op ({@code Tensor.batchNormReluTraining}), the same numbers
     * as the two ops in two fewer passes over the values each way.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, float momentum, float eps, boolean relu) {
        if (x.rank() < 2) {
            throw new ShapeException("batchNorm: input must be [N, C, ...], got " + x.shape());
        }
        int c = x.size(1);
        int[] stat = new int[x.rank()];
        java.util.Arrays.fill(stat, 1);
        stat[1] = c;
        for (Tensor t : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (t != null && (t.rank() != 1 || t.size(0) != c)) {
                throw new ShapeException("batchNorm: input of shape " + x.shape() + " has " + c
                        + " channels, but a parameter or statistic has shape " + t.shape());
            }
        }
        if (training) {
            int count = x.numel() / c;
            if (count < 2) {
                throw new IllegalArgumentException("batchNorm: training needs more than one value per channel, got input "
                        + x.shape());
            }
            // one fused op, forward and backward
            BatchNormResult r = relu ? x.batchNormReluTraining(weight, bias, eps) : x.batchNormTraining(weight, bias, eps);
            if (runningMean != null && runningVar != null) {
                try (var scope = GradMode.noGrad()) {
                    runningMean.mulInPlace(1f - momentum).addInPlace(r.mean().mul(momentum));
                    runningVar.mulInPlace(1f - momentum).addInPlace(r.variance().mul(momentum * count / (count - 1f)));
                }
            }
            return r.output();
        }
        if (runningMean == null || runningVar == null) {
            throw new IllegalStateException("batchNorm: evaluation mode needs running statistics");
        }
        boolean needsGrad = GradMode.isEnabled() && (x.requiresGrad() || weight != null && weight.requiresGrad()
                || bias != null && bias.requiresGrad());
        if (!needsGrad) {
            Tensor y = x.batchNormInference(runningMean, runningVar, weight, bias, eps);   // one pass instead of four
            return relu ? y.relu() : y;
        }
        Tensor y = x.sub(runningMean.reshape(stat)).div(runningVar.reshape(stat).add(eps).sqrt());
        if (weight != null) {
            y = y.mul(weight.reshape(stat));
        }
        y = bias == null ? y : y.add(bias.reshape(stat));
        return relu ? y.relu() : y;
    }

    /** Layer norm over the last {@code normalizedDims} dimensions; weight and bias have their shape (or are null). */
    public static Tensor layerNorm(Tensor x, int normalizedDims, Tensor weight, Tensor bias, float eps) {
        if (normalizedDims <= 0 || normalizedDims > x.rank()) {
            throw new ShapeException("layerNorm: cannot normalise the last " + normalizedDims + " dimensions of shape "
                    + x.shape());
        }
        int[] dims = new int[normalizedDims];
        for (int i = 0; i < normalizedDims; i++) {
            dims[i] = x.rank() - normalizedDims + i;
        }
        for (Tensor t : new Tensor[] {weight, bias}) {
            for (int i = 0; t != null && i < normalizedDims; i++) {
                if (t.rank() != normalizedDims || t.size(i) != x.size(dims[i])) {
                    throw new ShapeException("layerNorm: parameter of shape " + t.shape() + " does not match the last "
                            + normalizedDims + " dimensions of " + x.shape());
                }
            }
        }
        return x.layerNorm(normalizedDims, weight, bias, eps);
    }
}
