package dev.backprop.train;

import dev.backprop.tensor.Tensor;

/** Mean squared error, mean absolute error and the coefficient of determination R^2 of predictions. */
public record RegressionMetrics(double loss, double mse, double mae, double r2) {

    /** Metrics of predictions {@code [N]} or {@code [N, 1]} against targets {@code [N]}. */
    public static RegressionMetrics of(double loss, Tensor predictions, Tensor targets) {
        float[] p = predictions.toFloatArray();
        float[] y = targets.toFloatArray();
        double mean = 0;
        for (float v : y) {
            mean += v;
        }
        mean /= y.length;
        double ssRes = 0;
        double ssTot = 0;
        double abs = 0;
        for (int i = 0; i < y.length; i++) {
            double d = p[i] - y[i];
            ssRes += d * d;
            abs += Math.abs(d);
            ssTot += (y[i] - mean) * (y[i] - mean);
        }
        return new RegressionMetrics(loss, ssRes / y.length, abs / y.length, ssTot == 0 ? 0 : 1 - ssRes / ssTot);
    }
}
