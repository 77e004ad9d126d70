package dev.backprop.train;

import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * A change to the parameters' gradients after backward and before the optimizer step, made in
 * place. The {@link Trainer} runs its transforms at this one point of every step, in the order
 * they were added and before the clipping of {@link FitConfig#clipNorm()}: summing gradients across
 * workers is a transform, so a distributed trainer is this loop with one more transform.
 *
 * <pre>{@code
 * trainer.addGradientTransform(params -> GradClip.clipGradValue(params, 0.5));
 * }</pre>
 */
@FunctionalInterface
public interface GradientTransform {
    /** Changes the gradients of {@code parameters} (those of the optimizer) in place. */
    void apply(List<Tensor> parameters);
}
