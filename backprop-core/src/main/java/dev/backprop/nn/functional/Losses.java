package dev.backprop.nn.functional;

import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * Loss functions with PyTorch's definitions and defaults (mean reduction). Each is written with
 * differentiable tensor operations, so its gradient is the chain rule through them; the
 * classification losses go through {@code logSoftmax} and the logit losses through
 * {@code softplus}, which keeps them numerically stable for large logits.
 *
 * <pre>{@code
 * Tensor loss = Losses.crossEntropy(logits, labels);   // logits [N, C], labels [N] of class indices
 * loss.backward();
 * }</pre>
 */
public final class Losses {
    private Losses() {
    }

    /** Mean squared error {@code (input - target)^2}. */
    public static Tensor mse(Tensor input, Tensor target) {
        return mse(input, target, Reduction.MEAN);
    }

    public static Tensor mse(Tensor input, Tensor target, Reduction reduction) {
        requireSameShape("mse", input, target);
        Tensor d = input.sub(target);
        return reduce(d.mul(d), reduction);
    }

    /** Mean absolute error {@code |input - target|}. */
    public static Tensor l1(Tensor input, Tensor target, Reduction reduction) {
        requireSameShape("l1", input, target);
        return reduce(input.sub(target).abs(), reduction);
    }

    /**
     * Huber loss: {@code 0.5 d^2} where {@code |d| < delta}, else {@code delta (|d| - 0.5 delta)};
     * quadratic near zero, linear (robust to outliers) beyond.
     */
    public static Tensor huber(Tensor input, Tensor target, float delta, Reduction reduction) {
        requireSameShape("huber", input, target);
        if (!(delta > 0f)) {
            throw new IllegalArgumentException("huber: delta must be positive, got " + delta);
        }
        Tensor d = input.sub(target);
        Tensor a = d.abs();
        Tensor quadratic = d.mul(d).mul(0.5f);
        Tensor linear = a.sub(0.5f * delta).mul(delta);
        return reduce(Tensor.where(a.lt(Tensor.scalar(delta)), quadratic, linear), reduction);
    }

    /** Cross-entropy of logits {@code [N, C]} against class indices {@code [N]}, averaged. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return crossEntropy(logits, target, Reduction.MEAN, 0f);
    }

    /**
     * Cross-entropy from logits {@code [N, C]} (or {@code [N, C, d1, ...]}). The target is either
     * class indices of shape {@code [N]} (or {@code [N, d1, ...]}), or class probabilities with the
     * logits' shape. With label smoothing {@code eps}, the target puts {@code 1 - eps} on the true
     * class and spreads {@code eps} evenly over all C classes (Szegedy et al. 2016, as in PyTorch).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction, float labelSmoothing) {
        if (logits.rank() < 2) {
            throw new ShapeException("crossEntropy: logits need shape [N, C] (or [N, C, ...]), got " + logits.shape());
        }
        if (labelSmoothing < 0f || labelSmoothing > 1f) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        int classes = logits.size(1);
        if (logits.rank() == 2 && target.rank() == 1 && target.size(0) == logits.size(0)) {
            return reduce(logits.softmaxCrossEntropy(target, labelSmoothing), reduction);   // the fused op
        }
        Tensor logp = logits.logSoftmax(1);
        Tensor perSample;
        if (target.shape().equals(logits.shape())) {
            Tensor soft = labelSmoothing == 0f ? target : target.mul(1f - labelSmoothing).add(labelSmoothing / classes);
            perSample = soft.mul(logp).sum(1, false).neg();
        } else {
            Tensor nll = pickClass("crossEntropy", logp, target).neg();
            perSample = labelSmoothing == 0f ? nll
                    : nll.mul(1f - labelSmoothing).sub(logp.mean(1, false).mul(labelSmoothing));
        }
        return reduce(perSample, reduction);
    }

    /** Negative log-likelihood of log-probabilities {@code [N, C]} at class indices {@code [N]}. */
    public static Tensor nll(Tensor logProbabilities, Tensor target, Reduction reduction) {
        if (logProbabilities.rank() < 2) {
            throw new ShapeException("nll: log-probabilities need shape [N, C], got " + logProbabilities.shape());
        }
        return reduce(pickClass("nll", logProbabilities, target).neg(), reduction);
    }

    /** Binary cross-entropy of probabilities in [0, 1]; logs are clamped at -100 as in PyTorch. */
    public static Tensor binaryCrossEntropy(Tensor probabilities, Tensor target, Reduction reduction) {
        requireSameShape("binaryCrossEntropy", probabilities, target);
        Tensor logP = probabilities.log().clamp(-100f, Float.NaN);
        Tensor log1mP = probabilities.neg().add(1f).log().clamp(-100f, Float.NaN);
        Tensor perElement = target.mul(logP).add(target.neg().add(1f).mul(log1mP)).neg();
        return reduce(perElement, reduction);
    }

    /**
     * Binary cross-entropy from logits, {@code softplus(x) - x y}: the same value as
     * {@code binaryCrossEntropy(sigmoid(x), y)} without overflow for large |x|.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor target, Reduction reduction) {
        requireSameShape("binaryCrossEntropyWithLogits", logits, target);
        return reduce(logits.softplus(1f, 20f).sub(logits.mul(target)), reduction);
    }

    /** {@code logp[n, target[n]]} (and per position for extra dims), with the classes in dimension 1. */
    private static Tensor pickClass(String op, Tensor logp, Tensor target) {
        int[] expected = logp.shape().dims();
        int[] want = new int[expected.length - 1];
        want[0] = expected[0];
        System.arraycopy(expected, 2, want, 1, expected.length - 2);
        if (!target.shape().equals(dev.backprop.tensor.Shape.of(want))) {
            throw new ShapeException(op + ": target of shape " + target.shape() + " does not fit input of shape "
                    + logp.shape() + "; expected class indices of shape " + java.util.Arrays.toString(want));
        }
        return logp.gather(1, target.unsqueeze(1)).squeeze(1);
    }

    static Tensor reduce(Tensor perElement, Reduction reduction) {
        return switch (reduction) {
            case NONE -> perElement;
            case MEAN -> perElement.mean();
            case SUM -> perElement.sum();
        };
    }

    private static void requireSameShape(String op, Tensor input, Tensor target) {
        if (!input.shape().equals(target.shape())) {
            throw new ShapeException(op + ": input of shape " + input.shape() + " and target of shape "
                    + target.shape() + " differ; they must match");
        }
    }
}
