package dev.backprop.train;

import dev.backprop.data.Dataset;
import dev.backprop.nn.Module;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.StepMemory;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a model without training it: outputs batch by batch in evaluation mode with recording off,
 * and the loss and metrics of a dataset.
 *
 * <pre>{@code
 * Evaluation e = new Evaluator(model, LossFunction.crossEntropy()).evaluate(test, 512);
 * }</pre>
 */
public final class Evaluator {
    private final Module model;
    private final LossFunction loss;

    public Evaluator(Module model, LossFunction loss) {
        this.model = model;
        this.loss = loss;
    }

    /** Loss and metrics over {@code data} (top-5 accuracy for classifiers). */
    public Evaluation evaluate(Dataset data, int batchSize) {
        return evaluate(data, batchSize, 5);
    }

    /** Loss and metrics over {@code data}, with top-{@code topK} accuracy for classifiers. */
    public Evaluation evaluate(Dataset data, int batchSize, int topK) {
        Tensor outputs = predict(data, batchSize);
        double l;
        try (var scope = GradMode.noGrad()) {
            l = loss.apply(outputs, data.targets()).item();
        }
        return data.isClassification()
                ? Evaluation.of(ClassificationMetrics.of(l, outputs, data.targets(), topK, data.classNames()))
                : Evaluation.of(RegressionMetrics.of(l, outputs, data.targets()));
    }

    /** The model's outputs for {@code features}, computed batch by batch in evaluation mode. */
    public Tensor predict(Tensor features, int batchSize) {
        return predict(features.size(0), batchSize, (from, count) -> features.narrow(0, from, count));
    }

    /** The model's outputs for the examples of {@code data}, in order, decoded and computed batch by batch. */
    public Tensor predict(Dataset data, int batchSize) {
        return predict(data.size(), batchSize, data::range);
    }

    /** The features of examples {@code from .. from + count}. */
    private interface Slicer {
        Tensor slice(int from, int count);
    }

    private Tensor predict(int n, int batchSize, Slicer examples) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("predict: batch size must be positive, got " + batchSize);
        }
        boolean wasTraining = model.isTraining();
        model.eval();
        // Each batch (decoded from bytes where the data are kept so) and its activations live in the buffers of
        // the batch before; only the outputs are kept.
        StepMemory memory = new StepMemory();
        try (var scope = GradMode.noGrad()) {
            List<Tensor> parts = new ArrayList<>();
            for (int start = 0; start < n; start += batchSize) {
                try (StepMemory.Scope step = memory.open()) {
                    Tensor batch = examples.slice(start, Math.min(batchSize, n - start));
                    parts.add(StepMemory.outliving(model.forward(batch)));
                }
            }
            return parts.size() == 1 ? parts.get(0) : Tensor.cat(0, parts.toArray(Tensor[]::new));
        } finally {
            if (wasTraining) {
                model.train();
            }
        }
    }
}
