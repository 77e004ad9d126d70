package dev.backprop.train;

import dev.backprop.data.Batch;
import dev.backprop.data.BatchSource;
import dev.backprop.data.Dataset;
import dev.backprop.nn.Module;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.StepMemory;
import java.util.Iterator;
import java.util.function.Supplier;

/**
 * How a {@link Trainer} measures its model at the end of each epoch: the loss and metrics of a
 * held-out {@link Dataset}, or a loss estimate over random batches (language models, whose
 * validation text is read a window at a time).
 *
 * <pre>{@code
 * trainer.fit(loader, Validation.of(validationSet, 256, 5), config);
 * trainer.fit(windows, Validation.meanLoss(() -> corpus.windows(Part.VALIDATION, 12, 64, 50, new Generator(7))), config);
 * }</pre>
 */
@FunctionalInterface
public interface Validation {

    /** Evaluates {@code model} under {@code loss}; the model's training mode is as it was afterwards. */
    Evaluation evaluate(Module model, LossFunction loss);

    /** Loss and metrics over all of {@code data}, in batches of {@code batchSize}, with top-{@code topK} accuracy. */
    static Validation of(Dataset data, int batchSize, int topK) {
        return (model, loss) -> new Evaluator(model, loss).evaluate(data, batchSize, topK);
    }

    /**
     * The mean loss over one pass of a fresh source from {@code batches}, in evaluation mode with
     * recording off; a source with its own seeded generator gives the same batches every time, so
     * successive estimates differ only by the model.
     */
    static Validation meanLoss(Supplier<BatchSource> batches) {
        return (model, loss) -> {
            BatchSource source = batches.get();
            boolean training = model.isTraining();
            model.eval();
            double sum = 0;
            int count = 0;
            StepMemory memory = new StepMemory();   // each batch in the buffers of the one before
            try (var off = GradMode.noGrad()) {
                for (Iterator<Batch> it = source.pass(source.drawOrder(), 0); it.hasNext(); count++) {
                    try (StepMemory.Scope step = memory.open()) {
                        Batch b = it.next();
                        sum += loss.apply(model.forward(b.inputs()), b.targets()).item();
                    }
                }
            } finally {
                if (training) {
                    model.train();
                }
            }
            if (count == 0) {
                throw new IllegalArgumentException("Validation.meanLoss: the source gave no batch to estimate the loss on");
            }
            return Evaluation.ofLoss(sum / count);
        };
    }
}
