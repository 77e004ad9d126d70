package dev.backprop.train;

import dev.backprop.data.DataLoader;
import dev.backprop.data.Dataset;
import dev.backprop.nn.Module;
import dev.backprop.optim.GradClip;
import dev.backprop.optim.Optimizer;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        return run(train, validation, config, null, callbacks);
    }

    /**
     * Continues the run that wrote {@code checkpoint} (a file, or a checkpoint directory, whose newest
     * intact file is used), with the same data and settings: the final weights are bit for bit those
     * of an uninterrupted run. The returned history holds the epochs trained after resuming.
     */
    public History resume(Path checkpoint, Dataset train, Dataset validation, FitConfig config, Callback... callbacks)
            throws IOException {
        Checkpoint c = Checkpoint.latest(checkpoint);
        String expected = recipe(train, config);
        if (!c.recipe().equals(expected)) {
            throw new IllegalArgumentException("resume: " + checkpoint + " was written by a run with other settings;"
                    + " resume with the same model, optimizer, data and options.\n  checkpoint: " + c.recipe()
                    + "\n  this run:   " + expected);
        }
        return run(train, validation, config, c, callbacks);
    }

    /** What must not change between a run and its resumption. */
    private String recipe(Dataset train, FitConfig config) {
        return model.getClass().getSimpleName() + " " + model.parameterCount() + " parameters; "
                + optimizer.getClass().getSimpleName() + " lr " + baseLr + "; " + config.epochs() + " epochs of batch "
                + config.batchSize() + ", seed " + config.seed() + ", clip " + config.clipNorm() + ", "
                + config.schedule() + ", " + config.augmentation() + "; "
                + train.size() + " training examples";
    }

    private History run(Dataset train, Dataset validation, FitConfig config, Checkpoint from, Callback... callbacks) {
        DataLoader loader = new DataLoader(train, config.batchSize(), true, false, new Generator(config.seed()),
                config.augmentation());
        int startEpoch = 1;
        if (from != null) {
            model.loadStateDict(from.model());
            optimizer.restore(from.optimizer());
            loader.generator().restore(from.data());
            Map<String, Generator> generators = model.namedGenerators();
            if (!generators.keySet().equals(from.modelGenerators().keySet())) {
                throw new IllegalArgumentException("resume: the checkpoint has generators " + from.modelGenerators().keySet()
                        + ", the model " + generators.keySet());
            }
            generators.forEach((name, g) -> g.restore(from.modelGenerators().get(name)));
            startEpoch = from.epoch();
        }
        for (Callback c : callbacks) {
            c.onTrainBegin(config.epochs(), loader.batchCount());
        }
        List<EpochResult> results = new ArrayList<>();
        boolean stop = false;
        String recipe = config.checkpointing().enabled() ? recipe(train, config) : null;
        for (int epoch = startEpoch; epoch <= config.epochs() && !stop; epoch++) {
            config.schedule().applyTo(optimizer, baseLr, epoch - 1);
            boolean resuming = from != null && epoch == from.epoch() && from.batch() > 0;
            int[] order = resuming ? from.order() : loader.drawOrder();
            int batchIndex = resuming ? from.batch() : 0;
            double lossSum = resuming ? from.lossSum() : 0;
            int seen = resuming ? from.seen() : 0;
            int skipped = 0;
            long start = System.nanoTime();
            model.train();
            for (Iterator<DataLoader.Batch> it = loader.pass(order, batchIndex); it.hasNext(); ) {
                DataLoader.Batch batch = it.next();
                double batchLoss = trainStep(batch, config, epoch, batchIndex);
                if (Double.isFinite(batchLoss)) {
                    lossSum += batchLoss * batch.size();
                    seen += batch.size();
                } else {
                    skipped++;
                }
                batchIndex++;
                for (Callback c : callbacks) {
                    c.onBatchEnd(epoch, batchIndex, batchLoss, seen);
                }
                int every = config.checkpointing().everySteps();
                if (recipe != null && every > 0 && batchIndex % every == 0 && it.hasNext()) {
                    checkpoint(config.checkpointing(), epoch, batchIndex, lossSum, seen, order, loader, recipe);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Evaluation val = validation == null ? null
                    : evaluator.evaluate(validation, Math.max(256, config.batchSize()), config.topK());
            EpochResult result = new EpochResult(epoch, lossSum / seen, val, optimizer.lr(), seconds, seen, skipped);
            results.add(result);
            for (Callback c : callbacks) {
                stop |= c.onEpochEnd(result);
            }
            if (recipe != null) {
                checkpoint(config.checkpointing(), epoch + 1, 0, 0, 0, null, loader, recipe);
            }
        }
        History history = new History(results, stop);
        for (Callback c : callbacks) {
            c.onTrainEnd(history);
        }
        return history;
    }

    private void checkpoint(Checkpointing policy, int epoch, int batch, double lossSum, int seen, int[] order,
                            DataLoader loader, String recipe) {
        Map<String, Generator.State> generators = new LinkedHashMap<>();
        model.namedGenerators().forEach((name, g) -> generators.put(name, g.state()));
        Checkpoint c = new Checkpoint(epoch, batch, lossSum, seen, order, loader.generator().state(), generators,
                optimizer.state(), model.stateDict(), recipe);
        try {
            c.save(policy.directory().resolve(Checkpoint.fileName(epoch, batch)));
            Checkpoint.prune(policy.directory(), policy.keep());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not write a checkpoint into " + policy.directory() + ": "
                    + e.getMessage(), e);
        }
    }

    private double trainStep(DataLoader.Batch batch, FitConfig config, int epoch, int batchIndex) {
        optimizer.zeroGrad();
        Tensor l = batchLoss(batch);
        float value = l.item();
        if (!Float.isFinite(value)) {
            if (config.onNonFiniteLoss() == NonFiniteLoss.SKIP_BATCH) {
                return Double.NaN;   // no backward, no step: the parameters stay as they were
            }
            throw new ArithmeticException("training diverged: loss is " + value + " at epoch " + epoch + ", batch "
                    + (batchIndex + 1) + " (learning rate " + optimizer.lr() + "); the parameters and the last checkpoint"
                    + " are as they were before this batch. Lower the learning rate, clip gradients, skip such batches"
                    + " (NonFiniteLoss.SKIP_BATCH) or find the op that produced it with anomaly detection");
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
