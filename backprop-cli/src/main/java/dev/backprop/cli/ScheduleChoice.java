package dev.backprop.cli;

import dev.backprop.optim.schedule.CosineAnnealingLR;
import dev.backprop.optim.schedule.ExponentialLR;
import dev.backprop.optim.schedule.LinearLR;
import dev.backprop.optim.schedule.LrSchedule;
import dev.backprop.optim.schedule.OneCycleLR;
import dev.backprop.optim.schedule.StepLR;

/** The learning-rate schedules {@code --schedule} can name, applied per epoch. */
enum ScheduleChoice {
    CONSTANT, STEP, EXPONENTIAL, COSINE, WARMUP, ONECYCLE;

    LrSchedule create(int epochs, double lr) {
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
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
