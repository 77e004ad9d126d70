package dev.backprop.spark;

import dev.backprop.io.Safetensors;
import dev.backprop.nn.Module;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * Data-parallel training on Apache Spark: one barrier stage with a task per worker, gang-scheduled;
 * each task holds its partition in memory and a replica of the model, the tasks find each other
 * once through {@code BarrierTaskContext.allGather} and then sum gradients by a ring all-reduce over
 * TCP among themselves every step ({@link DataParallelWorker}); no driver and no Spark job in the
 * per-step path. Example {@code i} goes to worker {@code i mod N}, in index order, so a run is
 * reproducible whatever Spark's shuffle did.
 *
 * <pre>{@code
 * SparkTrainer.Result r = SparkTrainer.fit(sc, examples, config, 2);
 * Module model = r.model();
 * }</pre>
 */
public final class SparkTrainer {
    private SparkTrainer() {
    }

    /**
     * The trained model; per epoch the global mean training loss and, for classifiers, the accuracy
     * over all partitions after it; worker 0's step times; and its seconds of training.
     */
    public record Result(Module model, List<Double> epochLosses, List<Double> epochAccuracies, StepTimes times,
                         double seconds) {
    }

    /** Trains on {@code examples} with {@code workers} tasks, which need as many free task slots at once. */
    public static Result fit(JavaSparkContext sc, JavaRDD<Example> examples, DistributedConfig config, int workers) {
        return fit(sc, examples, config, workers, null);
    }

    /**
     * {@link #fit(JavaSparkContext, JavaRDD, DistributedConfig, int)}, telling {@code progress} (may be null)
     * each epoch's global figures while training runs: worker 0 sends them to a port of the driver.
     */
    public static Result fit(JavaSparkContext sc, JavaRDD<Example> examples, DistributedConfig config, int workers,
                             java.util.function.Consumer<EpochProgress> progress) {
        if (workers < 2) {
            throw new IllegalArgumentException("SparkTrainer: data-parallel training needs at least 2 workers, got "
                    + workers + "; train on one machine with Trainer instead");
        }
        config.localBatch(workers);   // refuses a global batch that does not split evenly, before any job runs
        if (sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            throw new IllegalArgumentException("SparkTrainer: a barrier stage needs a fixed set of executors; set"
                    + " spark.dynamicAllocation.enabled=false for training");
        }
        awaitSlots(sc, workers, config.timeout());
        InputCheck.check(examples, config, workers);
        JavaRDD<Example> partitioned = examples
                .mapToPair(e -> new Tuple2<>((int) (e.index() % workers), e))
                .partitionBy(new HashPartitioner(workers))
                .values();
        // The barrier stage feeds a shuffle rather than the job's result, so that when a task or its executor
        // dies Spark runs the whole stage again (and every worker resumes from the newest checkpoint they share)
        // instead of aborting the job.
        List<byte[]> results;
        try (ProgressListener listener = progress == null ? null : new ProgressListener(sc, progress)) {
            results = partitioned.rdd().barrier()
                    .mapPartitions(new WorkerTask(config, listener == null ? null : listener.address()), false,
                            ClassTag$.MODULE$.apply(byte[].class))
                    .toJavaRDD().repartition(1).collect();
        }
        if (results.size() != 1) {
            throw new IllegalStateException("SparkTrainer: expected worker 0's result alone, got " + results.size());
        }
        return decode(results.get(0), config);
    }

    /**
     * Waits, at most {@code timeout}, until the cluster offers {@code workers} task slots at once (executors
     * register some seconds after the context starts), then refuses if it still does not.
     */
    private static void awaitSlots(JavaSparkContext sc, int workers, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean local = sc.master().startsWith("local[") || sc.master().equals("local");
        while (!local && sc.sc().defaultParallelism() < workers && System.nanoTime() < deadline) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for executors", e);
            }
        }
        int slots = sc.sc().defaultParallelism();
        if (slots < workers) {
            throw new IllegalArgumentException("SparkTrainer: " + workers + " workers need " + workers + " task slots at"
                    + " once (a barrier stage), but the cluster offers " + slots + (local ? "" : " after "
                    + timeout.toSeconds() + " s") + "; use fewer workers or more executor cores");
        }
    }

    /** Worker 0's outcome as bytes: its weights in safetensors, the losses and times in the metadata. */
    static byte[] encode(DataParallelWorker.Outcome o) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("epoch_losses", join(o.epochLosses()));
        meta.put("epoch_accuracies", join(o.epochAccuracies()));
        meta.put("step_times", join(o.times().toList()));
        meta.put("seconds", Double.toString(o.seconds()));
        return Safetensors.toBytes(o.weights(), meta);
    }

    private static String join(List<Double> values) {
        return String.join(",", values.stream().map(String::valueOf).toList());
    }

    private static List<Double> numbers(String joined) {
        List<Double> out = new ArrayList<>();
        for (String v : joined.split(",")) {
            if (!v.isEmpty()) {
                out.add(Double.parseDouble(v));
            }
        }
        return out;
    }

    private static Result decode(byte[] bytes, DistributedConfig config) {
        Safetensors.Contents c;
        try {
            c = Safetensors.read(bytes, "worker 0's result");
        } catch (IOException e) {
            throw new UncheckedIOException("the driver could not read worker 0's weights: " + e.getMessage(), e);
        }
        Module model = DataParallelWorker.build(config);
        model.loadStateDict(new LinkedHashMap<>(c.tensors()));
        return new Result(model, numbers(c.metadata().get("epoch_losses")), numbers(c.metadata().get("epoch_accuracies")),
                StepTimes.of(numbers(c.metadata().get("step_times"))), Double.parseDouble(c.metadata().get("seconds")));
    }
}
