package dev.backprop.nn;

import dev.backprop.nn.functional.Normalization;
import dev.backprop.tensor.Tensor;

/**
 * Batch normalisation over the channels of {@code [N, C]} (PyTorch's {@code BatchNorm1d}) or
 * {@code [N, C, H, W]} ({@code BatchNorm2d}) input: in training, normalises with the batch
 * statistics and updates running estimates with {@code momentum}; in evaluation, uses the running
 * estimates. The affine weight starts at 1 and the bias at 0; the running mean, variance and
 * batch count are buffers named as PyTorch names them.
 */
public final class BatchNorm extends Module {
    private final int channels;
    private final float momentum;
    private final float eps;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor batchesTracked;

    /** PyTorch's defaults: momentum 0.1, eps 1e-5, affine. */
    public BatchNorm(int channels) {
        this(channels, 0.1f, 1e-5f);
    }

    public BatchNorm(int channels, float momentum, float eps) {
        if (channels <= 0 || !(momentum >= 0 && momentum <= 1) || !(eps > 0)) {
            throw new IllegalArgumentException("BatchNorm: channels must be positive, momentum in [0, 1] and eps positive;"
                    + " got " + channels + ", " + momentum + ", " + eps);
        }
        this.channels = channels;
        this.momentum = momentum;
        this.eps = eps;
        this.weight = registerParameter("weight", Tensor.ones(channels));
        this.bias = registerParameter("bias", Tensor.zeros(channels));
        this.runningMean = registerBuffer("running_mean", Tensor.zeros(channels));
        this.runningVar = registerBuffer("running_var", Tensor.ones(channels));
        this.batchesTracked = registerBuffer("num_batches_tracked", Tensor.zeros());
    }

    @Override
    public Tensor forward(Tensor input) {
        return forward(input, false);
    }

    /**
     * {@link #forward} then ReLU: in training one op, one pass over the values forward and two back
     * (the two ops take four and five), the same numbers. {@link Sequential} runs a batch norm
     * followed by a ReLU this way.
     */
    public Tensor forwardRelu(Tensor input) {
        return forward(input, true);
    }

    private Tensor forward(Tensor input, boolean relu) {
        if (input.rank() < 2 || input.size(1) != channels) {
            throw new dev.backprop.tensor.ShapeException(this + ": input of shape " + input.shape()
                    + " does not fit: expected [N, " + channels + ", ...]");
        }
        if (isTraining()) {
            try (var scope = dev.backprop.tensor.GradMode.noGrad()) {
                batchesTracked.addInPlace(Tensor.scalar(1f));
            }
        }
        return Normalization.batchNorm(input, runningMean, runningVar, weight, bias, isTraining(), momentum, eps, relu);
    }

    @Override
    public String toString() {
        return "BatchNorm(" + channels + ")";
    }
}
