package dev.backprop.optim.schedule;

import dev.backprop.optim.Optimizer;

/**
 * Cuts the rate by {@code factor} when a monitored metric has not improved for more than
 * {@code patience} checks, as PyTorch's {@code ReduceLROnPlateau} (relative threshold mode, no
 * cooldown). Unlike the closed-form schedules it keeps state: call {@link #observe} once per epoch.
 */
public final class ReduceLROnPlateau {
    /** Whether lower (a loss) or higher (an accuracy) metric values are better. */
    public enum Mode { MIN, MAX }

    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final double minLr;
    private double best;
    private int badChecks;

    /** PyTorch's defaults: factor 0.1, patience 10, threshold 1e-4, minLr 0. */
    public ReduceLROnPlateau(Mode mode) {
        this(mode, 0.1, 10, 1e-4, 0);
    }

    public ReduceLROnPlateau(Mode mode, double factor, int patience, double threshold, double minLr) {
        if (!(factor > 0 && factor < 1) || patience < 0 || threshold < 0 || minLr < 0) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in (0, 1), patience,"
                    + " threshold and minLr >= 0; got " + factor + ", " + patience + ", " + threshold + ", " + minLr);
        }
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.minLr = minLr;
        this.best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** Records this epoch's metric and lowers the optimizer's rate when it has plateaued; true if lowered. */
    public boolean observe(Optimizer optimizer, double metric) {
        boolean improved = mode == Mode.MIN ? metric < best * (1 - threshold) : metric > best * (1 + threshold);
        if (improved) {
            best = metric;
            badChecks = 0;
            return false;
        }
        if (++badChecks > patience) {
            badChecks = 0;
            double lowered = Math.max(optimizer.lr() * factor, minLr);
            if (optimizer.lr() - lowered > 1e-8) {
                optimizer.setLr(lowered);
                return true;
            }
        }
        return false;
    }
}
