package dev.backprop.train;

import dev.backprop.data.Batch;
import dev.backprop.data.BatchSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One {@link Trainer#fit} or {@link Trainer#resume} call: the loop over epochs and steps, with the
 * run's position (epoch, step) and its speed accounts. The trainer owns the model, the optimizer
 * and the step itself; this class only walks the batches and tells the callbacks.
 */
final class TrainingRun {
    private final Trainer trainer;
    private final BatchSource source;
    private final Validation validation;
    private final FitConfig config;
    private final Checkpoint from;
    private final Callback[] callbacks;
    private final String recipe;
    private final int perEpoch;
    private final long totalSteps;
    private long step;
    private long startStep;
    private long warmup;
    private long nanos;
    private long units;
    private long steadyNanos;
    private long steadyUnits;

    TrainingRun(Trainer trainer, BatchSource source, Validation validation, FitConfig config, Checkpoint from,
                Callback[] callbacks) {
        this.trainer = trainer;
        this.source = source;
        this.validation = validation;
        this.config = config;
        this.from = from;
        this.callbacks = callbacks;
        this.recipe = config.checkpointing().enabled() ? trainer.recipe(source, config) : null;
        this.perEpoch = source.batchesPerEpoch();
        if (perEpoch <= 0) {
            throw new IllegalArgumentException("fit: the batch source has no batches (" + source.describe() + ")");
        }
        this.totalSteps = config.budget().totalSteps(perEpoch);
    }

    History run() {
        int startEpoch = 1;
        if (from != null) {
            trainer.restore(from, source);
            startEpoch = from.epoch();
        }
        step = startStep = (long) (startEpoch - 1) * perEpoch + (from == null ? 0 : from.batch());
        warmup = Trainer.warmupSteps(totalSteps - startStep);
        TrainingPlan plan = new TrainingPlan(config.budget(), perEpoch, totalSteps, startEpoch, startStep, source.unit());
        for (Callback c : callbacks) {
            c.onTrainBegin(plan);
        }
        List<EpochResult> results = new ArrayList<>();
        boolean stop = false;
        for (int epoch = startEpoch; step < totalSteps && !stop; epoch++) {
            boolean resuming = from != null && epoch == from.epoch() && from.batch() > 0;
            EpochResult result = epoch(epoch, resuming);
            results.add(result);
            for (Callback c : callbacks) {
                stop |= c.onEpochEnd(result);
            }
            if (recipe != null) {
                checkpointed(trainer.checkpoint(config.checkpointing(), recipe, source, epoch + 1, 0, 0, 0, null));
            }
        }
        History history = new History(results, stop, speed());
        for (Callback c : callbacks) {
            c.onTrainEnd(history);
        }
        return history;
    }

    /** One pass (or its part up to the end of the budget), then validation. */
    private EpochResult epoch(int epoch, boolean resuming) {
        if (config.scheduleUnit() == FitConfig.ScheduleUnit.EPOCH) {
            config.schedule().applyTo(trainer.optimizer(), trainer.baseLr(), epoch - 1);
        }
        int[] order = resuming ? from.order() : source.drawOrder();
        int batchIndex = resuming ? from.batch() : 0;
        double lossSum = resuming ? from.lossSum() : 0;
        int seen = resuming ? from.seen() : 0;
        int skipped = 0;
        long epochNanos = 0;
        trainer.model().train();
        int every = config.checkpointing().everySteps();
        for (Iterator<Batch> it = source.pass(order, batchIndex); it.hasNext() && step < totalSteps; ) {
            long start = System.nanoTime();
            if (config.scheduleUnit() == FitConfig.ScheduleUnit.STEP) {
                config.schedule().applyTo(trainer.optimizer(), trainer.baseLr(), Math.toIntExact(step));
            }
            Trainer.StepResult result = trainer.trainStep(it, config, epoch, batchIndex, step);
            double batchLoss = result.loss();
            long took = System.nanoTime() - start;
            epochNanos += took;
            account(took, result.examples());
            if (Double.isFinite(batchLoss)) {
                lossSum += batchLoss * result.examples();
                seen += result.examples();
            } else {
                skipped++;
            }
            batchIndex++;
            step++;
            for (Callback c : callbacks) {
                c.onBatchEnd(epoch, batchIndex, batchLoss, seen);
            }
            if (recipe != null && every > 0 && step % every == 0 && it.hasNext() && step < totalSteps) {
                checkpointed(trainer.checkpoint(config.checkpointing(), recipe, source, epoch, batchIndex, lossSum, seen, order));
            }
        }
        trainer.releaseStepBuffers();
        Evaluation val = validation == null ? null : trainer.evaluate(validation);
        return new EpochResult(epoch, step, seen == 0 ? Double.NaN : lossSum / seen, val, trainer.optimizer().lr(),
                epochNanos / 1e9, seen, skipped, source.unit());
    }

    private void checkpointed(java.nio.file.Path file) {
        for (Callback c : callbacks) {
            c.onCheckpoint(file);
        }
    }

    private void account(long took, int rows) {
        long u = (long) rows * source.unit().perRow();
        nanos += took;
        units += u;
        if (step - startStep >= warmup) {
            steadyNanos += took;
            steadyUnits += u;
        }
    }

    private History.Speed speed() {
        return new History.Speed(source.unit(), nanos / 1e9, nanos > 0 ? units / (nanos / 1e9) : Double.NaN,
                steadyNanos > 0 ? steadyUnits / (steadyNanos / 1e9) : Double.NaN, warmup);
    }
}
