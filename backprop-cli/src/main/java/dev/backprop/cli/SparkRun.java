package dev.backprop.cli;

import dev.backprop.spark.DistributedConfig;
import dev.backprop.spark.Example;
import dev.backprop.spark.SparkTrainer;
import dev.backprop.spark.StepTimes;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code train --spark MASTER}: the classifier job trained data-parallel on Spark with {@link SparkTrainer},
 * then tested and saved on this machine as any run is. For the local masters the context is set up so
 * nothing needs installing: executors get this JVM's class path, JDK and module flags
 * ({@code local-cluster}); a {@code spark://} master gets this jar. Spark's own jars are on the class
 * path only when {@code ./backprop} (or spark-submit) put them there; this class is loaded only then.
 */
final class SparkRun {
    /** The flags every executor JVM needs (as the launcher's). */
    static final String EXECUTOR_FLAGS = "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
            + " --sun-misc-unsafe-memory-access=allow";
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,\\s*\\d+\\s*]");

    private SparkRun() {
    }

    /** Trains {@code job} on {@code workers} tasks of {@code master} and gives the job the trained weights. */
    static void train(ClassifierJob job, String master, int workers, int averageEvery, String checkpointDir,
                      int checkpointEvery) {
        DistributedConfig config = job.distributed(Duration.ofSeconds(120)).withAverageEvery(averageEvery);
        if (checkpointDir != null) {
            // A Hadoop URI (hdfs://, s3a://) as given; a plain folder made absolute, as every executor must read it.
            config = config.withCheckpoints(checkpointDir.contains("://") ? checkpointDir
                    : Path.of(checkpointDir).toAbsolutePath().toString(), checkpointEvery);
        }
        long start = System.nanoTime();
        SparkTrainer.Result r;
        try (JavaSparkContext sc = new JavaSparkContext(conf(master))) {
            System.out.printf(Locale.ROOT, "spark %s: %d workers, global batch %d (%d a worker), %s%n", master, workers,
                    config.globalBatch(), config.globalBatch() / workers, averageEvery > 0
                            ? "local SGD averaging every " + averageEvery + " steps" : "gradients summed every step");
            r = SparkTrainer.fit(sc, sc.parallelize(Example.all(job.trainingData()), Math.max(workers, 2)), config, workers,
                    p -> System.out.println(p.line()));   // each epoch as it ends, as on one machine
        }
        StepTimes t = r.times();
        System.out.printf(Locale.ROOT, "trained in %.1f s on %d workers; " + (averageEvery > 0 ? "an averaging" : "a step")
                        + ": compute %.2f ms, waiting %.2f ms,"
                        + " all-reduce %.2f ms, copying %.2f ms%n", (System.nanoTime() - start) / 1e9, workers,
                t.computeMillis(), t.waitMillis(), t.allReduceMillis(), t.copyMillis());
        job.adopt(r.model());
    }

    /**
     * The executors' JVM flags: {@link #EXECUTOR_FLAGS} and, where the cores an executor gets are known
     * ({@code local-cluster[N,C,MB]}'s C, or {@code spark.executor.cores}), {@code -XX:ActiveProcessorCount}
     * set to them, so that each executor sizes its collector and compiler threads, and Backprop its worker
     * pool, to its own cores rather than to the whole machine's: two one-core executors on two cores
     * each ran two kernel threads, two GC threads and two compilers before (four kernel threads on
     * two cores in {@code train --spark local-cluster[2,1,...]}).
     */
    static String executorFlags(String master, SparkConf conf) {
        Matcher local = LOCAL_CLUSTER.matcher(master.trim());
        int cores = local.matches() ? Integer.parseInt(local.group(1)) : conf.getInt("spark.executor.cores", 0);
        return cores > 0 ? EXECUTOR_FLAGS + " -XX:ActiveProcessorCount=" + cores : EXECUTOR_FLAGS;
    }

    /** The context's settings for {@code master}. */
    static SparkConf conf(String master) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName("backprop train")
                .setIfMissing("spark.ui.enabled", "false")
                .setIfMissing("spark.barrier.sync.timeout", "300s");
        conf.setIfMissing("spark.executor.extraJavaOptions", executorFlags(master, conf));
        if (master.startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1").setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        if (master.startsWith("local-cluster")) {
            List<String> classPath = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                classPath.add(Path.of(entry).toAbsolutePath().toString());
            }
            conf.setIfMissing("spark.executor.extraClassPath", String.join(File.pathSeparator, classPath))
                    .setIfMissing("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                    .setIfMissing("spark.executorEnv.JAVA_HOME", System.getProperty("java.home"));
        } else if (master.startsWith("spark://")) {
            String jar = SparkRun.class.getProtectionDomain().getCodeSource().getLocation().getPath();
            if (jar.endsWith(".jar")) {
                conf.setIfMissing("spark.jars", jar);
            }
        }
        return conf;
    }

}
