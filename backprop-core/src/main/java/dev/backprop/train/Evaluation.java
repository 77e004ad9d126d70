package dev.backprop.train;

/**
 * The result of evaluating a model on a dataset: classification or regression metrics, exactly
 * one of which is present.
 */
public record Evaluation(ClassificationMetrics classification, RegressionMetrics regression) {
    public Evaluation {
        if ((classification == null) == (regression == null)) {
            throw new IllegalArgumentException("Evaluation: exactly one of classification and regression metrics");
        }
    }

    public double loss() {
        return classification != null ? classification.loss() : regression.loss();
    }

    /** The value of {@code metric}; accuracy of a regression (or R^2 of a classifier) is an error. */
    public double value(Metric metric) {
        return switch (metric) {
            case LOSS -> loss();
            case ACCURACY -> requireClassification(metric).accuracy();
            case R2 -> requireRegression(metric).r2();
        };
    }

    /** The headline metric: accuracy for classifiers, R^2 for regression. */
    public Metric headline() {
        return classification != null ? Metric.ACCURACY : Metric.R2;
    }

    private ClassificationMetrics requireClassification(Metric m) {
        if (classification == null) {
            throw new IllegalArgumentException(m + " needs a classification task; this is a regression");
        }
        return classification;
    }

    private RegressionMetrics requireRegression(Metric m) {
        if (regression == null) {
            throw new IllegalArgumentException(m + " needs a regression task; this is a classification");
        }
        return regression;
    }

    /** The quantities that early stopping and plateau schedules can watch. */
    public enum Metric {
        LOSS(false), ACCURACY(true), R2(true);

        private final boolean higherIsBetter;

        Metric(boolean higherIsBetter) {
            this.higherIsBetter = higherIsBetter;
        }

        public boolean higherIsBetter() {
            return higherIsBetter;
        }
    }
}
