package dev.backprop.train;

import java.nio.file.Path;

/**
 * When {@link Trainer#fit} writes checkpoints: into {@code directory}, after every
 * {@code everySteps} batches (0: only at the end of each epoch) and at the end of every epoch,
 * keeping the newest {@code keep} files. Each is written atomically (a temporary file, forced to
 * disk, then renamed), so a run killed at any moment leaves only whole checkpoints behind.
 */
public record Checkpointing(Path directory, int everySteps, int keep) {
    /** No checkpoints. */
    public static final Checkpointing OFF = new Checkpointing(null, 0, 0);

    public Checkpointing {
        if (directory != null && (everySteps < 0 || keep < 1)) {
            throw new IllegalArgumentException("Checkpointing: everySteps must be >= 0 and keep >= 1, got "
                    + everySteps + " and " + keep);
        }
    }

    /** Checkpoints into {@code directory} every epoch (and every {@code everySteps} batches when above 0), keeping 3. */
    public static Checkpointing into(Path directory, int everySteps) {
        return new Checkpointing(directory, everySteps, 3);
    }

    public boolean enabled() {
        return directory != null;
    }
}
