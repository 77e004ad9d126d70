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
        if (which == NamedDataset.DIGITS) {
            try {
                return digits(locator.locate(which).get(0));
            } catch (IOException notFound) {
                return embeddedDigits();
            }
        }
        List<Path> files = locator.locate(which);
        return switch (which) {
            case MNIST -> images("mnist", files, DIGIT_CLASSES);
            case FASHION_MNIST -> images("fashion-mnist", files, FASHION_CLASSES);
            case IRIS, WINE, BREAST_CANCER -> standardized(
                    sklearnTable(which.id(), files.get(0)).split(TEST_FRACTION, new Generator(SPLIT_SEED)));
            case DIABETES -> diabetes(files.get(0), files.get(1));
            case DIGITS -> throw new AssertionError("handled above");
        };
    }

    /** The 8x8 digits that ship inside the jar: works offline on a fresh clone. */
    public static PreparedData embeddedDigits() throws IOException {
        try (InputStream in = NamedDatasets.class.getResourceAsStream("digits.csv.gz")) {
            if (in == null) {
                throw new IOException("the embedded digits data is missing from the jar (dev/backprop/data/digits.csv.gz)");
            }
            CsvReader.Table t = CsvReader.read(Sources.maybeGunzip(in), "embedded digits.csv.gz",
                    CsvReader.Format.DEFAULT.withHeader(false));
            return digitsSplit(t);
        }
    }

    private static PreparedData digits(Path file) throws IOException {
        return digitsSplit(CsvReader.read(file, CsvReader.Format.DEFAULT.withHeader(false)));
    }

    private static PreparedData digitsSplit(CsvReader.Table t) {
        Dataset d = TableDatasets.classification("digits", t, CsvReader.Column.last(), DIGIT_CLASSES);
        Preprocessing p = Preprocessing.scale(16);
        Dataset.Split s = d.withFeatures(p.apply(d.features())).split(TEST_FRACTION, new Generator(SPLIT_SEED));
        return new PreparedData(s.train(), s.test(), p);
    }

    /** Standardises both parts with the training part's statistics. */
    private static PreparedData standardized(Dataset.Split split) {
        Standardizer s = Standardizer.fit(split.train().features());
        return new PreparedData(split.train().withFeatures(s.apply(split.train().features())),
                split.test().withFeatures(s.apply(split.test().features())), Preprocessing.of(s));
    }

    /** scikit-learn's CSV layout: a first line "rows,features,class names...", then features and the label. */
    private static Dataset sklearnTable(String name, Path file) throws IOException {
        CsvReader.Table header = CsvReader.read(file, CsvReader.Format.DEFAULT.withHeader(true));
        List<String> first = header.columns();
        List<String> classes = first.size() > 2 ? first.subList(2, first.size()) : List.of();
        Dataset d = TableDatasets.classification(name, header, CsvReader.Column.last(), classes);
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

    private static PreparedData diabetes(Path data, Path target) throws IOException {
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
        Dataset d = new Dataset("diabetes", Tensor.fromArray(flat, x.rows().length, x.width()),
                Tensor.fromArray(targets, targets.length), List.of());
        return standardized(d.split(TEST_FRACTION, new Generator(SPLIT_SEED)));
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
        float[] pixels = x.values();
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] /= 255f;
        }
        List<String> names = new ArrayList<>(classes);
        return new Dataset(name, Tensor.fromArray(pixels, x.dims()[0], 1, x.dims()[1], x.dims()[2]),
                Tensor.fromArray(y.values(), y.dims()[0]), names);
    }
}
