package dev.backprop.spark.ml;

import org.apache.spark.ml.util.Identifiable$;

/**
 * A Spark ML estimator that trains a Backprop regressor (one output, mean squared error) on a
 * DataFrame with data-parallel training on the cluster; its model adds the prediction.
 *
 * <pre>{@code
 * BackpropModel m = new BackpropRegressor().setModel("mlp:32").setWorkers(2).fit(train);
 * }</pre>
 */
public final class BackpropRegressor extends BackpropEstimator {
    public BackpropRegressor() {
        this(Identifiable$.MODULE$.randomUID("backpropRegressor"));
    }

    public BackpropRegressor(String uid) {
        super(uid);
    }

    @Override
    boolean classification() {
        return false;
    }
}
