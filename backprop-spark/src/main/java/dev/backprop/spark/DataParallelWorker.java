package dev.backprop.spark;

import dev.backprop.data.Batch;
import dev.backprop.data.BatchSource;
import dev.backprop.data.DataLoader;
import dev.backprop.data.Dataset;
import dev.backprop.nn.Module;
import dev.backprop.spark.ring.Ring;
import dev.backprop.spark.ring.RingAllReduce;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Callback;
import dev.backprop.train.EpochResult;
import dev.backprop.train.Evaluator;
import dev.backprop.train.FitConfig;
import dev.backprop.train.History;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import dev.backprop.train.Checkpointing;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One worker of data-parallel training: a replica of the model built from the shared seed, the one
 * {@link Trainer} loop over this worker's partition, and {@link DataParallelGradients} at the loop's
 * gradient hook. Every step each worker takes {@code globalBatch / N} examples of its own shuffled
 * partition; an epoch is as many steps as the smallest partition allows, so every worker takes
 * the same number of steps. The same code runs in a Spark task and in the tests' threads.
 */
public final class DataParallelWorker {
    private DataParallelWorker() {
    }

    /**
     * A worker's result: its final weights, per epoch the global mean training loss and the
     * accuracy over all partitions after it (classifiers; empty for a regression), where its steps
     * went, and the seconds it trained. After a resumption, the epochs trained since.
     */
    public record Outcome(Map<String, Tensor> weights, List<Double> epochLosses, List<Double> epochAccuracies,
                          StepTimes times, double seconds) {
    }

    /** The generator a worker shuffles its partition with. */
    static Generator shuffling(long seed, int rank) {
        return new Generator(seed * 1_000_003L + rank + 1);
    }

    /** Trains this worker's replica on {@code shard}, in step with the other workers of {@code ring}, from the start. */
    public static Outcome train(Ring ring, Dataset shard, int stepsPerEpoch, DistributedConfig config) {
        return train(ring, shard, stepsPerEpoch, config, null, p -> { });
    }

    /**
     * Trains this worker's replica on {@code shard}, in step with the other workers of {@code ring};
     * with {@code resumeFrom} (a checkpoint file name every worker has, see {@link #newestCommon}),
     * each worker continues from its own checkpoint of that name, bit for bit. {@code progress} hears
     * every epoch's global figures as soon as all workers have them.
     */
    public static Outcome train(Ring ring, Dataset shard, int stepsPerEpoch, DistributedConfig config, String resumeFrom,
                                java.util.function.Consumer<EpochProgress> progress) {
        Module model = build(config);
        Trainer trainer = new Trainer(model, config.newOptimizer(model.parameters()),
                config.classification() ? LossFunction.crossEntropy() : LossFunction.mse());
        int local = config.localBatch(ring.size());
        StepTimes.Clock clock = new StepTimes.Clock();
        Callback averaging = new Callback() { };
        if (config.averageEvery() > 0) {
            averaging = new ParameterAveraging(ring, model, config.averageEvery(), clock);
        } else {
            trainer.addGradientTransform(new DataParallelGradients(ring, () -> local, clock));
        }
        BatchSource source = firstBatches(new DataLoader(shard, local, true, true, shuffling(config.seed(), ring.rank())),
                stepsPerEpoch);
        GlobalFigures global = new GlobalFigures(ring, new Evaluator(model, trainer.loss()), shard, config, progress);
        FitConfig fit = FitConfig.DEFAULT.withEpochs(config.epochs()).withBatchSize(local).withSeed(config.seed())
                .withSchedule(config.schedule()).withClipNorm(config.clipNorm());
        CheckpointStore store = null;
        Path scratch = null;
        Callback mirror = new Callback() { };
        if (config.checkpointDir() != null) {
            store = new CheckpointStore(config.checkpointDir(), ring.rank());
            scratch = scratch(ring.rank());
            fit = fit.withCheckpointing(new Checkpointing(scratch, config.checkpointEvery(), 3));
            mirror = store.mirror();
        }
        long start = System.nanoTime();
        History history;
        try {
            if (resumeFrom == null) {
                history = trainer.fit(source, null, fit, averaging, global, mirror);
            } else {
                history = trainer.resume(store.fetch(resumeFrom, scratch), source, null, fit, averaging, global, mirror);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("worker " + ring.rank() + ": could not resume from " + resumeFrom + ": "
                    + e.getMessage(), e);
        } finally {
            deleteScratch(scratch);
        }
        return new Outcome(model.stateDict(), global.losses, global.accuracies, clock.times(history.speed().seconds()),
                (System.nanoTime() - start) / 1e9);
    }

    /**
     * At each epoch's end, the figures over all workers: the mean training loss and (classifiers) the
     * accuracy over every partition, one small all-reduce; told to {@code progress} as they come.
     */
    private static final class GlobalFigures implements Callback {
        private final Ring ring;
        private final Evaluator evaluator;
        private final Dataset shard;
        private final DistributedConfig config;
        private final java.util.function.Consumer<EpochProgress> progress;
        final List<Double> losses = new ArrayList<>();
        final List<Double> accuracies = new ArrayList<>();

        GlobalFigures(Ring ring, Evaluator evaluator, Dataset shard, DistributedConfig config,
                      java.util.function.Consumer<EpochProgress> progress) {
            this.ring = ring;
            this.evaluator = evaluator;
            this.shard = shard;
            this.config = config;
            this.progress = progress;
        }

        @Override
        public boolean onEpochEnd(EpochResult r) {
            double correct = config.classification()
                    ? evaluator.evaluate(shard, 512, 1).classification().accuracy() * shard.size() : 0;
            float[] sums = {(float) (r.trainLoss() * r.examples()), r.examples(), (float) correct, shard.size()};
            RingAllReduce.sum(ring, sums);
            losses.add((double) sums[0] / sums[1]);
            double accuracy = Double.NaN;
            if (config.classification()) {
                accuracy = (double) Math.round(sums[2]) / sums[3];
                accuracies.add(accuracy);
            }
            progress.accept(new EpochProgress(r.epoch(), config.epochs(), losses.get(losses.size() - 1), accuracy, r.lr(),
                    r.seconds(), Math.round(sums[1])));
            return false;
        }
    }

    /**
     * A fresh local folder where the loop writes this worker's checkpoints before they are stored, under
     * {@link #scratchRoot}: an executor killed mid-training (the case checkpoints are for) never runs the
     * {@code finally} that deletes it, and Spark deletes its executors' local folders when the application ends.
     */
    private static Path scratch(int rank) {
        Path root = scratchRoot(System.getenv());
        try {
            return Files.createTempDirectory(root, "backprop-worker-" + rank + "-checkpoints");
        } catch (IOException e) {
            throw new UncheckedIOException("worker " + rank + ": no local folder for checkpoints in " + root + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The local folder for a worker's scratch, chosen as Spark chooses its executors' local folders: in a YARN
     * container the first of {@code LOCAL_DIRS}; on a standalone cluster's executor the first of
     * {@code SPARK_EXECUTOR_DIRS} (made for the application by the Worker, which deletes them when it ends); else
     * the first of {@code SPARK_LOCAL_DIRS}; else the JVM's temporary folder.
     */
    static Path scratchRoot(Map<String, String> env) {
        String dirs = null;
        String separator = ",";
        if (env.get("CONTAINER_ID") != null && env.get("LOCAL_DIRS") != null) {
            dirs = env.get("LOCAL_DIRS");
        } else if (env.get("SPARK_EXECUTOR_DIRS") != null) {
            dirs = env.get("SPARK_EXECUTOR_DIRS");
            separator = File.pathSeparator;
        } else if (env.get("SPARK_LOCAL_DIRS") != null) {
            dirs = env.get("SPARK_LOCAL_DIRS");
        }
        if (dirs != null) {
            for (String dir : dirs.split(Pattern.quote(separator))) {
                if (!dir.isBlank()) {
                    return Path.of(dir.trim());
                }
            }
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static void deleteScratch(Path scratch) {
        if (scratch == null) {
            return;
        }
        try (var files = Files.list(scratch)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(scratch);
        } catch (IOException ignored) {
            // a temporary folder left behind costs only disk; the stored checkpoints are what count
        }
    }

    /** The names of worker {@code rank}'s stored checkpoints (only whole ones carry a checkpoint's name). */
    static List<String> checkpoints(DistributedConfig config, int rank) {
        return config.checkpointDir() == null ? List.of() : new CheckpointStore(config.checkpointDir(), rank).names();
    }

    /** The newest checkpoint every worker has (names sort by progress), or null when they share none. */
    static String newestCommon(List<List<String>> perWorker) {
        java.util.Set<String> common = new java.util.TreeSet<>(perWorker.get(0));
        for (List<String> names : perWorker) {
            common.retainAll(names);
        }
        return common.isEmpty() ? null : ((java.util.TreeSet<String>) common).last();
    }

    /** A fresh replica: the same weights on every worker, from the shared seed. */
    static Module build(DistributedConfig config) {
        return config.spec().build(new Generator(config.seed()));
    }

    /** The steps an epoch takes: as many full local batches as the smallest of the partitions holds. */
    static int stepsPerEpoch(List<Integer> partitionSizes, int localBatch) {
        int smallest = partitionSizes.stream().mapToInt(Integer::intValue).min().orElse(0);
        if (smallest < localBatch) {
            throw new IllegalArgumentException("a partition holds " + smallest + " examples, fewer than one local batch of "
                    + localBatch + "; use fewer workers or a smaller global batch");
        }
        return smallest / localBatch;
    }

    /** {@code inner} with each pass cut to its first {@code batches} batches. */
    static BatchSource firstBatches(BatchSource inner, int batches) {
        if (batches > inner.batchesPerEpoch()) {
            throw new IllegalArgumentException("a pass of " + inner.batchesPerEpoch() + " batches cannot give " + batches);
        }
        return new BatchSource() {
            @Override
            public int batchesPerEpoch() {
                return batches;
            }

            @Override
            public Generator generator() {
                return inner.generator();
            }

            @Override
            public int[] drawOrder() {
                return inner.drawOrder();
            }

            @Override
            public Iterator<Batch> pass(int[] order, int first) {
                Iterator<Batch> all = inner.pass(order, first);
                return new Iterator<>() {
                    private int next = first;

                    @Override
                    public boolean hasNext() {
                        return next < batches && all.hasNext();
                    }

                    @Override
                    public Batch next() {
                        if (!hasNext()) {
                            throw new java.util.NoSuchElementException("no more batches in this pass");
                        }
                        next++;
                        return all.next();
                    }
                };
            }

            @Override
            public Unit unit() {
                return inner.unit();
            }

            @Override
            public String describe() {
                return inner.describe() + ", the first " + batches + " batches of each pass";
            }
        };
    }
}
