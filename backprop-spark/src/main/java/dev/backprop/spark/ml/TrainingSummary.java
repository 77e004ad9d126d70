package dev.backprop.spark.ml;

import dev.backprop.spark.StepTimes;
import java.io.Serializable;
import java.util.List;

/**
 * How a {@link BackpropModel}'s training went: per epoch the global mean training loss and, for a
 * classifier, the accuracy over all partitions after it; and where worker 0's steps spent their
 * time (compute, waiting for the slowest worker, the rest of the all-reduce, copying).
 */
public record TrainingSummary(List<Double> epochLosses, List<Double> epochAccuracies, StepTimes stepTimes)
        implements Serializable {
    public TrainingSummary {
        epochLosses = List.copyOf(epochLosses);
        epochAccuracies = List.copyOf(epochAccuracies);
    }
}
