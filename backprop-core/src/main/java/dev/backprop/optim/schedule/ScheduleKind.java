package dev.backprop.optim.schedule;

import java.util.Locale;

/**
 * The per-epoch learning-rate schedules a run can name as a value, each fitted to a number of
 * epochs and a peak rate: constant, step (a tenth every third of the run), exponential (to a
 * hundredth), cosine, warm-up (linear from a tenth over the first fifth) and one-cycle.
 *
 * <pre>{@code
 * LrSchedule s = ScheduleKind.ONECYCLE.create(30, 3e-3);
 * }</pre>
 */
public enum ScheduleKind {
    CONSTANT, STEP, EXPONENTIAL, COSINE, WARMUP, ONECYCLE;

    /** This schedule for a run of {@code epochs} epochs at (peak) rate {@code lr}. */
    public LrSchedule create(int epochs, double lr) {
        return switch (this) {
            case CONSTANT -> LrSchedule.constant();
            case STEP -> new StepLR(Math.max(1, epochs / 3), 0.1);
            case EXPONENTIAL -> new ExponentialLR(Math.pow(0.01, 1.0 / Math.max(1, epochs)));
            case COSINE -> new CosineAnnealingLR(epochs, 0);
            case WARMUP -> new LinearLR(0.1, 1.0, Math.max(1, epochs / 5));
            case ONECYCLE -> new OneCycleLR(lr, Math.max(2, epochs));
        };
    }

    /** Lower case, as typed on the command line. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind called {@code name} (any case), or an error listing the choices. */
    public static ScheduleKind of(String name) {
        for (ScheduleKind k : values()) {
            if (k.name().equalsIgnoreCase(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown schedule '" + name + "'; choose one of "
                + java.util.Arrays.toString(values()));
    }
}
