package dev.backprop.train;

import dev.backprop.data.Batch;
import dev.backprop.data.BatchSource;
import dev.backprop.data.DataLoader;
import dev.backprop.data.Dataset;
import dev.backprop.nn.Module;
import dev.backprop.optim.GradClip;
import dev.backprop.optim.Optimizer;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.StepMemory;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop, one for every model: for each epoch, take the passes' batches from a
 * {@link BatchSource} (a shuffled {@link Dataset}, random windows of a text, ...) until the
 * {@link Budget} is spent, and for each: compute the loss, backpropagate, transform the gradients
 * (the {@link GradientTransform}s, then clipping), step the optimizer; then validate and tell the
 * callbacks. Schedules run per epoch or per step, checkpoints every N steps continue bit for bit
 * ({@link #resume}), and a non-finite loss stops the run or skips its batch. A step's forward and
 * backward run in a {@link StepMemory}, so steps reuse the buffers of the step before. {@link #batchLoss}
 * is the one override point (e.g. for a loss with extra terms).
 *
 * <pre>{@code
 * Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
 * History h = trainer.fit(split.train(), split.test(), FitConfig.DEFAULT.withEpochs(20), new ProgressBar(System.out));
 * trainer.evaluate(split.test(), 256).classification().accuracy();
 * }</pre>
 */
public class Trainer {
    /** Steps a run takes before its speed counts as steady (the JIT compiles the step meanwhile), at most. */
    private static final long WARMUP_STEPS = 200;

    private final Module model;
    private final Optimizer optimizer;
    private final LossFunction loss;
    private final Evaluator evaluator;
    /** The optimizer's rate when the trainer was made: every fit's schedule starts from it. */
    private final double baseLr;
    private final List<GradientTransform> gradientTransforms = new ArrayList<>();
    /** The activation and gradient buffers of a step, reused by the next (unless a run turns reuse off). */
    private final StepMemory stepMemory = new StepMemory();
    /** Gradient clipping's temporaries (each gradient's squares), reused likewise. */
    private final StepMemory clipMemory = new StepMemory();

    public Trainer(Module model, Optimizer optimizer, LossFunction loss) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
        this.evaluator = new Evaluator(model, loss);
        this.baseLr = optimizer.lr();
    }

    /**
     * Adds a change to the gradients made after every backward pass and before the optimizer
     * step; transforms run in the order added, before the clipping of {@link FitConfig#clipNorm()}.
     */
    public Trainer addGradientTransform(GradientTransform transform) {
        if (transform == null) {
            throw new IllegalArgumentException("Trainer.addGradientTransform: the transform must not be null");
        }
        gradientTransforms.add(transform);
        return this;
    }

    /**
     * Trains on {@code train} shuffled into batches of {@link FitConfig#batchSize()} (seeded by
     * {@link FitConfig#seed()}, augmented by {@link FitConfig#augmentation()}), validating on
     * {@code validation} (may be null) after each epoch.
     */
    public History fit(Dataset train, Dataset validation, FitConfig config, Callback... callbacks) {
        return fit(loader(train, config), validation(validation, config), config, callbacks);
    }

    /** Trains on the batches of {@code source}, validating with {@code validation} (may be null) after each epoch. */
    public History fit(BatchSource source, Validation validation, FitConfig config, Callback... callbacks) {
        return new TrainingRun(this, source, validation, config, null, callbacks).run();
    }

    /**
     * Continues the run that wrote {@code checkpoint} (a file, or a checkpoint directory, whose newest
     * intact file is used), with the same data and settings: the final weights are bit for bit those
     * of an uninterrupted run. The returned history holds the epochs trained after resuming.
     */
    public History resume(Path checkpoint, Dataset train, Dataset validation, FitConfig config, Callback... callbacks)
            throws IOException {
        return resume(checkpoint, loader(train, config), validation(validation, config), config, callbacks);
    }

    /** {@link #resume(Path, Dataset, Dataset, FitConfig, Callback...)} for a run over any batch source. */
    public History resume(Path checkpoint, BatchSource source, Validation validation, FitConfig config,
                          Callback... callbacks) throws IOException {
        Checkpoint c = Checkpoint.latest(checkpoint);
        String expected = recipe(source, config);
        if (!c.recipe().equals(expected)) {
            throw new IllegalArgumentException("resume: " + checkpoint + " was written by a run with other settings;"
                    + " resume with the same model, optimizer, data and options.\n  checkpoint: " + c.recipe()
                    + "\n  this run:   " + expected);
        }
        return new TrainingRun(this, source, validation, config, c, callbacks).run();
    }

    private static DataLoader loader(Dataset train, FitConfig config) {
        return new DataLoader(train, config.batchSize(), true, false, new Generator(config.seed()), config.augmentation());
    }

    private static Validation validation(Dataset validation, FitConfig config) {
        return validation == null ? null : Validation.of(validation, Math.max(256, config.batchSize()), config.topK());
    }

    /** What must not change between a run and its resumption. */
    String recipe(BatchSource source, FitConfig config) {
        return model.getClass().getSimpleName() + " " + model.parameterCount() + " parameters; "
                + optimizer.getClass().getSimpleName() + " lr " + baseLr + "; " + config.budget() + ", seed " + config.seed()
                + ", clip " + config.clipNorm() + ", " + config.schedule() + " per " + config.scheduleUnit()
                + (gradientTransforms.isEmpty() ? "" : ", " + gradientTransforms.size() + " gradient transforms")
                + "; " + source.describe();
    }

    /** What one step did: the batch's loss (NaN for a skipped batch) and how many examples it had. */
    record StepResult(double loss, int examples) {
    }

    /**
     * One step on the next batch of {@code batches}: zero the gradients, compute the batch's loss, and
     * unless it is not finite, backpropagate, transform the gradients and step.
     */
    StepResult trainStep(Iterator<Batch> batches, FitConfig config, int epoch, int batchIndex, long step) {
        optimizer.zeroGrad();
        float value;
        int examples;
        // Forward and backward in the step's memory: the activations and their gradients die with it,
        // their buffers kept for the next step; the parameters' gradients are the parameters' own. The
        // batch is made inside it too, so a loader that decodes its batches writes them into recycled buffers.
        try (StepMemory.Scope scope = config.reuseBuffers() ? stepMemory.open() : null) {
            Batch batch = batches.next();
            examples = batch.size();
            Tensor l = batchLoss(batch);
            value = l.item();
            if (!Float.isFinite(value)) {
                if (config.onNonFiniteLoss() == NonFiniteLoss.SKIP_BATCH) {
                    return new StepResult(Double.NaN, examples);   // no backward, no step: the parameters stay as they were
                }
                throw new NonFiniteLossException(epoch, batchIndex + 1, step + 1, value, optimizer.lr());
            }
            l.backward();
        }
        transformGradients(config.clipNorm(), config.reuseBuffers());
        optimizer.step();
        return new StepResult(value, examples);
    }

    /** Lets the collector have the step buffers while no step runs: before validation, after training. */
    void releaseStepBuffers() {
        stepMemory.release();
        clipMemory.release();
    }

    /** The one place where gradients change between backward and the optimizer step. */
    private void transformGradients(double clipNorm, boolean reuseBuffers) {
        List<Tensor> parameters = optimizer.parameters();
        for (GradientTransform t : gradientTransforms) {
            t.apply(parameters);
        }
        if (clipNorm > 0) {
            // Clipping scales the gradients in place; only its sums of squares are temporaries.
            try (StepMemory.Scope scope = reuseBuffers ? clipMemory.open() : null) {
                GradClip.clipGradNorm(parameters, clipNorm);
            }
        }
    }

    /** The loss of one batch, with the graph recorded: the single override point of the loop. */
    protected Tensor batchLoss(Batch batch) {
        return loss.apply(model.forward(batch.inputs()), batch.targets());
    }

    /** Loss and metrics over {@code data}, in evaluation mode without recording a graph. */
    public Evaluation evaluate(Dataset data, int batchSize) {
        return evaluator.evaluate(data, batchSize);
    }

    /** Evaluates the model with {@code validation} (e.g. a loss estimate), under this trainer's loss. */
    public Evaluation evaluate(Validation validation) {
        return validation.evaluate(model, loss);
    }

    /** The model's outputs for {@code features}, in evaluation mode. */
    public Tensor predict(Tensor features, int batchSize) {
        return evaluator.predict(features, batchSize);
    }

    /** The model's outputs for the examples of {@code data}, in evaluation mode (compact data decoded a batch at a time). */
    public Tensor predict(Dataset data, int batchSize) {
        return evaluator.predict(data, batchSize);
    }

    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** The loss this trainer minimises. */
    public LossFunction loss() {
        return loss;
    }

    double baseLr() {
        return baseLr;
    }

    static long warmupSteps(long steps) {
        return Math.min(WARMUP_STEPS, steps / 5);
    }

    /** Saves the state of the run at this point of its progress into the checkpoint policy's directory; returns the file. */
    Path checkpoint(Checkpointing policy, String recipe, BatchSource source, int epoch, int batch, double lossSum, int seen,
                    int[] order) {
        Map<String, Generator.State> generators = new LinkedHashMap<>();
        model.namedGenerators().forEach((name, g) -> generators.put(name, g.state()));
        Generator data = source.generator();
        Checkpoint c = new Checkpoint(epoch, batch, lossSum, seen, order, data == null ? null : data.state(), generators,
                optimizer.state(), model.stateDict(), recipe);
        try {
            Path file = policy.directory().resolve(Checkpoint.fileName(epoch, batch));
            c.save(file);
            Checkpoint.prune(policy.directory(), policy.keep());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write a checkpoint into " + policy.directory() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Puts the model, the optimizer and every generator back as {@code from} saved them. */
    void restore(Checkpoint from, BatchSource source) {
        model.loadStateDict(from.model());
        optimizer.restore(from.optimizer());
        Generator data = source.generator();
        if ((data == null) != (from.data() == null)) {
            throw new IllegalArgumentException("resume: the checkpoint " + (from.data() == null ? "has no" : "has a")
                    + " data generator state, but the batch source " + (data == null ? "draws nothing" : "draws at random"));
        }
        if (data != null) {
            data.restore(from.data());
        }
        Map<String, Generator> generators = model.namedGenerators();
        if (!generators.keySet().equals(from.modelGenerators().keySet())) {
            throw new IllegalArgumentException("resume: the checkpoint has generators " + from.modelGenerators().keySet()
                    + ", the model " + generators.keySet());
        }
        generators.forEach((name, g) -> g.restore(from.modelGenerators().get(name)));
    }
}
