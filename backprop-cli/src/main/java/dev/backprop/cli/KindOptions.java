package dev.backprop.cli;

import dev.backprop.nn.Architecture;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The options of {@code train} that only some kinds of model take, in groups (picocli mixins): a
 * group applies to the inputs it names, and a run refuses any option of a group that does not
 * apply to its model's input, with the group's reason. Options outside these groups apply to all.
 */
final class KindOptions {
    private KindOptions() {
    }

    /** A group of options: its mixin name, the inputs it applies to, and why it does not apply elsewhere. */
    enum Group {
        EPOCHS("epochs", EnumSet.of(Architecture.Input.FEATURES, Architecture.Input.IMAGES),
                "they shape training by epochs over a dataset, and a language model trains by steps over random windows"
                        + " of its text"),
        STEPS("steps", EnumSet.of(Architecture.Input.TOKENS),
                "they shape training by steps over random windows of a text, which only language models (gpt) do"),
        IMAGES("images", EnumSet.of(Architecture.Input.IMAGES),
                "they augment images, and only image models (lenet, cnn) read images"),
        CLASSES("classes", EnumSet.of(Architecture.Input.FEATURES, Architecture.Input.IMAGES),
                "it softens a classifier's targets, and a language model trains with its recipe's loss");

        final String mixin;
        final Set<Architecture.Input> inputs;
        final String reason;

        Group(String mixin, Set<Architecture.Input> inputs, String reason) {
            this.mixin = mixin;
            this.inputs = inputs;
            this.reason = reason;
        }
    }

    /** Refuses the options given on the command line whose group does not apply to {@code architecture}'s input. */
    static void refuseOutside(CommandSpec command, Architecture architecture) {
        ParseResult parsed = command.commandLine().getParseResult();
        for (Group g : Group.values()) {
            if (g.inputs.contains(architecture.input())) {
                continue;
            }
            List<String> given = new ArrayList<>();
            for (ArgSpec arg : command.mixins().get(g.mixin).args()) {
                if (arg instanceof OptionSpec o && parsed.hasMatchedOption(o)) {
                    given.add(o.longestName());
                }
            }
            if (!given.isEmpty()) {
                throw new IllegalArgumentException(String.join(", ", given) + ": not for model '" + architecture + "': "
                        + g.reason);
            }
        }
    }

    /** Training by epochs over a dataset (tables and images). */
    static final class Epochs {
        @Option(names = "--epochs", paramLabel = "N", defaultValue = "30", description = "Default: ${DEFAULT-VALUE}.")
        int epochs;

        @Option(names = "--schedule", paramLabel = "NAME", defaultValue = "onecycle",
                description = "learning rate over the run: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
        dev.backprop.optim.schedule.ScheduleKind schedule;

        @Option(names = "--schedule-every", paramLabel = "UNIT", defaultValue = "epoch",
                description = "when the schedule moves the rate: every epoch, or every step (smooth, as PyTorch's"
                        + " OneCycleLR; what short runs of one or two epochs need). With --spark: epoch only."
                        + " Default: ${DEFAULT-VALUE}.")
        dev.backprop.train.FitConfig.ScheduleUnit scheduleEvery;

        @Option(names = "--validation", paramLabel = "FRACTION", defaultValue = "0.1",
                description = "share of the training data held out to validate each epoch (0: none; the test split is"
                        + " only used once, at the end). Default: ${DEFAULT-VALUE}.")
        double validation;

        @Option(names = "--folds", paramLabel = "K", defaultValue = "0",
                description = "k-fold cross-validation on the small tables instead of the fixed 80/20 split: trains K"
                        + " models and reports the mean test accuracy (or R^2) over the folds (0: off)")
        int folds;
    }

    /** Image augmentation (lenet, cnn). */
    static final class Images {
        @Option(names = "--shift", paramLabel = "PIXELS", defaultValue = "0",
                description = "augment training images (lenet, cnn) with random shifts of up to PIXELS in each"
                        + " direction. Default: ${DEFAULT-VALUE} (off).")
        int shift;

        @Option(names = "--flip", description = "augment training images (lenet, cnn) with random horizontal mirroring"
                + " (for Fashion-MNIST; not for digits)")
        boolean flip;
    }

    /** The targets of a classifier (tables and images). */
    static final class Classes {
        @Option(names = "--label-smoothing", paramLabel = "EPS", defaultValue = "0",
                description = "classifiers: cross-entropy against targets that put 1 - EPS on the true class and spread EPS"
                        + " over all classes (as PyTorch's label_smoothing; 0.1 is usual). Default: ${DEFAULT-VALUE} (off).")
        float labelSmoothing;
    }

    /** Training by steps over random windows of a text (gpt); unset values come from the reference recipe. */
    static final class Steps {
        @Option(names = "--iters", paramLabel = "N",
                description = "language models: training steps (one batch of windows each); default: the reference recipe's (printed at the start)")
        Integer iters;

        @Option(names = "--warmup", paramLabel = "N",
                description = "language models: steps of linear learning-rate warm-up before the cosine decay;"
                        + " default: the reference recipe's")
        Integer warmup;

        @Option(names = "--min-lr", paramLabel = "X",
                description = "language models: the rate the cosine decays to (default: a tenth of the peak rate)")
        Double minLr;

        @Option(names = "--eval-every", paramLabel = "N",
                description = "language models: estimate the validation loss every N steps (0: at the end);"
                        + " default: the reference recipe's")
        Integer evalEvery;
    }
}
