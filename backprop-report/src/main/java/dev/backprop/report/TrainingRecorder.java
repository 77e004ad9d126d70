package dev.backprop.report;

import dev.backprop.data.Dataset;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Callback;
import dev.backprop.train.ClassificationMetrics;
import dev.backprop.train.EpochResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Callback} that records what a training report shows: each epoch's losses, accuracies
 * (validation, and training accuracy on a fixed sample when given one) and learning rate; each parameter's gradient norm averaged over the epoch's batches (the
 * vanishing- and exploding-gradient view); and, at the end of each epoch, the mean and standard
 * deviation of every layer's output on a fixed probe batch (layers are the leaves of the model's
 * {@link Sequential} blocks; a module of another kind counts as one layer).
 */
public final class TrainingRecorder implements Callback {
    private final Module model;
    private final Tensor probe;
    private final Tensor probeTargets;
    private final List<Double> trainAccuracy = new ArrayList<>();
    private final List<EpochResult> epochs = new ArrayList<>();
    private final Map<String, List<Double>> gradientNorms = new LinkedHashMap<>();
    private final Map<String, List<double[]>> activations = new LinkedHashMap<>();
    private final Map<String, Double> normSums = new LinkedHashMap<>();
    private int batches;
    private boolean bySteps;
    private int batchesPerEpoch = 1;
    private final List<double[]> batchLosses = new ArrayList<>();   // {x, loss}: x a step or a fraction of epochs
    private long step;

    /** Records training of {@code model}; {@code probe} is a small batch of inputs for the activation statistics. */
    public TrainingRecorder(Module model, Tensor probe) {
        this.model = model;
        this.probe = probe;
        this.probeTargets = null;
    }

    /**
     * Records training of {@code model} and, after every epoch, its accuracy on {@code trainingSample}
     * (some training examples with their labels), whose inputs also serve as the activation probe.
     */
    public TrainingRecorder(Module model, Dataset trainingSample) {
        this.model = model;
        this.probe = trainingSample.features();
        this.probeTargets = trainingSample.isClassification() ? trainingSample.targets() : null;
    }

    @Override
    public void onTrainBegin(dev.backprop.train.TrainingPlan plan) {
        bySteps = plan.budget().bySteps();
        batchesPerEpoch = plan.batchesPerEpoch();
        step = plan.startStep();
    }

    /** Whether the run's budget counts steps (its epochs are the stretches between estimates). */
    public boolean bySteps() {
        return bySteps;
    }

    @Override
    public void onBatchEnd(int epoch, int batch, double loss, int examplesSoFar) {
        step++;
        if (Double.isFinite(loss)) {
            batchLosses.add(new double[] {bySteps ? step : epoch - 1 + (double) batch / batchesPerEpoch, loss});
        }
        // The gradients of this batch are still in place: the next step clears them.
        model.namedParameters().forEach((name, p) -> {
            if (p.grad() != null) {
                float[] g = p.grad().toFloatArray();
                double s = 0;
                for (float v : g) {
                    s += (double) v * v;
                }
                normSums.merge(name, Math.sqrt(s), Double::sum);
            }
        });
        batches++;
    }

    @Override
    public boolean onEpochEnd(EpochResult result) {
        epochs.add(result);
        for (String name : model.namedParameters().keySet()) {
            gradientNorms.computeIfAbsent(name, k -> new ArrayList<>())
                    .add(batches == 0 ? 0 : normSums.getOrDefault(name, 0.0) / batches);
        }
        normSums.clear();
        batches = 0;
        recordActivations();
        return false;
    }

    private void recordActivations() {
        boolean training = model.isTraining();
        model.eval();
        try (var scope = GradMode.noGrad()) {
            Tensor x = probe;
            List<Map.Entry<String, Module>> layers = new ArrayList<>();
            leaves("", model, layers);
            for (Map.Entry<String, Module> layer : layers) {
                x = layer.getValue().forward(x);
                float[] v = x.toFloatArray();
                double mean = 0;
                for (float f : v) {
                    mean += f;
                }
                mean /= v.length;
                double var = 0;
                for (float f : v) {
                    var += (f - mean) * (f - mean);
                }
                activations.computeIfAbsent(layer.getKey(), k -> new ArrayList<>())
                        .add(new double[] {mean, Math.sqrt(var / v.length)});
            }
            if (probeTargets != null) {
                trainAccuracy.add(ClassificationMetrics.of(0, model.forward(probe), probeTargets, 1, List.of()).accuracy());
            }
        } finally {
            if (training) {
                model.train();
            }
        }
    }

    /** Accuracy on the training sample after each epoch (empty without one). */
    public List<Double> trainAccuracy() {
        return List.copyOf(trainAccuracy);
    }

    /** The layers a probe runs through in order: Sequential blocks are opened, anything else is one layer. */
    private static void leaves(String path, Module m, List<Map.Entry<String, Module>> out) {
        if (m instanceof Sequential) {
            m.children().forEach((n, c) -> leaves(path.isEmpty() ? n : path + "." + n, c, out));
        } else if (!m.children().isEmpty() && m.children().values().stream().allMatch(c -> c instanceof Sequential)) {
            m.children().forEach((n, c) -> leaves(path.isEmpty() ? n : path + "." + n, c, out));
        } else {
            out.add(Map.entry(path.isEmpty() ? m.getClass().getSimpleName() : path + " " + m.getClass().getSimpleName(), m));
        }
    }

    /**
     * The training loss of every batch as {x, loss} columns, x the step (runs by steps) or the
     * epochs done: running means over blocks of consecutive batches, at most 500 points.
     */
    public double[][] batchLosses() {
        int block = Math.max(1, (batchLosses.size() + 499) / 500);
        int points = batchLosses.size() / block;
        double[][] out = new double[2][points];
        for (int p = 0; p < points; p++) {
            double sum = 0;
            for (int i = p * block; i < (p + 1) * block; i++) {
                sum += batchLosses.get(i)[1];
            }
            out[0][p] = batchLosses.get((p + 1) * block - 1)[0];
            out[1][p] = sum / block;
        }
        return out;
    }

    /** The epochs seen so far. */
    public List<EpochResult> epochs() {
        return List.copyOf(epochs);
    }

    /** Per parameter, its gradient's L2 norm averaged over each epoch's batches. */
    public Map<String, List<Double>> gradientNorms() {
        return gradientNorms;
    }

    /** Per layer ({@code "features.2 Activation"}), {mean, standard deviation} of its output after each epoch. */
    public Map<String, List<double[]>> activations() {
        return activations;
    }

    public Module model() {
        return model;
    }
}
