package dev.backprop.report;

import dev.backprop.data.Dataset;
import dev.backprop.nn.Activation;
import dev.backprop.nn.BatchNorm;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import dev.backprop.nn.init.Init;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.Generator;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The vanishing-gradient demonstration: the same deep MLP (by default 10 hidden layers) trained
 * three ways, with the gradient norm of every layer's weights recorded. With sigmoid and PyTorch's
 * default initialisation each layer multiplies the backward signal by at most a quarter times its
 * weights, so the layers near the input barely move; ReLU with He initialisation keeps the
 * signal's scale through depth, and batch norm after each layer keeps it there while training.
 */
public final class VanishingGradients {

    /** The three ways of building the network. */
    public enum Setup {
        SIGMOID_DEFAULT_INIT("sigmoid, default init"),
        RELU_HE_INIT("ReLU, He init"),
        RELU_HE_INIT_BATCH_NORM("ReLU, He init, batch norm");

        final String title;

        Setup(String title) {
            this.title = title;
        }
    }

    /** One setup's outcome: test accuracy and, per weight matrix from the input side, its gradient norm in the first and last epochs. */
    public record Result(Setup setup, double accuracy, double[] firstEpoch, double[] lastEpoch) {
    }

    private VanishingGradients() {
    }

    /** {@code inputs -> depth x (Linear(width) [BatchNorm] activation) -> classes}. */
    public static Module build(Setup setup, int inputs, int depth, int width, int classes, Generator g) {
        List<Module> layers = new ArrayList<>();
        int in = inputs;
        for (int l = 0; l < depth; l++) {
            Linear linear = new Linear(in, width, g);
            if (setup != Setup.SIGMOID_DEFAULT_INIT) {
                Init.kaimingNormal(linear.weight(), 0f, Init.FanMode.FAN_IN, g);
            }
            layers.add(linear);
            if (setup == Setup.RELU_HE_INIT_BATCH_NORM) {
                layers.add(new BatchNorm(width));
            }
            layers.add(setup == Setup.SIGMOID_DEFAULT_INIT ? Activation.sigmoid() : Activation.relu());
            in = width;
        }
        layers.add(new Linear(in, classes, g));
        return new Sequential(layers.toArray(Module[]::new));
    }

    /** Trains every setup and writes {@code dir/index.html} with the side-by-side charts; returns the results. */
    public static List<Result> run(Dataset train, Dataset test, int depth, int width, int epochs, long seed, Path dir)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        int inputs = train.featureCount();
        Dataset flatTrain = train.flattened();
        Dataset flatTest = test.flattened();
        List<Result> results = new ArrayList<>();
        for (Setup setup : Setup.values()) {
            Module model = build(setup, inputs, depth, width, train.numClasses(), new Generator(seed));
            TrainingRecorder recorder = new TrainingRecorder(model, flatTrain.range(0, Math.min(256, train.size())));
            Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
            trainer.fit(flatTrain, null, FitConfig.DEFAULT.withEpochs(epochs).withBatchSize(128).withSeed(seed), recorder);
            List<double[]> perEpoch = new ArrayList<>();
            for (Map.Entry<String, List<Double>> e : recorder.gradientNorms().entrySet()) {
                if (model.namedParameters().get(e.getKey()).rank() == 2) {   // Linear weights, input side first
                    perEpoch.add(e.getValue().stream().mapToDouble(Double::doubleValue).toArray());
                }
            }
            double[] first = new double[perEpoch.size()];
            double[] last = new double[perEpoch.size()];
            for (int l = 0; l < perEpoch.size(); l++) {
                first[l] = perEpoch.get(l)[0];
                last[l] = perEpoch.get(l)[epochs - 1];
            }
            double accuracy = trainer.evaluate(flatTest, 512).classification().accuracy();
            results.add(new Result(setup, accuracy, first, last));
        }
        chart(results, true, dir.resolve("first-epoch"));
        chart(results, false, dir.resolve("last-epoch"));
        Files.writeString(dir.resolve("index.html"), html(results, depth, width, epochs, train.name()));
        return results;
    }

    private static void chart(List<Result> results, boolean first, Path file) throws IOException {
        XYChart c = new XYChartBuilder().width(640).height(480)
                .title("Gradient norm per layer, " + (first ? "first" : "last") + " epoch")
                .xAxisTitle("layer (1 = next to the input)").yAxisTitle("||dL/dW|| (log scale)").build();
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        for (Result r : results) {
            double[] norms = first ? r.firstEpoch() : r.lastEpoch();
            double[] x = new double[norms.length];
            double[] y = new double[norms.length];
            for (int l = 0; l < norms.length; l++) {
                x[l] = l + 1;
                y[l] = Math.max(norms[l], 1e-30);
            }
            c.addSeries(String.format(Locale.ROOT, "%s (test accuracy %.3f)", r.setup().title, r.accuracy()), x, y);
        }
        BitmapEncoder.saveBitmap(c, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static String html(List<Result> results, int depth, int width, int epochs, String dataset) {
        StringBuilder sb = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Vanishing gradients</title><style>body{font-family:sans-serif;max-width:1360px;margin:2em auto}"
                + "td,th{border:1px solid #ccc;padding:0.2em 0.6em}table{border-collapse:collapse}</style></head><body>\n");
        sb.append(String.format(Locale.ROOT, "<h1>Vanishing gradients: %d hidden layers of %d on %s, %d epochs</h1>%n",
                depth, width, dataset, epochs));
        sb.append("<table><tr><th>setup</th><th>test accuracy</th><th>gradient norm, first layer / last layer (first epoch)</th></tr>\n");
        for (Result r : results) {
            double ratio = r.firstEpoch()[0] / r.firstEpoch()[r.firstEpoch().length - 1];
            sb.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.4f</td><td>%.3g</td></tr>%n", r.setup().title,
                    r.accuracy(), ratio));
        }
        sb.append("</table>\n<p><img src=\"first-epoch.png\" width=\"640\"> <img src=\"last-epoch.png\" width=\"640\"></p>\n");
        sb.append("<p>With sigmoids the gradient shrinks by a roughly constant factor per layer on its way to the input,"
                + " so the first layers learn orders of magnitude more slowly; ReLU with He initialisation keeps the"
                + " scale, and batch norm holds it there.</p>\n</body></html>\n");
        return sb.toString();
    }
}
