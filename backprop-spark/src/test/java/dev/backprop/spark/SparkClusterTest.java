package dev.backprop.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Dataset;
import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Evaluator;
import dev.backprop.train.LossFunction;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on a real Spark cluster of separate JVMs: {@code local-cluster[2,1,1024]} starts a master,
 * a worker and two executor processes from this test's class path. The weights that come back equal
 * those of one process that splits every batch the same way and sums in the same order.
 */
class SparkClusterTest {

    /** A context on a local cluster of {@code executors} executor JVMs of one core each, once they have registered. */
    static JavaSparkContext localCluster(Path dir, int executors) throws Exception {
        Path home = dir.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));   // Spark wants its jars folder; ours come from the class path
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", home.toString());
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            classPath.add(Path.of(entry).toAbsolutePath().toString());
        }
        SparkConf conf = new SparkConf().setMaster("local-cluster[" + executors + ",1,1024]").setAppName("backprop-test")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.extraClassPath", String.join(File.pathSeparator, classPath))
                .set("spark.executor.extraJavaOptions", "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED")
                .set("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                .set("spark.executorEnv.JAVA_HOME", System.getProperty("java.home"))
                .set("spark.barrier.sync.timeout", "120s")
                .set("spark.ui.enabled", "false");
        JavaSparkContext sc = new JavaSparkContext(conf);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (sc.sc().getExecutorMemoryStatus().size() < executors + 1) {   // the driver counts too
            if (System.nanoTime() > deadline) {
                sc.close();
                throw new IllegalStateException("the local cluster's " + executors + " executors did not register within 60 s");
            }
            Thread.sleep(200);
        }
        return sc;
    }


    private static JavaSparkContext sc;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        sc = localCluster(dir, 2);
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void twoExecutorJvmsTrainTheWeightsOfOneProcessThatSplitsEachBatchTheSameWay() {
        PreparedData digits = NamedDatasets.embeddedDigits();
        DistributedConfig config = DataParallelTest.CONFIG.withEpochs(5);
        Map<String, Tensor> expected = expected(digits, config);
        List<EpochProgress> heard = java.util.Collections.synchronizedList(new ArrayList<>());
        SparkTrainer.Result r = SparkTrainer.fit(sc, sc.parallelize(Example.all(digits.train()), 3), config, 2, heard::add);
        assertSameWeights(expected, r);
        assertEquals(5, r.epochLosses().size());
        assertEquals(r.epochLosses(), heard.stream().map(EpochProgress::loss).toList(), "each epoch reached the driver");
        assertTrue(heard.get(4).line().startsWith("epoch 5/5  loss "), heard.get(4).line());
        assertTrue(r.epochLosses().get(4) < r.epochLosses().get(0), r.epochLosses().toString());
        assertEquals(5, r.epochAccuracies().size());
        int steps = DataParallelWorker.stepsPerEpoch(DataParallelTest.shards(digits.train(), 2).stream().map(Dataset::size)
                .toList(), config.localBatch(2));
        assertEquals(5L * steps, r.times().steps());
        assertTrue(r.times().computeMillis() > 0 && r.times().allReduceMillis() > 0, r.times().toString());
        System.out.printf("digits MLP on local-cluster[2,1,1024], per step: %s%n", r.times());
        double accuracy = new Evaluator(r.model(), LossFunction.crossEntropy()).evaluate(digits.test(), 512)
                .classification().accuracy();
        assertTrue(accuracy > 0.94, "five epochs on the digits, trained on the cluster (0.9499 on 2026-12-02): " + accuracy);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void anExecutorKilledMidTrainingIsReplacedAndEveryWorkerResumesToTheUninterruptedWeights(@TempDir Path dir)
            throws Exception {
        PreparedData digits = NamedDatasets.embeddedDigits();
        Path checkpoints = dir.resolve("checkpoints");
        DistributedConfig config = DataParallelTest.CONFIG.withEpochs(10).withCheckpoints(checkpoints.toString(), 10);
        Map<String, Tensor> expected = expected(digits, config);
        java.util.concurrent.atomic.AtomicLong killedAt = new java.util.concurrent.atomic.AtomicLong();
        Thread killer = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            try {
                while (System.nanoTime() < deadline && DataParallelWorker.checkpoints(config, 1).isEmpty()) {
                    Thread.sleep(5);
                }
            } catch (InterruptedException e) {
                return;
            }
            // An executor JVM of the local cluster: the Java processes this JVM started (its worker runs
            // inside it). SIGKILL.
            ProcessHandle.current().descendants()
                    .filter(p -> p.info().command().orElse("").endsWith("/java"))
                    .findFirst().ifPresent(p -> {
                        p.destroyForcibly();
                        killedAt.set(System.nanoTime());
                    });
        });
        killer.start();
        SparkTrainer.Result r = SparkTrainer.fit(sc, sc.parallelize(Example.all(digits.train()), 3), config, 2);
        long recovered = System.nanoTime();
        killer.join();
        assertTrue(killedAt.get() != 0, "an executor was killed while the workers trained");
        assertSameWeights(expected, r);
        System.out.printf("an executor killed with SIGKILL mid-training: the run finished %.1f s later with the"
                + " uninterrupted run's weights%n", (recovered - killedAt.get()) / 1e9);
    }

    private static Map<String, Tensor> expected(PreparedData digits, DistributedConfig config) {
        List<Dataset> shards = DataParallelTest.shards(digits.train(), 2);
        int steps = DataParallelWorker.stepsPerEpoch(shards.stream().map(Dataset::size).toList(), config.localBatch(2));
        return DataParallelTest.singleProcess(config, shards, steps, true);
    }

    private static void assertSameWeights(Map<String, Tensor> expected, SparkTrainer.Result r) {
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).toFloatArray(), r.model().stateDict().get(name).toFloatArray(), name);
        }
    }
}
