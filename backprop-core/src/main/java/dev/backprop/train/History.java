package dev.backprop.train;

import dev.backprop.data.BatchSource;
import java.util.List;

/**
 * Every epoch's result of a {@link Trainer#fit} run, in order, whether it stopped early, and how
 * fast it trained.
 */
public record History(List<EpochResult> epochs, boolean stoppedEarly, Speed speed) {
    public History {
        epochs = List.copyOf(epochs);
    }

    public EpochResult last() {
        return epochs.get(epochs.size() - 1);
    }

    /**
     * Training speed in the source's unit, validation and checkpoints excluded: {@code average}
     * over every step of this run, {@code steady} over the steps after the first
     * {@code warmupSteps} (while the JIT compiles the step, it runs slower), NaN when the run took
     * no step after those.
     */
    public record Speed(BatchSource.Unit unit, double seconds, double average, double steady, long warmupSteps) {
    }
}
