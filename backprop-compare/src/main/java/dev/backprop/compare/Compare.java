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
 * Trains the MLP 784-256-256-10 (Adam, batch 128) on MNIST in Backprop, in PyTorch (through
 * DJL) and in DL4J in one run and prints seconds per epoch side by side: the best of N epochs after one
 * epoch of warm-up, with the data already in memory.
 *
 * <pre>
 * ./mvnw -q -Pcompare -pl backprop-compare -am package -DskipTests
 * backprop-compare/run --data ../shared/datasets --epochs 3
 * </pre>
 */
public final class Compare {
    private Compare() {
    }

    public static void main(String[] args) throws Exception {
        Path data = null;
        int epochs = 3;
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: --data DIR [--epochs N] [--threads N]");
            }
        }
        Dataset train = NamedDatasets.load(NamedDataset.MNIST, DatasetLocator.standard(data, false)).train();
        train = train.withFeatures(train.features().reshape(train.size(), -1));
        List<Integer> hidden = List.of(256, 256);
        List<EpochTimer> results = new ArrayList<>();
        results.add(BackpropRun.run(train, hidden, epochs));
        try {
            results.add(PyTorchRun.run(train, hidden, epochs, threads));
        } catch (Exception | LinkageError e) {
            results.add(new EpochTimer("PyTorch via DJL", Double.NaN, Double.NaN, "could not run: " + e));
        }
        try {
            results.add(Dl4jRun.run(train, hidden, epochs));
        } catch (Exception | LinkageError e) {
            results.add(new EpochTimer("DL4J", Double.NaN, Double.NaN, "could not run: " + e));
        }
        System.out.printf(Locale.ROOT, "MLP 784-256-256-10, Adam, batch 128, MNIST in memory, %d cores, best of %d epochs%n",
                Runtime.getRuntime().availableProcessors(), epochs);
        System.out.printf(Locale.ROOT, "%-40s %12s %12s  %s%n", "framework", "s / epoch", "last loss", "note");
        for (EpochTimer r : results) {
            System.out.printf(Locale.ROOT, "%-40s %12.3f %12.4f  %s%n", r.framework(), r.epochSeconds(), r.finalLoss(), r.note());
        }
    }
}
