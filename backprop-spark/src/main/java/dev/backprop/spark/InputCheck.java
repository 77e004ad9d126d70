package dev.backprop.spark;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;

/**
 * The one pass over the training data before any training starts: every example's features have
 * the model's length and are finite, every label is a class index of the model (or a finite value
 * for a regression), and there are at least as many examples as workers. The first problem found
 * is refused with the example's index and what was expected, so a bad row never turns into a NaN
 * or a hang halfway through training.
 */
final class InputCheck {
    private InputCheck() {
    }

    /** What is wrong with {@code e} under {@code config}, or null. */
    static String problem(Example e, DistributedConfig config) {
        int width = DistributedConfig.size(config.example());
        if (e.features() == null) {
            return "example " + e.index() + ": no features";
        }
        if (e.features().length != width) {
            return "example " + e.index() + ": " + e.features().length + " features, but the model " + config.model()
                    + " takes " + width + " (" + config.example() + ")";
        }
        for (int i = 0; i < width; i++) {
            if (!Float.isFinite(e.features()[i])) {
                return "example " + e.index() + ": feature " + i + " is " + e.features()[i]
                        + "; fill or drop missing values before training";
            }
        }
        float y = e.label();
        if (config.classification() && !(y >= 0 && y < config.outputs() && y == Math.rint(y))) {
            return "example " + e.index() + ": label " + y + " is not a class index in [0, " + config.outputs() + ")";
        }
        if (!config.classification() && !Float.isFinite(y)) {
            return "example " + e.index() + ": label " + y + " is not a finite value";
        }
        return null;
    }

    /** Refuses data with a problem, or with fewer examples than {@code workers} local batches. */
    static void check(JavaRDD<Example> examples, DistributedConfig config, int workers) {
        Checker checker = new Checker(config);
        List<String> first = examples.map(checker::problemOf).filter(p -> p != null).take(1);
        if (!first.isEmpty()) {
            throw new IllegalArgumentException("training data: " + first.get(0));
        }
        long count = examples.count();
        long needed = (long) config.localBatch(workers) * workers;
        if (count < needed) {
            throw new IllegalArgumentException("training data: " + count + " examples for " + workers + " workers of "
                    + config.localBatch(workers) + " examples a step; every worker needs at least one local batch: use"
                    + " fewer workers or a smaller global batch");
        }
    }

    /** The check as a serializable function for Spark. */
    private record Checker(DistributedConfig config) implements Serializable {
        String problemOf(Example e) {
            return problem(e, config);
        }
    }
}
