package dev.backprop.compare;

import dev.backprop.data.Dataset;
import dev.backprop.data.DatasetLocator;
import dev.backprop.data.NamedDataset;
import dev.backprop.data.NamedDatasets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Trains the MLP 784-256-256-10 and LeNet-5 (Adam, batch 128) on MNIST in Backprop, in PyTorch
 * (through DJL) and in DL4J in one run and prints seconds per epoch side by side: the best of N
 * epochs after one epoch of warm-up, with the data already in memory, the frameworks' epochs in turn
 * ({@link EpochRun}).
 *
 * <pre>
 * ./mvnw -q -Pcompare -pl backprop-compare -am package -DskipTests
 * backprop-compare/run --data ../shared/datasets --epochs 3 [--model mlp|lenet|all] [--frameworks backprop,pytorch]
 * backprop-compare/run --data ../shared/datasets --frameworks backprop,backprop-sparse,backprop-dense,pytorch
 *     (as this CPU runs the products by default, then with the inputs' zeros skipped and not)
 * backprop-compare/run --embeddings [--threads 2]
 * backprop-compare/run --gemm [--threads 2] [--shapes square,mlp,lenet,gpt,minilm]
 * backprop-compare/run --inference [--threads 2] [--data ../shared/datasets] [--json]
 * </pre>
 *
 * With {@code --embeddings}, {@link EmbeddingCompare} times sentence embeddings against ONNX Runtime instead;
 * with {@code --gemm}, {@link GemmCompare} times SGEMM against OpenBLAS; with {@code --inference},
 * {@link InferenceCompare} times the MLP's and LeNet's forward pass against ONNX Runtime.
 */
public final class Compare {
    private Compare() {
    }

    public static void main(String[] args) throws Exception {
        Path data = null;
        int epochs = 3;
        int threads = Runtime.getRuntime().availableProcessors();
        List<Net> nets = List.of(Net.values());
        boolean embeddings = false;
        boolean gemm = false;
        boolean inference = false;
        boolean json = false;
        List<String> frameworks = List.of("backprop", "pytorch", "dl4j");
        List<String> shapes = GemmCompare.MODELS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--embeddings" -> embeddings = true;
                case "--gemm" -> gemm = true;
                case "--inference" -> inference = true;
                case "--json" -> json = true;
                case "--frameworks" -> frameworks = List.of(args[++i].split(","));
                case "--shapes" -> shapes = GemmCompare.models(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--model" -> nets = args[++i].equals("all") ? List.of(Net.values())
                        : List.of(Net.valueOf(args[i].toUpperCase(Locale.ROOT)));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: --data DIR [--epochs N] [--threads N] [--model mlp|lenet|all] [--frameworks"
                        + " backprop,backprop-sparse,backprop-dense,pytorch,dl4j], or --embeddings"
                        + " [--threads N], or --gemm [--threads N] [--shapes "
                        + String.join(",", GemmCompare.MODELS) + "], or --inference [--threads N] [--data DIR] [--json]");
            }
        }
        // Backprop's kernels size their thread pool from this property when the backend first loads,
        // which is after this point: every side of a comparison then runs on the same number of threads.
        System.setProperty("backprop.threads", Integer.toString(threads));
        if (inference) {
            InferenceCompare.run(threads, data, json);
            return;
        }
        if (gemm) {
            GemmCompare.run(threads, shapes);
            return;
        }
        if (embeddings) {
            EmbeddingCompare.run(threads);
            return;
        }
        Dataset images = NamedDatasets.load(NamedDataset.MNIST, DatasetLocator.standard(data, false)).train();
        for (Net net : nets) {
            // Backprop reads MNIST as its loader keeps it, bytes decoded a batch at a time, as `train` and `bench` do;
            // the other frameworks are handed the same values as one float array.
            Dataset train = net == Net.MLP ? images.flattened() : images;
            List<EpochTimer> results = alternate(net, train, frameworks, epochs, threads);
            System.out.printf(Locale.ROOT, "%s, Adam, batch 128, MNIST in memory, %d cores, best of %d epochs"
                    + " (the frameworks' epochs alternate)%n", net.title, Runtime.getRuntime().availableProcessors(), epochs);
            System.out.printf(Locale.ROOT, "%-40s %12s %12s  %s%n", "framework", "s / epoch", "last loss", "note");
            for (EpochTimer r : results) {
                System.out.printf(Locale.ROOT, "%-40s %12.3f %12.4f  %s%n", r.framework(), r.epochSeconds(), r.finalLoss(), r.note());
            }
            System.out.println();
        }
    }

    /**
     * Each framework's warm-up epoch, then {@code epochs} rounds of one epoch each, the frameworks in turn, so that every
     * framework's best epoch comes from the same minutes. A framework that cannot start, or fails in an epoch, gets a
     * line saying why; the others go on.
     */
    private static List<EpochTimer> alternate(Net net, Dataset train, List<String> frameworks, int epochs, int threads) {
        List<EpochRun> runs = new ArrayList<>();
        List<EpochTimer> failed = new ArrayList<>();
        if (frameworks.contains("backprop")) {
            runs.add(new BackpropRun(net, train, BackpropRun.Products.AS_CONFIGURED));
        }
        if (frameworks.contains("backprop-sparse")) {
            runs.add(new BackpropRun(net, train, BackpropRun.Products.ZEROS_SKIPPED));
        }
        if (frameworks.contains("backprop-dense")) {
            runs.add(new BackpropRun(net, train, BackpropRun.Products.DENSE));
        }
        if (frameworks.contains("pytorch")) {
            try {
                runs.add(new PyTorchRun(net, train, threads));
            } catch (Exception | LinkageError e) {
                failed.add(new EpochTimer("PyTorch via DJL", Double.NaN, Double.NaN, "could not run: " + e));
            }
        }
        if (frameworks.contains("dl4j")) {
            try {
                runs.add(new Dl4jRun(net, train));
            } catch (Exception | LinkageError e) {
                failed.add(new EpochTimer("DL4J", Double.NaN, Double.NaN, "could not run: " + e));
            }
        }
        double[] best = new double[runs.size()];
        java.util.Arrays.fill(best, Double.MAX_VALUE);
        String[] failure = new String[runs.size()];
        for (int e = 0; e <= epochs; e++) {
            for (int r = 0; r < runs.size(); r++) {
                if (failure[r] != null) {
                    continue;
                }
                try {
                    double seconds = runs.get(r).epoch(e);
                    if (e > 0) {
                        best[r] = Math.min(best[r], seconds);
                    }
                } catch (Exception | LinkageError ex) {
                    failure[r] = "failed in epoch " + e + ": " + ex;
                }
            }
        }
        List<EpochTimer> results = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            EpochRun run = runs.get(r);
            results.add(failure[r] != null ? new EpochTimer(run.framework(), Double.NaN, Double.NaN, failure[r])
                    : new EpochTimer(run.framework(), best[r], run.lastLoss(), run.note()));
            try {
                run.close();
            } catch (Exception ex) {
                System.err.println(run.framework() + ": closing it failed: " + ex);
            }
        }
        results.addAll(failed);
        return results;
    }
}
