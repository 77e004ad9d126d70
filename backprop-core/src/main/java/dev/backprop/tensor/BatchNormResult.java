package dev.backprop.tensor;

/**
 * What training-mode batch normalisation ({@link Tensor#batchNormTraining}) gives: the normalised
 * output (recorded for backward) and the batch's per-channel mean and biased variance {@code [C]}
 * (not recorded), from which running estimates are updated.
 */
public record BatchNormResult(Tensor output, Tensor mean, Tensor variance) {
}
