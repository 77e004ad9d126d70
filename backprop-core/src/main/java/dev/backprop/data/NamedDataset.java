package dev.backprop.data;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The datasets Backprop knows by name, with their files, checksums and canonical mirrors. The
 * checksums cover each file's content after gunzip.
 */
public enum NamedDataset {
    MNIST("mnist", "MNIST handwritten digits, 60,000 + 10,000 images 28x28",
            idx("https://ossci-datasets.s3.amazonaws.com/mnist/",
                    "train-images-idx3-ubyte.gz", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                    "train-labels-idx1-ubyte.gz", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                    "t10k-images-idx3-ubyte.gz", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                    "t10k-labels-idx1-ubyte.gz", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2")),
    FASHION_MNIST("fashion-mnist", "Fashion-MNIST clothing images, 60,000 + 10,000, 28x28",
            idx("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                    "train-images-idx3-ubyte.gz", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                    "train-labels-idx1-ubyte.gz", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                    "t10k-images-idx3-ubyte.gz", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                    "t10k-labels-idx1-ubyte.gz", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34")),
    IRIS("iris", "Iris flowers, 150 examples, 4 features, 3 classes",
            uci("iris.csv", "f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449")),
    WINE("wine", "Wine cultivars, 178 examples, 13 features, 3 classes",
            uci("wine_data.csv", "10e8a802908b34f86e5da8ce962f3c806694bc98450a18f61851af59f324bede")),
    BREAST_CANCER("breast-cancer", "Wisconsin breast cancer, 569 examples, 30 features, 2 classes",
            uci("breast_cancer.csv", "fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed")),
    DIGITS("digits", "8x8 handwritten digits, 1,797 examples, 64 features, 10 classes (ships inside the jar)",
            uci("digits.csv.gz", "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8")),
    DIABETES("diabetes", "Diabetes progression, 442 examples, 10 features, regression",
            uci("diabetes_data_raw.csv.gz", "ec2683754c379fdffc39f53922c475eff67e2fb9c94c7c27207b7c4371d51726",
                    "diabetes_target.csv.gz", "244713a551f62a291a354212d8a048adec6cb1244b2bc44e66a0698f5006d26d")),
    TINY_SHAKESPEARE("tinyshakespeare", "Tiny Shakespeare, 1,115,394 characters of plays, for character-level language models",
            List.of(new DataFile("tinyshakespeare.txt", "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
                    List.of(URI.create("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt")))));

    private static final String SKLEARN = "https://raw.githubusercontent.com/scikit-learn/scikit-learn/main/sklearn/datasets/data/";

    private final String id;
    private final String description;
    private final List<DataFile> files;

    NamedDataset(String id, String description, List<DataFile> files) {
        this.id = id;
        this.description = description;
        this.files = files;
    }

    /** The name used on the command line and as the folder name: {@code mnist}, {@code fashion-mnist}, ... */
    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    public List<DataFile> files() {
        return files;
    }

    /** The folder that holds the files: the image sets their own, the small tables {@code uci/}, texts {@code text/}. */
    String folder() {
        return this == MNIST || this == FASHION_MNIST ? id : this == TINY_SHAKESPEARE ? "text" : "uci";
    }

    /** True for a text corpus (read with {@link TextCorpus}) rather than examples with labels. */
    public boolean isText() {
        return this == TINY_SHAKESPEARE;
    }

    /** The dataset called {@code id}, or an error listing the known names. */
    public static NamedDataset of(String id) {
        String wanted = id.toLowerCase(Locale.ROOT).replace('_', '-');
        for (NamedDataset d : values()) {
            if (d.id.equals(wanted)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dataset '" + id + "'; known: "
                + Arrays.stream(values()).map(NamedDataset::id).collect(Collectors.joining(", ")));
    }

    private static List<DataFile> idx(String base, String... nameAndHash) {
        return files(base, nameAndHash);
    }

    private static List<DataFile> uci(String... nameAndHash) {
        return files(SKLEARN, nameAndHash);
    }

    private static List<DataFile> files(String base, String... nameAndHash) {
        DataFile[] out = new DataFile[nameAndHash.length / 2];
        for (int i = 0; i < out.length; i++) {
            String name = nameAndHash[2 * i];
            out[i] = new DataFile(name, nameAndHash[2 * i + 1], List.of(URI.create(base + name)));
        }
        return List.of(out);
    }
}
