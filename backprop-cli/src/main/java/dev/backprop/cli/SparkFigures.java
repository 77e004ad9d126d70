package dev.backprop.cli;

import dev.backprop.data.Dataset;
import dev.backprop.data.DatasetLocator;
import dev.backprop.data.NamedDataset;
import dev.backprop.data.NamedDatasets;
import dev.backprop.nn.Architecture;
import dev.backprop.nn.Module;
import dev.backprop.spark.DistributedConfig;
import dev.backprop.spark.Example;
import dev.backprop.spark.SparkTrainer;
import dev.backprop.spark.StepTimes;
import dev.backprop.spark.ring.Ring;
import dev.backprop.spark.ring.RingAllReduce;
import dev.backprop.tensor.Generator;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import scala.reflect.ClassTag$;

/**
 * {@code bench --spark MASTER}: the figures of data-parallel training. The ring all-reduce's time
 * against the ring model {@code T = 2 (N - 1) alpha + 2 (N - 1) / N * S / B} (two workers on
 * loopback; alpha from the smallest message, B from the largest); samples per second of the MNIST
 * MLP and LeNet-5 at global batches of 128 and 512 with one worker of one core against two workers
 * of one core each (efficiency {@code T1 / (N TN)}), with the per-step compute, wait and all-reduce
 * times, beside the machine's own limit (two workers that never communicate, training at the same
 * time) and local SGD; and a projection from the measured latency and compute times to 8, 32 and
 * 128 workers on 10 and 100 Gbit/s networks.
 */
final class SparkFigures {
    private static final int GLOBAL_BATCH = 128;
    /** The global batches whose efficiency is measured: the projection's, and one four times larger. */
    private static final int[] GLOBAL_BATCHES = {GLOBAL_BATCH, 4 * GLOBAL_BATCH};
    private static final int LOCAL_SGD_EVERY = 8;

    private SparkFigures() {
    }

    static void run(String master, Path dataDir) throws Exception {
        double[] alphaBandwidth = ring();
        double alpha = alphaBandwidth[0];
        // Executors of one core each, whatever the master: their JVMs and kernels sized to that core.
        SparkConf conf = SparkRun.conf(master).set("spark.executor.extraJavaOptions",
                SparkRun.EXECUTOR_FLAGS + " -XX:ActiveProcessorCount=1");
        String folder = dataDir == null ? null : dataDir.toAbsolutePath().toString();
        List<double[]> models = new ArrayList<>();   // {parameters, seconds per example with one worker}
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            for (String model : List.of("mlp:256,128", "lenet")) {
                Architecture a = Architecture.parse(model);
                Dataset d = mnist(folder, a);
                List<Integer> example = Arrays.stream(Arrays.copyOfRange(d.featureShape().dims(), 1, d.featureShape().rank()))
                        .boxed().toList();
                for (int batch : GLOBAL_BATCHES) {
                    DistributedConfig config = new DistributedConfig(a, example, 10, true, 3e-3, 1, batch, 0,
                            Duration.ofSeconds(120));
                    double one = sc.parallelize(List.of(0), 1).map(i -> oneWorker(config, folder, batch, 0, 1)).collect().get(0);
                    // The machine's own limit: two workers that never talk, each training on its half with half
                    // the batch, at the same time (gang-scheduled); a synchronous step waits for the slower.
                    List<Double> apart = sc.parallelize(List.of(0, 1), 2).rdd().barrier()
                            .mapPartitions(new Apart(config, folder, batch), false, ClassTag$.MODULE$.apply(Double.class))
                            .toJavaRDD().collect();
                    double slower = Math.max(apart.get(0), apart.get(1));
                    // The executors' JIT compiles the step during a first run: measure the second, as for one worker.
                    SparkTrainer.fit(sc, sc.parallelize(Example.all(d), 2), config, 2);
                    SparkTrainer.Result two = SparkTrainer.fit(sc, sc.parallelize(Example.all(d), 2), config.withEpochs(2), 2);
                    StepTimes t = two.times();
                    double perStepTwo = t.computeMillis() + t.waitMillis() + t.allReduceMillis() + t.copyMillis();
                    double rateOne = batch / (one / 1000);
                    double rateTwo = batch / (perStepTwo / 1000);
                    long parameters = config.spec().parameterCount();
                    System.out.printf(Locale.ROOT, "%-12s %,9d parameters, global batch %4d: 1 worker %,8.0f samples/s"
                                    + " (%.2f ms a step); 2 workers %,8.0f samples/s (compute %.2f, wait %.2f, all-reduce %.2f,"
                                    + " copy %.2f ms); efficiency %.2f; 2 workers apart (no communication) %.2f and %.2f ms a"
                                    + " step of %d, the slower's efficiency %.2f%n", model, parameters, batch, rateOne, one,
                            rateTwo, t.computeMillis(), t.waitMillis(), t.allReduceMillis(), t.copyMillis(),
                            rateTwo / (2 * rateOne), apart.get(0), apart.get(1), batch / 2, one / (2 * slower));
                    // Local SGD: the replicas average their weights every 8 steps, so a step's wait is paid an eighth as often.
                    DistributedConfig local = config.withAverageEvery(LOCAL_SGD_EVERY).withEpochs(2);
                    SparkTrainer.Result averaged = SparkTrainer.fit(sc, sc.parallelize(Example.all(d), 2), local, 2);
                    StepTimes la = averaged.times();
                    double rateLocal = batch / ((la.computeMillis() + la.waitMillis() + la.allReduceMillis() + la.copyMillis())
                            / 1000);
                    System.out.printf(Locale.ROOT, "%-12s %9s  local SGD, averaging every %d steps: 2 workers %,8.0f samples/s;"
                            + " efficiency %.2f%n", "", "", LOCAL_SGD_EVERY, rateLocal, rateLocal / (2 * rateOne));
                    if (batch == GLOBAL_BATCH) {
                        models.add(new double[] {parameters, one / 1000 / batch, batch});
                    }
                }
            }
            // The GPT recipe (a batch of 12 windows of 64 characters) on one worker of one thread, for the projection.
            double gptStep = sc.parallelize(List.of(0), 1).map(i -> gptStepMillis()).collect().get(0);
            System.out.printf(Locale.ROOT, "%-12s %,9d parameters: 1 worker %.1f ms a step of 12 windows%n", "gpt recipe",
                    GPT_PARAMETERS, gptStep);
            models.add(new double[] {GPT_PARAMETERS, gptStep / 1000 / 12, 12});
        }
        System.out.println("projection, global batch " + GLOBAL_BATCH + " (the GPT: 12 windows), the measured alpha and one"
                + " worker's compute time per example, assumed to scale linearly (efficiency; the global batch from which it"
                + " reaches 0.8):");
        String[] names = {"mlp:256,128", "lenet", "gpt recipe"};
        for (int m = 0; m < models.size(); m++) {
            for (double gbits : new double[] {10, 100}) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-12s %3.0f Gbit/s:", names[m], gbits));
                for (int n : new int[] {8, 32, 128}) {
                    double bytes = models.get(m)[0] * 4;
                    double comm = 2 * (n - 1) * alpha + 2.0 * (n - 1) / n * bytes / (gbits * 1e9 / 8);
                    double compute = models.get(m)[1] * models.get(m)[2];
                    double efficiency = compute / (n * (compute / n + comm));
                    double pays = 4 * n * comm / models.get(m)[1];
                    line.append(String.format(Locale.ROOT, "  %d workers %.2f (batch %,.0f)", n, efficiency, pays));
                }
                System.out.println(line);
            }
        }
    }

    private static final long GPT_PARAMETERS = 809_856;

    /** Milliseconds a step of the GPT recipe takes one thread: the best of 4 rounds of 20 steps after 100 of warm-up. */
    private static double gptStepMillis() {
        dev.backprop.tensor.Generator g = new dev.backprop.tensor.Generator(4);
        char[] text = new char[200_000];
        for (int i = 0; i < text.length; i++) {
            text[i] = (char) ('!' + g.nextInt(0, 65));
        }
        dev.backprop.data.TextCorpus corpus = dev.backprop.data.TextCorpus.of(new String(text), 0.1);
        dev.backprop.nn.GPT gpt = new dev.backprop.nn.GPT(new dev.backprop.nn.GPT.Config(corpus.tokenizer().size(), 4, 4,
                128, 64), new dev.backprop.tensor.Generator(0));
        dev.backprop.train.LanguageModelRecipe warm = dev.backprop.train.LanguageModelRecipe.DEFAULT.withIterations(100)
                .withWarmup(5).withEvaluation(0, 1);
        warm.trainer(gpt).fit(warm.training(corpus, 64), null, warm.fitConfig());
        dev.backprop.train.LanguageModelRecipe round = warm.withIterations(20);
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 4; r++) {
            best = Math.min(best, round.trainer(gpt).fit(round.training(corpus, 64), null, round.fitConfig()).speed().seconds());
        }
        return best * 1000 / 20;
    }

    /** The first 19,200 MNIST training images, flat for an MLP. */
    private static Dataset mnist(String folder, Architecture a) throws java.io.IOException {
        Dataset all = NamedDatasets.load(NamedDataset.MNIST, DatasetLocator.standard(folder == null ? null : Path.of(folder),
                false)).train();
        int[] first = new int[19_200];
        Arrays.setAll(first, i -> i);
        Dataset d = all.subset(first);
        return a.input() == Architecture.Input.IMAGES ? d : DataOptions.flat(d);
    }

    /** Each of two gang-scheduled tasks: {@link #oneWorker} on its half of the examples with half the batch. */
    private record Apart(DistributedConfig config, String folder, int batch)
            implements scala.Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<Double>>,
            java.io.Serializable {
        @Override
        public scala.collection.Iterator<Double> apply(scala.collection.Iterator<Integer> ignored) {
            int part = org.apache.spark.BarrierTaskContext.get().partitionId();
            try {
                double ms = oneWorker(config, folder, batch / 2, part, 2);
                return scala.jdk.javaapi.CollectionConverters.asScala(List.of(ms).iterator());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /**
     * Milliseconds a step of {@code batch} takes one worker of one thread (in an executor started with
     * one thread) over part {@code part} of {@code parts} of the examples: the plain loop, the better of
     * two epochs after a warm-up.
     */
    private static double oneWorker(DistributedConfig config, String folder, int batch, int part, int parts)
            throws java.io.IOException {
        Dataset all = mnist(folder, config.model());
        int[] mine = java.util.stream.IntStream.range(0, all.size()).filter(i -> i % parts == part).toArray();
        Dataset d = all.subset(mine);
        Module net = config.spec().build(new Generator(0));
        Trainer trainer = new Trainer(net, config.newOptimizer(net.parameters()), LossFunction.crossEntropy());
        FitConfig fit = FitConfig.DEFAULT.withEpochs(1).withBatchSize(batch);
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            double seconds = trainer.fit(d, null, fit).speed().seconds();
            if (round > 0) {
                best = Math.min(best, seconds);
            }
        }
        return best * 1000 / ((d.size() + batch - 1) / batch);
    }

    /** {alpha seconds, bandwidth bytes/s}: two workers' all-reduce on loopback for 1 KB to 64 MB, fitted to the ring model. */
    private static double[] ring() throws Exception {
        int[] sizes = {256, 4096, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216};
        double[] seconds = new double[sizes.length];
        ServerSocket a = Ring.listen("127.0.0.1");
        ServerSocket b = Ring.listen("127.0.0.1");
        List<InetSocketAddress> addresses = List.of(new InetSocketAddress("127.0.0.1", a.getLocalPort()),
                new InetSocketAddress("127.0.0.1", b.getLocalPort()));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<double[]>> runs = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++) {
                int r = rank;
                runs.add(pool.submit(() -> {
                    try (ServerSocket server = r == 0 ? a : b;
                         Ring ring = Ring.connect(r, addresses, server, Duration.ofSeconds(60))) {
                        double[] best = new double[sizes.length];
                        for (int s = 0; s < sizes.length; s++) {
                            float[] data = new float[sizes[s]];
                            best[s] = Double.MAX_VALUE;
                            int reps = Math.max(3, 20_000_000 / sizes[s] / 16);
                            for (int rep = 0; rep < reps; rep++) {
                                long start = System.nanoTime();
                                RingAllReduce.sum(ring, data);
                                best[s] = Math.min(best[s], (System.nanoTime() - start) / 1e9);
                            }
                        }
                        return best;
                    }
                }));
            }
            double[] r0 = runs.get(0).get();
            double[] r1 = runs.get(1).get();
            for (int s = 0; s < sizes.length; s++) {
                seconds[s] = Math.max(r0[s], r1[s]);
            }
        } finally {
            pool.shutdownNow();
        }
        // The smallest message is almost all latency; the large ones give the bandwidth (a plain least-squares
        // line would let the large sizes decide the intercept too).
        double alpha = seconds[0] / 2;
        double bandwidth = (sizes[sizes.length - 1] * 4.0) / (seconds[sizes.length - 1] - 2 * alpha);
        System.out.println("ring all-reduce, 2 workers on loopback (best of several):");
        for (int s = 0; s < sizes.length; s++) {
            System.out.printf(Locale.ROOT, "  %,12d bytes: %9.3f ms (model %9.3f ms)%n", sizes[s] * 4, seconds[s] * 1000,
                    (2 * alpha + sizes[s] * 4.0 / bandwidth) * 1000);
        }
        System.out.printf(Locale.ROOT, "  alpha %.1f us, bandwidth %.2f GB/s%n", alpha * 1e6, bandwidth / 1e9);
        return new double[] {alpha, bandwidth};
    }

}
