package dev.backprop.cli;

import dev.backprop.data.BatchSource;
import dev.backprop.report.TrainingRecorder;
import dev.backprop.train.Evaluation;
import dev.backprop.train.FitConfig;
import dev.backprop.train.Trainer;
import dev.backprop.train.Validation;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What {@code train} runs for one kind of model, set up from the options and the data: the trainer,
 * its batches, validation and loop settings for the one training loop, and what the run reports
 * and saves at the end. {@link TrainCommand} adds what every kind shares (progress, early stopping,
 * checkpoints and resumption, the NaN policy, anomaly detection, the report and the dashboard).
 */
interface TrainingJob {
    Trainer trainer();

    BatchSource source();

    /** The validation after each epoch, or null when the run holds none out. */
    Validation validation();

    /** The loop's settings before the options every kind shares are applied. */
    FitConfig config();

    /** What early stopping watches. */
    Evaluation.Metric monitor();

    /** A recorder for {@code --report}, with this kind's probe. */
    TrainingRecorder recorder();

    /** Writes the report of the finished run into {@code dir} and returns its page. */
    Path writeReport(Path dir, TrainingRecorder recorder) throws IOException;

    /** Prints the result of the finished run (its test or validation figures) and saves the model into {@code out} (may be null). */
    void finish(Path out) throws IOException;
}
