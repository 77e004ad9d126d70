package dev.backprop.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Batch;
import dev.backprop.data.DataLoader;
import dev.backprop.data.Dataset;
import dev.backprop.data.NamedDatasets;
import dev.backprop.nn.Module;
import dev.backprop.optim.Optimizer;
import dev.backprop.spark.ring.Ring;
import dev.backprop.spark.ring.RingAllReduce;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.LossFunction;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * The ring all-reduce and data-parallel training in one process, workers as threads on loopback
 * sockets: the same code a Spark task runs, checked against single-process computations.
 */
class DataParallelTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Runs {@code work(rank, ring)} on {@code n} threads joined in a ring; returns each rank's result. */
    static <T> List<T> inRing(int n, BiFunction<Integer, Ring, T> work) throws Exception {
        List<ServerSocket> servers = new ArrayList<>();
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            ServerSocket s = Ring.listen("127.0.0.1");
            servers.add(s);
            addresses.add(new InetSocketAddress("127.0.0.1", s.getLocalPort()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (ServerSocket server = servers.get(rank); Ring ring = Ring.connect(rank, addresses, server, TIMEOUT)) {
                        return work.apply(rank, ring);
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(120, java.util.concurrent.TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theRingSumsInTheOrderOfTheReferenceForAnyNumberOfWorkersAndLength() throws Exception {
        for (int n : new int[] {2, 3, 4}) {
            for (int length : new int[] {1, 5, 1001, 70_000}) {
                float[][] parts = new float[n][];
                Generator g = new Generator(n * 100_000L + length);
                for (int r = 0; r < n; r++) {
                    parts[r] = Tensor.randn(g, length).mul(1000f).toFloatArray();
                }
                float[] expected = RingAllReduce.referenceSum(parts);
                List<float[]> results = inRing(n, (rank, ring) -> {
                    float[] mine = parts[rank].clone();
                    RingAllReduce.sum(ring, mine);
                    return mine;
                });
                for (int r = 0; r < n; r++) {
                    assertArrayEquals(expected, results.get(r), n + " workers, length " + length + ", worker " + r);
                }
                double plain = 0;   // and it is the sum, up to rounding
                for (int r = 0; r < n; r++) {
                    plain += parts[r][length - 1];
                }
                assertEquals(plain, expected[length - 1], 1e-3);
            }
        }
    }

    @Test
    void aWorkerThatNeverComesMakesTheRingFailWithinItsTimeoutNamingIt() throws Exception {
        try (ServerSocket mine = Ring.listen("127.0.0.1"); ServerSocket silent = Ring.listen("127.0.0.1")) {
            List<InetSocketAddress> addresses = List.of(new InetSocketAddress("127.0.0.1", mine.getLocalPort()),
                    new InetSocketAddress("127.0.0.1", silent.getLocalPort()));
            long start = System.nanoTime();
            java.io.IOException e = assertThrows(java.io.IOException.class,
                    () -> Ring.connect(0, addresses, mine, Duration.ofSeconds(2)));
            assertTrue(e.getMessage().contains("worker 0: worker 1 did not connect within 2 s"), e.getMessage());
            assertTrue((System.nanoTime() - start) / 1e9 < 10, "bounded by the timeout");
        }
    }

    /** The embedded digits split in two by index parity: what each worker of two holds. */
    static List<Dataset> shards(Dataset all, int n) {
        List<Dataset> out = new ArrayList<>();
        for (int w = 0; w < n; w++) {
            List<Integer> rows = new ArrayList<>();
            for (int i = w; i < all.size(); i += n) {
                rows.add(i);
            }
            out.add(all.subset(rows.stream().mapToInt(Integer::intValue).toArray()));
        }
        return out;
    }

    static final DistributedConfig CONFIG = new DistributedConfig(dev.backprop.nn.Architecture.parse("mlp:32"), List.of(64), 10, true, 3e-3, 2, 32, 5, TIMEOUT);

    /** A killed executor's checkpoint scratch must lie where Spark cleans up, not in /tmp for good. */
    @Test
    void aWorkersScratchLiesInTheLocalFoldersSparkDeletesWhenTheApplicationEnds() {
        String sep = java.io.File.pathSeparator;
        assertEquals(java.nio.file.Path.of("/data1/app-7/executor-1"), DataParallelWorker.scratchRoot(Map.of(
                "SPARK_EXECUTOR_DIRS", "/data1/app-7/executor-1" + sep + "/data2/app-7/executor-1",
                "SPARK_LOCAL_DIRS", "/ignored")), "a standalone executor: the Worker's folders for the application");
        assertEquals(java.nio.file.Path.of("/yarn/nm/usercache/u/appcache/application_1"), DataParallelWorker.scratchRoot(
                Map.of("CONTAINER_ID", "container_1", "LOCAL_DIRS", " /yarn/nm/usercache/u/appcache/application_1,/d2",
                        "SPARK_EXECUTOR_DIRS", "/ignored")), "a YARN container: the NodeManager's folders");
        assertEquals(java.nio.file.Path.of("/scratch"), DataParallelWorker.scratchRoot(Map.of("LOCAL_DIRS", "/not-yarn",
                "SPARK_LOCAL_DIRS", ",/scratch")), "outside YARN, LOCAL_DIRS means nothing; blank entries are skipped");
        assertEquals(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")),
                DataParallelWorker.scratchRoot(Map.of()), "no cluster: the JVM's temporary folder");
    }

    @Test
    void theOptimizerScheduleAndClippingOfAConfigRunOnEveryWorkerAsInOneProcess() throws Exception {
        DistributedConfig config = CONFIG.withEpochs(3).withOptimizer(dev.backprop.optim.OptimizerKind.MOMENTUM, 1e-4)
                .withSchedule(dev.backprop.optim.schedule.ScheduleKind.ONECYCLE.create(3, 0.05)).withClipNorm(0.5);
        List<Dataset> shards = shards(NamedDatasets.embeddedDigits().train(), 2);
        int steps = DataParallelWorker.stepsPerEpoch(shards.stream().map(Dataset::size).toList(), config.localBatch(2));
        List<DataParallelWorker.Outcome> outcomes = inRing(2, (rank, ring) ->
                DataParallelWorker.train(ring, shards.get(rank), steps, config));
        Map<String, Tensor> reference = singleProcess(config, shards, steps, true);
        for (String name : reference.keySet()) {
            assertArrayEquals(reference.get(name).toFloatArray(), outcomes.get(1).weights().get(name).toFloatArray(), name);
        }
        assertTrue(outcomes.get(0).epochAccuracies().get(2) > 0.8, outcomes.get(0).epochAccuracies().toString());
    }

    @Test
    void localSgdAveragesTheReplicasEveryKStepsAndAtTheEnd() throws Exception {
        DistributedConfig config = CONFIG.withEpochs(3).withAverageEvery(5);
        List<Dataset> shards = shards(NamedDatasets.embeddedDigits().train(), 2);
        int steps = DataParallelWorker.stepsPerEpoch(shards.stream().map(Dataset::size).toList(), config.localBatch(2));
        List<DataParallelWorker.Outcome> outcomes = inRing(2, (rank, ring) ->
                DataParallelWorker.train(ring, shards.get(rank), steps, config));
        for (String name : outcomes.get(0).weights().keySet()) {
            assertArrayEquals(outcomes.get(0).weights().get(name).toFloatArray(),
                    outcomes.get(1).weights().get(name).toFloatArray(), name + ": the replicas end averaged");
        }
        StepTimes times = outcomes.get(0).times();
        assertEquals(3L * steps, times.steps(), "the figures are per training step, not per averaging");
        assertTrue(times.allReduceMillis() + times.waitMillis() > 0, times.toString());
        assertTrue(outcomes.get(0).epochAccuracies().get(2) > 0.9, outcomes.get(0).epochAccuracies().toString());
        Map<String, Tensor> summed = singleProcess(config.withAverageEvery(0), shards, steps, true);
        assertTrue(!java.util.Arrays.equals(summed.get("0.weight").toFloatArray(),
                outcomes.get(0).weights().get("0.weight").toFloatArray()), "local SGD is another algorithm");
    }

    @Test
    void twoWorkersEqualOneProcessThatSplitsEachBatchAndSumsInTheSameOrder() throws Exception {
        Dataset digits = NamedDatasets.embeddedDigits().train();
        List<Dataset> shards = shards(digits, 2);
        int local = CONFIG.localBatch(2);
        int steps = DataParallelWorker.stepsPerEpoch(shards.stream().map(Dataset::size).toList(), local);
        List<DataParallelWorker.Outcome> outcomes = inRing(2, (rank, ring) ->
                DataParallelWorker.train(ring, shards.get(rank), steps, CONFIG));
        Map<String, Tensor> reference = singleProcess(CONFIG, shards, steps, true);
        for (DataParallelWorker.Outcome o : outcomes) {
            for (String name : reference.keySet()) {
                assertArrayEquals(reference.get(name).toFloatArray(), o.weights().get(name).toFloatArray(), name);
            }
        }
        assertEquals(2, outcomes.get(0).epochLosses().size());
        assertEquals(outcomes.get(0).epochLosses(), outcomes.get(1).epochLosses(), "every worker knows the global loss");
        assertTrue(outcomes.get(0).epochLosses().get(1) < outcomes.get(0).epochLosses().get(0));
        assertEquals(2L * steps, outcomes.get(0).times().steps());

        Map<String, Tensor> plain = singleProcess(CONFIG, shards, steps, false);
        for (String name : plain.keySet()) {
            float[] a = plain.get(name).toFloatArray();
            float[] b = outcomes.get(0).weights().get(name).toFloatArray();
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                scale = Math.max(scale, Math.abs(a[i]));
                diff = Math.max(diff, Math.abs(a[i] - b[i]));
            }
            assertTrue(diff <= 1e-5 * scale, name + ": " + diff + " against weights up to " + scale
                    + ": plain training on the same global batches differs only in the order of the sums");
        }
    }

    /**
     * Trains as the two workers do, in one process: each step, each shard's batch (drawn as the
     * worker draws it); then either each shard's gradient times its count, summed in the ring's order
     * and divided by the total ({@code ringOrder}), or one forward and backward over both batches
     * together (plain training on the same global batch).
     */
    static Map<String, Tensor> singleProcess(DistributedConfig config, List<Dataset> shards, int steps, boolean ringOrder) {
        Module model = DataParallelWorker.build(config);
        Optimizer adam = config.newOptimizer(model.parameters());
        LossFunction loss = LossFunction.crossEntropy();
        int local = config.localBatch(shards.size());
        List<DataLoader> loaders = new ArrayList<>();
        for (int w = 0; w < shards.size(); w++) {
            loaders.add(new DataLoader(shards.get(w), local, true, true, DataParallelWorker.shuffling(config.seed(), w)));
        }
        List<Tensor> params = model.parameters();
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            config.schedule().applyTo(adam, config.lr(), epoch);
            List<Iterator<Batch>> passes = new ArrayList<>();
            for (DataLoader l : loaders) {
                passes.add(l.pass(l.drawOrder(), 0));
            }
            for (int s = 0; s < steps; s++) {
                List<Batch> batches = passes.stream().map(Iterator::next).toList();
                if (ringOrder) {
                    float[][] parts = new float[batches.size()][];
                    for (int w = 0; w < batches.size(); w++) {
                        adam.zeroGrad();
                        loss.apply(model.forward(batches.get(w).inputs()), batches.get(w).targets()).backward();
                        parts[w] = flatten(params, batches.get(w).size());
                    }
                    float[] sum = RingAllReduce.referenceSum(parts);
                    int offset = 0;
                    for (Tensor p : params) {
                        float[] mean = new float[p.numel()];
                        for (int i = 0; i < mean.length; i++) {
                            mean[i] = sum[offset + i] / sum[sum.length - 1];
                        }
                        try (var off = GradMode.noGrad()) {
                            p.grad().copyInPlace(Tensor.fromArray(mean, p.shape().dims()));
                        }
                        offset += p.numel();
                    }
                } else {
                    adam.zeroGrad();
                    Tensor x = Tensor.cat(0, batches.stream().map(Batch::inputs).toArray(Tensor[]::new));
                    Tensor y = Tensor.cat(0, batches.stream().map(Batch::targets).toArray(Tensor[]::new));
                    loss.apply(model.forward(x), y).backward();
                }
                if (config.clipNorm() > 0) {
                    dev.backprop.optim.GradClip.clipGradNorm(params, config.clipNorm());
                }
                adam.step();
            }
        }
        return model.stateDict();
    }

    private static float[] flatten(List<Tensor> params, int count) {
        int total = params.stream().mapToInt(Tensor::numel).sum();
        float[] out = new float[total + 1];
        int offset = 0;
        for (Tensor p : params) {
            float[] g = p.grad().toFloatArray();
            for (int i = 0; i < g.length; i++) {
                out[offset + i] = g[i] * (float) count;
            }
            offset += g.length;
        }
        out[total] = count;
        return out;
    }
}
