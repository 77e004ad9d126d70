package dev.backprop.report;

import dev.backprop.data.Dataset;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.ClassificationMetrics;
import dev.backprop.train.EpochResult;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * Writes a training run as a folder a person would rather look at than read: {@code index.html}
 * (no external resources) and PNG charts drawn with XChart: losses and accuracy per epoch, the
 * learning rate, each weight's gradient norm per epoch on a log scale (vanishing gradients show as
 * lines sinking layer by layer), each layer's output spread per epoch, a histogram of every weight
 * matrix, the confusion matrix as a heat map, and a grid of misclassified test images.
 *
 * <pre>{@code
 * TrainingRecorder recorder = new TrainingRecorder(model, probeBatch);
 * trainer.fit(train, validation, config, recorder);
 * TrainingReport.write(Path.of("report"), "MNIST, cnn:16", recorder, test, trainer.predict(test.features(), 512));
 * }</pre>
 */
public final class TrainingReport {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 380;

    private TrainingReport() {
    }

    /** Writes {@code dir/index.html} and its charts; {@code logits} are the model's outputs on {@code test} (classification). */
    public static Path write(Path dir, String title, TrainingRecorder recorder, Dataset test, Tensor logits) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<EpochResult> epochs = recorder.epochs();
        if (epochs.isEmpty()) {
            throw new IllegalArgumentException("TrainingReport: the recorder saw no epoch; pass it to Trainer.fit as a callback");
        }
        List<String[]> figures = new ArrayList<>();   // {file, caption}
        // A run by steps (a language model) is drawn against its steps, each point a loss estimate.
        String axis = recorder.bySteps() ? "step" : "epoch";
        double[] x = new double[epochs.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = recorder.bySteps() ? epochs.get(i).step() : epochs.get(i).epoch();
        }

        XYChart loss = line(recorder.bySteps() ? "Loss" : "Loss per epoch", axis, "loss");
        // The per-epoch series first: XChart places the ticks at its x values, the epochs or estimates.
        loss.addSeries(recorder.bySteps() ? "training, mean since the last estimate" : "training, mean of the epoch", x,
                epochs.stream().mapToDouble(EpochResult::trainLoss).toArray());
        double[][] batches = recorder.batchLosses();
        if (batches[0].length > 1) {
            XYSeries s = loss.addSeries("training batches (running mean)", batches[0], batches[1]);
            s.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        }
        if (epochs.get(0).validation() != null) {
            loss.addSeries("validation", x, epochs.stream().mapToDouble(e -> e.validation().loss()).toArray());
        }
        figures.add(save(dir, "loss", loss, recorder.bySteps()
                ? "The training loss of every batch (a running mean over a few steps), its mean between estimates, and"
                        + " the validation loss estimate at each of them."
                : "The training loss of every batch (a running mean over a few steps), its mean over each epoch, and the"
                        + " validation loss after each epoch."));
        boolean validated = epochs.get(0).validation() != null && epochs.get(0).validation().classification() != null;
        if (validated || !recorder.trainAccuracy().isEmpty()) {
            XYChart acc = line("Accuracy per epoch", axis, "accuracy");
            acc.getStyler().setYAxisDecimalPattern("0.0000");
            if (!recorder.trainAccuracy().isEmpty()) {
                acc.addSeries("training (sample)", x, recorder.trainAccuracy().stream().mapToDouble(Double::doubleValue).toArray());
            }
            if (validated) {
                acc.addSeries("validation", x, epochs.stream().mapToDouble(e -> e.validation().classification().accuracy()).toArray());
            }
            figures.add(save(dir, "accuracy", acc, "Share of examples classified correctly: a fixed sample of the training"
                    + " data and the validation data; a widening gap is overfitting."));
        }
        loss.getStyler().setYAxisDecimalPattern("0.0000");
        XYChart lr = line("Learning rate", axis, "learning rate");
        lr.getStyler().setYAxisDecimalPattern("0.00E0");
        lr.addSeries("lr", x, epochs.stream().mapToDouble(EpochResult::lr).toArray());
        figures.add(save(dir, "lr", lr, "The learning rate each epoch used (the schedule)."));

        XYChart grads = line("Gradient norm per weight, mean over each epoch's batches", axis, "||dL/dW|| (log scale)");
        grads.getStyler().setYAxisLogarithmic(true);
        for (Map.Entry<String, List<Double>> e : recorder.gradientNorms().entrySet()) {
            if (e.getKey().endsWith("weight") && e.getValue().stream().allMatch(v -> v > 0)) {
                grads.addSeries(e.getKey(), x, e.getValue().stream().mapToDouble(Double::doubleValue).toArray());
            }
        }
        figures.add(save(dir, "gradients", grads, "How strongly each layer's weights are pushed: lines far below the"
                + " others, falling towards the input, are vanishing gradients; lines shooting up are exploding ones."));

        XYChart act = line("Spread of each layer's output on a probe batch", axis, "standard deviation (log scale)");
        act.getStyler().setYAxisLogarithmic(true);
        for (Map.Entry<String, List<double[]>> e : recorder.activations().entrySet()) {
            double[] sd = e.getValue().stream().mapToDouble(v -> Math.max(v[1], 1e-12)).toArray();
            act.addSeries(e.getKey(), x, sd);
        }
        figures.add(save(dir, "activations", act, "Standard deviation of every layer's output after each epoch;"
                + " a layer whose output stops varying passes no signal on."));

        for (Map.Entry<String, Tensor> p : recorder.model().namedParameters().entrySet()) {
            if (p.getKey().endsWith("weight") && p.getValue().rank() >= 2) {
                figures.add(save(dir, "weights-" + p.getKey().replace('.', '_'), histogram(p.getKey(), p.getValue().toFloatArray()),
                        "Distribution of " + p.getKey() + " " + p.getValue().shape() + " at the end."));
            }
        }
        String summary = "";
        if (test != null && logits != null && test.isClassification()) {
            ClassificationMetrics metrics = ClassificationMetrics.of(0, logits, test.targets(), 1, test.classNames());
            float[] truth = test.targets().toFloatArray();
            float[] best = logits.argmax(1, false).toFloatArray();
            int[] predicted = new int[best.length];
            for (int i = 0; i < best.length; i++) {
                predicted[i] = (int) best[i];
            }
            long correct = Math.round(metrics.accuracy() * predicted.length);
            summary = String.format(Locale.ROOT, "Test accuracy %.4f (%d of %d).", metrics.accuracy(), correct, predicted.length);
            long[][] confusion = metrics.confusion();
            figures.add(save(dir, "confusion", heatMap(confusion, test.classNames()),
                    "Confusion matrix on the test data: rows are true classes, columns predictions."));
            if (test.featureShape().rank() == 4) {
                writeMisclassified(dir.resolve("misclassified.png"), test, truth, predicted);
                figures.add(new String[] {"misclassified.png", "The first misclassified test images, true class -> prediction."});
            }
        }
        Path index = dir.resolve("index.html");
        Files.writeString(index, html(title, summary, epochs, figures));
        return index;
    }

    private static XYChart line(String title, String xAxis, String yAxis) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xAxis).yAxisTitle(yAxis).build();
        c.getStyler().setMarkerSize(5);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
        c.getStyler().setXAxisDecimalPattern("#,##0.#");
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        return c;
    }

    private static CategoryChart histogram(String name, float[] values) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        int bins = 30;
        double width = hi > lo ? (hi - lo) / bins : 1;
        double[] counts = new double[bins];
        for (float v : values) {
            counts[Math.min(bins - 1, (int) ((v - lo) / width))]++;
        }
        List<String> labels = new ArrayList<>();
        List<Number> heights = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            labels.add(String.format(Locale.ROOT, "%.3g", lo + (b + 0.5) * width));
            heights.add(counts[b]);
        }
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title("Weights of " + name)
                .xAxisTitle("value").yAxisTitle("count").build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setXAxisLabelRotation(90);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.addSeries(name, labels, heights);
        return c;
    }

    private static HeatMapChart heatMap(long[][] confusion, List<String> classNames) {
        int n = confusion.length;
        HeatMapChart c = new HeatMapChartBuilder().width(WIDTH).height(WIDTH).title("Confusion matrix (test)").build();
        c.getStyler().setShowValue(true);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> names = classNames.isEmpty() ? java.util.stream.IntStream.range(0, n).mapToObj(Integer::toString).toList()
                : classNames;
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                cells.add(new Number[] {p, n - 1 - t, confusion[t][p]});   // true classes top to bottom
            }
        }
        List<String> reversed = new ArrayList<>(names);
        java.util.Collections.reverse(reversed);
        c.addSeries("confusion", names, reversed, cells);
        return c;
    }

    private static String[] save(Path dir, String name, Chart<?, ?> chart, String caption) throws IOException {
        BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        return new String[] {name + ".png", caption};
    }

    /** Up to 36 misclassified images, 6 per row, each with "true -> predicted" beneath it. */
    private static void writeMisclassified(Path file, Dataset test, float[] truth, int[] predicted) throws IOException {
        int h = test.featureShape().size(2);
        int w = test.featureShape().size(3);
        int scale = 3;
        int cell = Math.max(h, w) * scale + 24;
        List<Integer> wrong = new ArrayList<>();
        for (int i = 0; i < predicted.length && wrong.size() < 36; i++) {
            if (predicted[i] != (int) truth[i]) {
                wrong.add(i);
            }
        }
        int columns = 6;
        int rows = Math.max(1, (wrong.size() + columns - 1) / columns);
        BufferedImage img = new BufferedImage(columns * cell, rows * cell, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        List<String> names = test.classNames();
        for (int k = 0; k < wrong.size(); k++) {
            int i = wrong.get(k);
            float[] px = test.rows(new int[] {i}).select(0, 0).select(0, 0).toFloatArray();
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (float v : px) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            int x0 = (k % columns) * cell + 4;
            int y0 = (k / columns) * cell + 2;
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    int grey = hi > lo ? Math.round(255 * (1 - (px[r * w + c] - lo) / (hi - lo))) : 255;
                    g.setColor(new Color(grey, grey, grey));
                    g.fillRect(x0 + c * scale, y0 + r * scale, scale, scale);
                }
            }
            g.setColor(new Color(170, 30, 30));
            g.drawString(label(names, (int) truth[i]) + " -> " + label(names, predicted[i]), x0, y0 + h * scale + 14);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static String label(List<String> names, int cls) {
        return cls < names.size() ? names.get(cls) : Integer.toString(cls);
    }

    private static String html(String title, String summary, List<EpochResult> epochs, List<String[]> figures) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:1360px;margin:2em auto;color:#222}")
                .append("figure{display:inline-block;margin:0 1em 1.5em 0;vertical-align:top;max-width:640px}")
                .append("figcaption{font-size:0.9em;color:#555}table{border-collapse:collapse;margin:1em 0}")
                .append("td,th{border:1px solid #ccc;padding:0.2em 0.6em;text-align:right}</style></head><body>\n");
        sb.append("<h1>").append(escape(title)).append("</h1>\n<p>").append(escape(summary)).append("</p>\n");
        sb.append("<table><tr><th>epoch</th><th>training loss</th><th>validation loss</th><th>validation accuracy</th>")
                .append("<th>learning rate</th><th>seconds</th></tr>\n");
        for (EpochResult e : epochs) {
            sb.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.4f</td><td>%s</td><td>%s</td><td>%.3g</td><td>%.1f</td></tr>%n",
                    e.epoch(), e.trainLoss(),
                    e.validation() == null ? "" : String.format(Locale.ROOT, "%.4f", e.validation().loss()),
                    e.validation() == null || e.validation().classification() == null ? ""
                            : String.format(Locale.ROOT, "%.4f", e.validation().classification().accuracy()),
                    e.lr(), e.seconds()));
        }
        sb.append("</table>\n");
        for (String[] f : figures) {
            sb.append("<figure><img src=\"").append(f[0]).append("\" alt=\"").append(escape(f[1])).append("\" width=\"640\">")
                    .append("<figcaption>").append(escape(f[1])).append("</figcaption></figure>\n");
        }
        return sb.append("</body></html>\n").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
