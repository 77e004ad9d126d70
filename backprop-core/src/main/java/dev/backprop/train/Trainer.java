package dev.backprop.train;

import dev.backprop.data.DataLoader;
import dev.backprop.data.Dataset;
import dev.backprop.nn.Module;
import dev.backprop.optim.GradClip;
import dev.backprop.optim.Optimizer;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The training loop: for each epoch, shuffle, and for each mini-batch compute the loss, backpropagate,
 * optionally clip, and step the optimizer; then evaluate on the validation data and tell the
 * callbacks. {@link #batchLoss} is the one override point (e.g. for a loss with extra terms).
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
 * History h = trainer.fit(split.train(), split.test(), FitConfig.DEFAULT.withEpochs(20), new ProgressBar(System.out));
 * trainer.evaluate(split.test(), 256).classification().accuracy();
 * }</pre>
 */
public class Trainer {
    private final Module model;
    private final Optimizer optimizer;
    private final LossFunction loss;
    private final Evaluator evaluator;
    /** The optimizer's rate when the trainer was made: every fit's schedule starts from it. */
    private final double baseLr;

    public Trainer(Module model, Optimizer optimizer, LossFunction loss) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
        this.evaluator = new Evaluator(model, loss);
        this.baseLr = optimizer.lr();
    }

    /** Trains on {@code train}, validating on {@code validation} (may be null) after each epoch. */
    public History fit(Dataset train, Dataset validation, FitConfig config, Callback... callbacks) {
        DataLoader loader = new DataLoader(train, config.batchSize(), true, false, new Generator(config.seed()),
                config.augmentation());
        for (Callback c : callbacks) {
            c.onTrainBegin(config.epochs(), loader.batchCount());
        }
        List<EpochResult> results = new ArrayList<>();
        boolean stop = false;
        for (int epoch = 1; epoch <= config.epochs() && !stop; epoch++) {
            config.schedule().applyTo(optimizer, baseLr, epoch - 1);
            long start = System.nanoTime();
            double lossSum = 0;
            int seen = 0;
            int batchIndex = 0;
            model.train();
            for (DataLoader.Batch batch : loader) {
                double batchLoss = trainStep(batch, config, epoch, batchIndex);
                lossSum += batchLoss * batch.size();
                seen += batch.size();
                batchIndex++;
                for (Callback c : callbacks) {
                    c.onBatchEnd(epoch, batchIndex, batchLoss, seen);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Evaluation val = validation == null ? null
                    : evaluator.evaluate(validation, Math.max(256, config.batchSize()), config.topK());
            EpochResult result = new EpochResult(epoch, lossSum / seen, val, optimizer.lr(), seconds, seen);
            results.add(result);
            for (Callback c : callbacks) {
                stop |= c.onEpochEnd(result);
            }
        }
        History history = new History(results, stop);
        for (Callback c : callbacks) {
            c.onTrainEnd(history);
        }
        return history;
    }

    private double trainStep(DataLoader.Batch batch, FitConfig config, int epoch, int batchIndex) {
        optimizer.zeroGrad();
        Tensor l = batchLoss(batch);
        float value = l.item();
        if (!Float.isFinite(value)) {
            throw new ArithmeticException("training diverged: loss is " + value + " at epoch " + epoch + ", batch "
                    + (batchIndex + 1) + " (learning rate " + optimizer.lr() + "); lower the learning rate or clip gradients");
        }
        l.backward();
        if (config.clipNorm() > 0) {
            GradClip.clipGradNorm(optimizer.parameters(), config.clipNorm());
        }
        optimizer.step();
        return value;
    }

    /** The loss of one batch, with the graph recorded: the single override point of the loop. */
    protected Tensor batchLoss(DataLoader.Batch batch) {
        return loss.apply(model.forward(batch.features()), batch.targets());
    }

    /** Loss and metrics over {@code data}, in evaluation mode without recording a graph. */
    public Evaluation evaluate(Dataset data, int batchSize) {
        return evaluator.evaluate(data, batchSize);
    }

    /** The model's outputs for {@code features}, in evaluation mode. */
    public Tensor predict(Tensor features, int batchSize) {
        return evaluator.predict(features, batchSize);
    }

    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }
}
