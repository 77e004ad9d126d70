package dev.backprop.data;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads the named datasets as train/test splits ready for training. MNIST and Fashion-MNIST use
 * their official 60,000/10,000 split with pixels scaled to [0, 1] and images as {@code [N, 1, 28, 28]}.
 * The small tables are split 80/20 with a fixed seed; their features are standardised with the
 * training part's statistics (digits: pixels 0..16 scaled to [0, 1]). Targets of diabetes are the
 * raw disease-progression values.
 *
 * <pre>{@code
 * Dataset.Split mnist = NamedDatasets.load(NamedDataset.MNIST, DatasetLocator.standard(Path.of("data")));
 * }</pre>
 */
public final class NamedDatasets {
    /** Seed of the fixed train/test split of the small tables, so results are comparable across runs. */
    public static final long SPLIT_SEED = 20261123L;
    /** Share of the small tables held out for testing. */
    public static final double TEST_FRACTION = 0.2;

    private static final List<String> DIGIT_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private NamedDatasets() {
    }

    public static PreparedData load(NamedDataset which, DatasetLocator locator) throws IOException {
        if (which == NamedDataset.MNIST || which == NamedDataset.FASHION_MNIST) {
            List<String> classes = which == NamedDataset.MNIST ? DIGIT_CLASSES : FASHION_CLASSES;
            return images(which.id(), locator.locate(which), classes);
        }
        return prepare(which, raw(which, locator).split(TEST_FRACTION, new Generator(SPLIT_SEED)));
    }

    /**
     * All examples of a small table before any preprocessing (for cross-validation, say); prepare
     * each split with {@link #prepare}. The digits come from the jar when no file is found.
     */
    public static Dataset raw(NamedDataset which, DatasetLocator locator) throws IOException {
        return switch (which) {
            case MNIST, FASHION_MNIST -> throw new IllegalArgumentException(which.id()
                    + " comes with its own train/test split; use load()");
            case TINY_SHAKESPEARE -> throw new IllegalArgumentException(which.id() + " is a text corpus for language"
                    + " models, not labelled examples: read it with TextCorpus.load and train a language model (GPT) on it");
            case DIGITS -> {
                List<Path> files;
                try {
                    files = locator.locate(which);
                } catch (IOException notFound) {
                    yield embeddedDigitsTable();
                }
                yield digitsTable(CsvReader.read(files.get(0), CsvReader.Format.DEFAULT.withHeader(false)));
            }
            case DIABETES -> {
                List<Path> files = locator.locate(which);
                yield diabetes(files.get(0), files.get(1));
            }
            case IRIS, WINE, BREAST_CANCER -> sklearnTable(which.id(), locator.locate(which).get(0));
        };
    }

    /**
     * Applies the dataset's usual preprocessing to a split, fitted on its training part only: the
     * digits' pixels 0..16 scaled to [0, 1]; the other tables standardised.
     */
    public static PreparedData prepare(NamedDataset which, Dataset.Split split) {
        if (which == NamedDataset.DIGITS) {
            Preprocessing p = Preprocessing.scale(16);
            return new PreparedData(split.train().withFeatures(p.apply(split.train().features())),
                    split.test().withFeatures(p.apply(split.test().features())), p);
        }
        Standardizer s = Standardizer.fit(split.train().features());
        return new PreparedData(split.train().withFeatures(s.apply(split.train().features())),
                split.test().withFeatures(s.apply(split.test().features())), Preprocessing.of(s));
    }

    /** The 8x8 digits that ship inside the jar, split and scaled: works offline on a fresh clone. */
    public static PreparedData embeddedDigits() {
        return prepare(NamedDataset.DIGITS, embeddedDigitsTable().split(TEST_FRACTION, new Generator(SPLIT_SEED)));
    }

    /** The digits inside the jar: reading them fails only if the jar itself is broken, so that is an unchecked error. */
    private static Dataset embeddedDigitsTable() {
        try (InputStream in = NamedDatasets.class.getResourceAsStream("digits.csv.gz")) {
            if (in == null) {
                throw new IllegalStateException("the embedded digits data is missing from the jar"
                        + " (dev/backprop/data/digits.csv.gz); the jar is damaged");
            }
            return digitsTable(CsvReader.read(Sources.maybeGunzip(in), "embedded digits.csv.gz",
                    CsvReader.Format.DEFAULT.withHeader(false)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the embedded digits data in the jar cannot be read; the jar is damaged", e);
        }
    }

    private static Dataset digitsTable(CsvReader.Table t) {
        return TableDatasets.classification("digits", t, CsvReader.Column.last(), DIGIT_CLASSES);
    }

    /** scikit-learn's CSV layout: a first line "rows,features,class names...", then features and the label. */
    private static Dataset sklearnTable(String name, Path file) throws IOException {
        List<String> first;
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(Sources.open(file),
                java.nio.charset.StandardCharsets.UTF_8))) {
            String line = reader.readLine();
            first = line == null ? List.of() : Arrays.stream(line.split(",")).map(String::trim).toList();
        }
        CsvReader.Table table = CsvReader.read(file, CsvReader.Format.DEFAULT.withSkipLines(1).withHeader(false));
        List<String> classes = first.size() > 2 ? first.subList(2, first.size()) : List.of();
        Dataset d = TableDatasets.classification(name, table, CsvReader.Column.last(), classes);
        int declared = parseCount(first, file);
        if (declared != d.size()) {
            throw new DataFormatException(file + ": header declares " + declared + " rows, the file has " + d.size());
        }
        return d;
    }

    private static int parseCount(List<String> header, Path file) {
        try {
            return Integer.parseInt(header.get(0));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw new DataFormatException(file + ":1: expected scikit-learn's header 'rows,features,classes...', got "
                    + header);
        }
    }

    private static Dataset diabetes(Path data, Path target) throws IOException {
        CsvReader.Format spaces = CsvReader.Format.DEFAULT.withSeparator(' ').withHeader(false);
        CsvReader.Table x = CsvReader.read(data, spaces);
        CsvReader.Table y = CsvReader.read(target, spaces);
        if (x.rows().length != y.rows().length) {
            throw new DataFormatException(target + ": " + y.rows().length + " targets for " + x.rows().length
                    + " rows of " + data);
        }
        float[] flat = new float[x.rows().length * x.width()];
        float[] targets = new float[y.rows().length];
        for (int r = 0; r < x.rows().length; r++) {
            System.arraycopy(x.rows()[r], 0, flat, r * x.width(), x.width());
            targets[r] = y.rows()[r][0];
        }
        return new Dataset("diabetes", Tensor.fromArray(flat, x.rows().length, x.width()),
                Tensor.fromArray(targets, targets.length), List.of());
    }

    private static PreparedData images(String name, List<Path> files, List<String> classes) throws IOException {
        Dataset train = imageSet(name, files.get(0), files.get(1), classes);
        Dataset test = imageSet(name, files.get(2), files.get(3), classes);
        return new PreparedData(train, test, Preprocessing.scale(255));
    }

    private static Dataset imageSet(String name, Path images, Path labels, List<String> classes) throws IOException {
        IdxReader.IdxArray x = IdxReader.read(images);
        IdxReader.IdxArray y = IdxReader.read(labels);
        if (x.dims().length != 3 || y.dims().length != 1 || x.dims()[0] != y.dims()[0]) {
            throw new DataFormatException(images + " and " + labels + ": expected images [N, H, W] and labels [N], got "
                    + Arrays.toString(x.dims()) + " and " + Arrays.toString(y.dims()));
        }
        List<String> names = new ArrayList<>(classes);
        Tensor targets = Tensor.fromArray(y.values(), y.dims()[0]);
        if (x.isUnsignedBytes()) {
            // Pixels stay bytes (a quarter of the memory), read as b / 255 a batch at a time.
            return Dataset.ofBytes(name, x.data(), new int[] {1, x.dims()[1], x.dims()[2]}, 255f, targets, names);
        }
        float[] pixels = x.values();   // another IDX type (a user's own file): floats, scaled the same way
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] /= 255f;
        }
        return new Dataset(name, Tensor.fromArray(pixels, x.dims()[0], 1, x.dims()[1], x.dims()[2]), targets, names);
    }
}
