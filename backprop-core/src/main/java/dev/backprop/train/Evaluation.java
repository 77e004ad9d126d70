package dev.backprop.train;

/**
 * The result of evaluating a model: its loss, with classification or regression metrics when the
 * data allow them (at most one of the two; a loss estimate over random text windows has neither).
 */
public record Evaluation(double loss, ClassificationMetrics classification, RegressionMetrics regression) {
    public Evaluation {
        if (classification != null && regression != null) {
            throw new IllegalArgumentException("Evaluation: classification or regression metrics, not both");
        }
    }

    /** A classifier's evaluation. */
    public static Evaluation of(ClassificationMetrics metrics) {
        return new Evaluation(metrics.loss(), metrics, null);
    }

    /** A regression's evaluation. */
    public static Evaluation of(RegressionMetrics metrics) {
        return new Evaluation(metrics.loss(), null, metrics);
    }

    /** A loss alone, such as an estimate over random batches. */
    public static Evaluation ofLoss(double loss) {
        return new Evaluation(loss, null, null);
    }

    /** The value of {@code metric}; accuracy of a regression (or R^2 of a classifier) is an error. */
    public double value(Metric metric) {
        return switch (metric) {
            case LOSS -> loss();
            case ACCURACY -> requireClassification(metric).accuracy();
            case R2 -> requireRegression(metric).r2();
        };
    }

    /** The headline metric: accuracy for classifiers, R^2 for regression, else the loss. */
    public Metric headline() {
        return classification != null ? Metric.ACCURACY : regression != null ? Metric.R2 : Metric.LOSS;
    }

    private ClassificationMetrics requireClassification(Metric m) {
        if (classification == null) {
            throw new IllegalArgumentException(m + " needs a classification task; this evaluation is "
                    + (regression != null ? "a regression" : "a loss alone"));
        }
        return classification;
    }

    private RegressionMetrics requireRegression(Metric m) {
        if (regression == null) {
            throw new IllegalArgumentException(m + " needs a regression task; this evaluation is "
                    + (classification != null ? "a classification" : "a loss alone"));
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
