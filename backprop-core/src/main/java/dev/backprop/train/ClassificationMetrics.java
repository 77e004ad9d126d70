package dev.backprop.train;

import dev.backprop.tensor.Tensor;
import java.util.List;
import java.util.Locale;

/**
 * Accuracy, top-k accuracy, the confusion matrix and per-class precision, recall and F1 of a
 * classifier's outputs. {@code confusion[t][p]} counts examples of true class t predicted as p.
 */
public record ClassificationMetrics(double loss, double accuracy, int topK, double topKAccuracy, long[][] confusion,
                                    List<String> classNames) {

    /** Metrics of logits {@code [N, C]} against class indices {@code [N]}. */
    public static ClassificationMetrics of(double loss, Tensor logits, Tensor targets, int topK, List<String> classNames) {
        int n = logits.size(0);
        int c = logits.size(1);
        float[] scores = logits.toFloatArray();
        float[] labels = targets.toFloatArray();
        long[][] confusion = new long[c][c];
        long correct = 0;
        long inTopK = 0;
        int k = Math.min(topK, c);
        for (int i = 0; i < n; i++) {
            int truth = (int) labels[i];
            int best = 0;
            int higher = 0;
            float truthScore = scores[i * c + truth];
            for (int j = 0; j < c; j++) {
                float s = scores[i * c + j];
                if (s > scores[i * c + best]) {
                    best = j;
                }
                if (s > truthScore) {
                    higher++;
                }
            }
            confusion[truth][best]++;
            correct += best == truth ? 1 : 0;
            inTopK += higher < k ? 1 : 0;
        }
        return new ClassificationMetrics(loss, (double) correct / n, k, (double) inTopK / n, confusion, classNames);
    }

    public double precision(int cls) {
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[cls];
        }
        return predicted == 0 ? 0 : (double) confusion[cls][cls] / predicted;
    }

    public double recall(int cls) {
        long actual = 0;
        for (long v : confusion[cls]) {
            actual += v;
        }
        return actual == 0 ? 0 : (double) confusion[cls][cls] / actual;
    }

    public double f1(int cls) {
        double p = precision(cls);
        double r = recall(cls);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** A per-class table (precision, recall, F1, support) and the confusion matrix, for people. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        int width = 5;
        for (String name : classNames) {
            width = Math.max(width, name.length());
        }
        sb.append(String.format(Locale.ROOT, "%-" + width + "s  precision  recall     f1  support%n", "class"));
        for (int i = 0; i < confusion.length; i++) {
            long support = 0;
            for (long v : confusion[i]) {
                support += v;
            }
            sb.append(String.format(Locale.ROOT, "%-" + width + "s  %9.4f  %6.4f  %6.4f  %7d%n",
                    classNames.get(i), precision(i), recall(i), f1(i), support));
        }
        sb.append("confusion matrix (rows: true class, columns: predicted)\n");
        for (long[] row : confusion) {
            for (long v : row) {
                sb.append(String.format(Locale.ROOT, "%6d", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
