package dev.backprop.conformance;

import java.util.Locale;

/**
 * How close a float32 result must be to PyTorch's float64 value:
 * {@code |ours - ref| <= absolute + relative * |ref|}. The reference README asks for about 1e-5
 * relative, and 1e-4 for long chains (conv, normalisation, attention, multi-step trajectories).
 */
public record Tolerance(double absolute, double relative) {
    /** Single ops. */
    public static final Tolerance OP = new Tolerance(1e-6, 1e-5);
    /** Long chains of float32 arithmetic. */
    public static final Tolerance CHAIN = new Tolerance(1e-5, 1e-4);

    /** The worst violation as a message, or null when every value is within tolerance. */
    String compare(String what, float[] ours, double[] reference) {
        if (ours.length != reference.length) {
            return what + ": " + ours.length + " values, reference has " + reference.length;
        }
        for (int i = 0; i < ours.length; i++) {
            double err = Math.abs(ours[i] - reference[i]);
            boolean bothNaN = Double.isNaN(ours[i]) && Double.isNaN(reference[i]);
            if (!bothNaN && !(err <= absolute + relative * Math.abs(reference[i]))) {
                return String.format(Locale.ROOT, "%s[%d]: got %.9g, PyTorch %.9g (error %.3g)",
                        what, i, ours[i], reference[i], err);
            }
        }
        return null;
    }

    static double maxError(float[] ours, double[] reference) {
        double worst = 0;
        for (int i = 0; i < Math.min(ours.length, reference.length); i++) {
            worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
        }
        return worst;
    }
}
