package dev.backprop.cli;

import dev.backprop.data.Dataset;
import dev.backprop.data.DatasetLocator;
import dev.backprop.data.NamedDataset;
import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import java.io.IOException;
import dev.backprop.tensor.Generator;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --dataset}, {@code --data} and {@code --offline} options that train, evaluate and demo share. */
final class DataOptions {
    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "digits",
            description = "mnist, fashion-mnist, iris, wine, breast-cancer, digits (8x8, ships inside the jar) or"
                    + " diabetes (regression); tinyshakespeare (text, for --model gpt). Default: ${DEFAULT-VALUE}.")
    String dataset;

    @picocli.CommandLine.Mixin
    DataFolderOption folder;

    @Option(names = "--offline", description = "never download; fail with a message if the files are not found")
    boolean offline;

    /** Loads the dataset with features flattened to {@code [N, F]} for the MLP models. */
    PreparedData load() throws IOException {
        return flat(NamedDatasets.load(named(), locator()));
    }

    /** Loads the dataset as it comes: images stay {@code [N, C, H, W]}. */
    PreparedData loadImages() throws IOException {
        PreparedData p = NamedDatasets.load(named(), locator());
        if (p.train().featureShape().rank() != 4) {
            throw new IllegalArgumentException("dataset '" + dataset + "' holds feature rows, not images; image models"
                    + " such as lenet need mnist or fashion-mnist");
        }
        return p;
    }

    /** The k cross-validation splits of a small table, each prepared on its own training part. */
    List<PreparedData> folds(int k, long seed) throws IOException {
        List<PreparedData> out = new ArrayList<>();
        for (Dataset.Split s : NamedDatasets.raw(named(), locator()).folds(k, new Generator(seed))) {
            out.add(flat(NamedDatasets.prepare(named(), s)));
        }
        return out;
    }

    /** Loads the named text for a language model. */
    dev.backprop.data.TextCorpus corpus() throws IOException {
        return dev.backprop.data.TextCorpus.load(named(), locator());
    }

    NamedDataset named() {
        return NamedDataset.of(dataset);
    }

    private DatasetLocator locator() {
        return DatasetLocator.standard(folder.dataDir, !offline);
    }

    private static PreparedData flat(PreparedData p) {
        return new PreparedData(flat(p.train()), flat(p.test()), p.preprocessing());
    }

    static Dataset flat(Dataset d) {
        return d.flattened();
    }
}
