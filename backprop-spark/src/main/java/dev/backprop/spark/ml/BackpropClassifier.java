package dev.backprop.spark.ml;

import org.apache.spark.ml.util.Identifiable$;

/**
 * A Spark ML estimator that trains a Backprop classifier on a DataFrame with data-parallel
 * training on the cluster (one barrier stage; see {@code SparkTrainer}): features as an ML
 * {@code Vector} or an array of numbers, labels as class indices. Its model adds the prediction,
 * class probabilities and raw scores.
 *
 * <pre>{@code
 * BackpropModel m = new BackpropClassifier().setModel("mlp:128").setEpochs(5).setBatchSize(64).setWorkers(2).fit(train);
 * Dataset<Row> scored = m.transform(test);
 * }</pre>
 */
public final class BackpropClassifier extends BackpropEstimator {
    public BackpropClassifier() {
        this(Identifiable$.MODULE$.randomUID("backpropClassifier"));
    }

    public BackpropClassifier(String uid) {
        super(uid);
    }

    @Override
    boolean classification() {
        return true;
    }
}
