package dev.backprop.train;

import java.util.List;

/** Every epoch's result of a {@link Trainer#fit} run, in order, and whether it stopped early. */
public record History(List<EpochResult> epochs, boolean stoppedEarly) {
    public History {
        epochs = List.copyOf(epochs);
    }

    public EpochResult last() {
        return epochs.get(epochs.size() - 1);
    }
}
