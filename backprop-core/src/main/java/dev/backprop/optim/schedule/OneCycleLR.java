package dev.backprop.optim.schedule;

/**
 * The one-cycle policy (Smith and Topin 2019) with cosine annealing, as PyTorch's two-phase
 * {@code OneCycleLR}: from {@code maxLr / divFactor} up to {@code maxLr} over the first
 * {@code pctStart} of {@code totalSteps}, then down to {@code maxLr / (divFactor * finalDivFactor)}
 * at the last step. It ignores the optimizer's base rate.
 */
public record OneCycleLR(double maxLr, int totalSteps, double pctStart, double divFactor, double finalDivFactor)
        implements LrSchedule {

    public OneCycleLR {
        if (!(maxLr > 0) || totalSteps < 2 || !(pctStart > 0 && pctStart < 1) || !(divFactor > 0) || !(finalDivFactor > 0)) {
            throw new IllegalArgumentException("OneCycleLR: needs maxLr > 0, totalSteps >= 2, pctStart in (0, 1)"
                    + " and positive factors; got " + maxLr + ", " + totalSteps + ", " + pctStart + ", "
                    + divFactor + ", " + finalDivFactor);
        }
    }

    /** PyTorch's defaults: 30% warm-up, divFactor 25, finalDivFactor 1e4. */
    public OneCycleLR(double maxLr, int totalSteps) {
        this(maxLr, totalSteps, 0.3, 25, 1e4);
    }

    @Override
    public double lr(double baseLr, int t) {
        LrSchedule.requireStep("OneCycleLR", t);
        if (t >= totalSteps) {
            throw new IllegalArgumentException("OneCycleLR: step " + t + " is past totalSteps " + totalSteps);
        }
        double initial = maxLr / divFactor;
        double last = initial / finalDivFactor;
        double peakStep = pctStart * totalSteps - 1;
        if (t <= peakStep) {
            return cosine(initial, maxLr, t / peakStep);
        }
        return cosine(maxLr, last, (t - peakStep) / (totalSteps - 1 - peakStep));
    }

    private static double cosine(double from, double to, double fraction) {
        return to + (from - to) / 2 * (1 + Math.cos(Math.PI * fraction));
    }
}
