package dev.backprop.optim;

import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.util.List;

/** Gradient clipping before an optimizer step, as PyTorch's {@code clip_grad_norm_} and {@code clip_grad_value_}. */
public final class GradClip {
    private GradClip() {
    }

    /**
     * Scales all gradients together so that their global L2 norm is at most {@code maxNorm}
     * (factor {@code maxNorm / (norm + 1e-6)} when above), and returns the norm before clipping.
     */
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("clipGradNorm: maxNorm must be positive, got " + maxNorm);
        }
        double sumSquares = 0;
        for (Tensor p : params) {
            if (p.grad() != null) {
                sumSquares += p.grad().sumOfSquares();
            }
        }
        double norm = Math.sqrt(sumSquares);
        double factor = maxNorm / (norm + 1e-6);
        if (factor < 1) {
            try (var scope = GradMode.noGrad()) {
                for (Tensor p : params) {
                    if (p.grad() != null) {
                        p.grad().mulInPlace((float) factor);
                    }
                }
            }
        }
        return norm;
    }

    /** Clamps every gradient element into {@code [-clip, clip]}. */
    public static void clipGradValue(List<Tensor> params, double clip) {
        if (!(clip > 0)) {
            throw new IllegalArgumentException("clipGradValue: clip must be positive, got " + clip);
        }
        try (var scope = GradMode.noGrad()) {
            for (Tensor p : params) {
                if (p.grad() != null) {
                    p.grad().copyInPlace(p.grad().clamp((float) -clip, (float) clip));
                }
            }
        }
    }
}
