package dev.backprop.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Shape;
import dev.backprop.tensor.Tensor;
import dev.backprop.testing.IdxFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataTest {

    private static IdxReader.IdxArray readIdx(byte[] bytes) throws IOException {
        return IdxReader.read(new ByteArrayInputStream(bytes), "test.idx");
    }

    @Test
    void idxReadsAndValidates() throws IOException {
        IdxReader.IdxArray a = readIdx(IdxFiles.of(0x08, new int[] {2, 3}, new byte[] {0, 1, 2, (byte) 253, 4, 5}));
        assertArrayEquals(new int[] {2, 3}, a.dims());
        assertArrayEquals(new float[] {0, 1, 2, 253, 4, 5}, a.values());
        assertTrue(assertThrows(DataFormatException.class, () -> readIdx(new byte[] {1, 2, 3, 4}))
                .getMessage().contains("not an IDX file"));
        assertTrue(assertThrows(DataFormatException.class, () -> readIdx(IdxFiles.of(0x08, new int[] {2, 3}, new byte[5])))
                .getMessage().contains("cut short: sizes [2, 3] need 6 bytes of data after the header, found 5"));
        assertTrue(assertThrows(DataFormatException.class, () -> readIdx(IdxFiles.of(0x08, new int[] {2}, new byte[3])))
                .getMessage().contains("bytes after"));
        assertTrue(assertThrows(DataFormatException.class, () -> readIdx(IdxFiles.of(0x07, new int[] {2}, new byte[2])))
                .getMessage().contains("unknown IDX data type"));
        assertTrue(assertThrows(DataFormatException.class, () -> readIdx(IdxFiles.of(0x08, new int[] {1 << 20, 1 << 20}, new byte[0])))
                .getMessage().contains("corrupt"));
        // Found by the fuzzer: few enough doubles to pass the element bound, but more than 2 GiB of bytes.
        assertTrue(assertThrows(DataFormatException.class, () -> readIdx(IdxFiles.of(0x0E, new int[] {1 << 28}, new byte[0])))
                .getMessage().contains("declare 2147483648 bytes"));
    }

    @Test
    void idxReadsTheRealMnistGzipped() throws IOException {
        IdxReader.IdxArray labels = IdxReader.read(SharedData.datasets().resolve("mnist/t10k-labels-idx1-ubyte.gz"));
        assertArrayEquals(new int[] {10_000}, labels.dims());
        assertArrayEquals(new float[] {7, 2, 1, 0, 4}, java.util.Arrays.copyOf(labels.values(), 5));
    }

    @Test
    void csvErrorsNameFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("data.csv");
        Files.writeString(f, "a,b,label\n1,2,0\n3,x,1\n");
        assertEquals(f + ":3: column 2 is 'x', which is not a number",
                assertThrows(DataFormatException.class, () -> CsvReader.read(f, CsvReader.Format.DEFAULT)).getMessage());
        Files.writeString(f, "a,b,label\n1,2,0\n3,,1\n");
        assertEquals(f + ":3: column 2 is empty; expected a number",
                assertThrows(DataFormatException.class, () -> CsvReader.read(f, CsvReader.Format.DEFAULT)).getMessage());
        Files.writeString(f, "a,b,label\n1,2,0\n3,4\n");
        assertTrue(assertThrows(DataFormatException.class, () -> CsvReader.read(f, CsvReader.Format.DEFAULT))
                .getMessage().startsWith(f + ":3: 2 fields, expected 3"));
        Files.writeString(f, "a,b,label\n");
        assertTrue(assertThrows(DataFormatException.class, () -> CsvReader.read(f, CsvReader.Format.DEFAULT))
                .getMessage().contains("no data rows"));
    }

    /** A model's input rows: a header line recognised (and numbers in e-notation not taken for one), widths checked. */
    @Test
    void csvFeatureRowsForAModel() throws IOException {
        byte[] withHeader = "sepal_length,sepal_width\n5.1,3.5\n4.9,3.0\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertArrayEquals(new float[] {5.1f, 3.5f, 4.9f, 3.0f}, CsvReader.featureRows(withHeader, "rows", 2));
        byte[] bare = "1e-3,2\n-4.5E+1,6\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertArrayEquals(new float[] {1e-3f, 2f, -45f, 6f}, CsvReader.featureRows(bare, "rows", 2));
        assertEquals("rows: rows have 2 values, the model expects 4 features per row",
                assertThrows(DataFormatException.class, () -> CsvReader.featureRows(bare, "rows", 4)).getMessage());
        assertTrue(assertThrows(DataFormatException.class, () -> CsvReader.featureRows("a,b\n".getBytes(
                java.nio.charset.StandardCharsets.UTF_8), "rows", 2)).getMessage().contains("no data rows"));
    }

    @Test
    void csvLabelColumnByNameOrIndex(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("data.csv");
        Files.writeString(f, "label,a,b\n1,0.5,2\n0,1.5,3\n2,2.5,4\n");
        CsvReader.Table t = CsvReader.read(f, CsvReader.Format.DEFAULT);
        Dataset byName = TableDatasets.classification("d", t, CsvReader.Column.named("label"), List.of());
        Dataset byIndex = TableDatasets.classification("d", t, CsvReader.Column.at(0), List.of());
        assertArrayEquals(new float[] {0.5f, 2, 1.5f, 3, 2.5f, 4}, byName.features().toFloatArray());
        assertArrayEquals(byName.targets().toFloatArray(), byIndex.targets().toFloatArray());
        assertEquals(3, byName.numClasses());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> TableDatasets.classification("d", t, CsvReader.Column.named("y"), List.of())).getMessage()
                .contains("no column named 'y'"));
        Files.writeString(f, "a,label\n1,0.5\n");
        CsvReader.Table bad = CsvReader.read(f, CsvReader.Format.DEFAULT);
        assertTrue(assertThrows(DataFormatException.class,
                () -> TableDatasets.classification("d", bad, CsvReader.Column.last(), List.of())).getMessage()
                .contains("not a class index"));
    }

    @Test
    void datasetValidatesAndSplits() {
        Tensor x = Tensor.arange(20).reshape(10, 2);
        Tensor y = Tensor.of(0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
        Dataset d = new Dataset("toy", x, y, List.of("even", "odd"));
        Dataset.Split s = d.split(0.3, new Generator(1));
        assertEquals(6, s.train().size());
        assertEquals(4, s.test().size(), "stratified: round(0.3 * 5) = 2 of each class");
        assertEquals(2f, s.test().targets().sum().item(), "two 'odd' examples in the test part");
        Set<Float> seen = new HashSet<>();
        for (Dataset part : List.of(s.train(), s.test())) {
            for (int i = 0; i < part.size(); i++) {
                assertTrue(seen.add(part.features().get(i, 0)), "no example in both parts");
            }
        }
        assertEquals(10, seen.size());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new Dataset("bad", x, Tensor.of(0, 1, 2, 0, 0, 0, 0, 0, 0, 0), List.of("a", "b"))).getMessage()
                .contains("label 2.0 of example 2 is not a class index in [0, 2)"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new Dataset("empty", Tensor.zeros(0, 2), Tensor.zeros(0), List.of())).getMessage().contains("empty"));
    }

    @Test
    void foldsTestEveryExampleOnceAndKeepClassProportions() {
        float[] alternating = new float[20];
        for (int i = 0; i < 20; i++) {
            alternating[i] = i % 2;
        }
        Dataset d = new Dataset("toy", Tensor.arange(20).reshape(20, 1), Tensor.of(alternating), List.of("a", "b"));
        List<Dataset.Split> folds = d.folds(5, new Generator(3));
        Set<Float> tested = new HashSet<>();
        for (Dataset.Split f : folds) {
            assertEquals(4, f.test().size());
            assertEquals(16, f.train().size());
            assertEquals(2f, f.test().targets().sum().item(), "two of each class per fold");
            for (float v : f.test().features().toFloatArray()) {
                assertTrue(tested.add(v));
            }
        }
        assertEquals(20, tested.size());
    }

    @Test
    void loaderBatchesShufflesDeterministicallyAndDropsLast() {
        Dataset d = new Dataset("toy", Tensor.arange(10).reshape(10, 1), Tensor.arange(10), List.of());
        DataLoader ordered = DataLoader.sequential(d, 4);
        List<Integer> sizes = new ArrayList<>();
        for (Batch b : ordered) {
            sizes.add(b.size());
        }
        assertEquals(List.of(4, 4, 2), sizes);
        assertEquals(2, new DataLoader(d, 4, true, true, new Generator(0)).batchesPerEpoch());
        float[] a = order(new DataLoader(d, 3, true, false, new Generator(9)));
        float[] b = order(new DataLoader(d, 3, true, false, new Generator(9)));
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, Tensor.arange(10).toFloatArray()), "shuffled");
        float[] sorted = a.clone();
        java.util.Arrays.sort(sorted);
        assertArrayEquals(Tensor.arange(10).toFloatArray(), sorted, "each example once per pass");
    }

    private static float[] order(DataLoader loader) {
        List<Float> out = new ArrayList<>();
        for (Batch b : loader) {
            for (float v : b.targets().toFloatArray()) {
                out.add(v);
            }
        }
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.get(i);
        }
        return f;
    }

    @Test
    void standardizerUsesTrainingStatisticsOnly() {
        Tensor train = Tensor.of(new float[][] {{1, 10}, {3, 10}});
        Standardizer s = Standardizer.fit(train);
        assertArrayEquals(new float[] {-1, 0, 1, 0}, s.apply(train).toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {2, 5}, s.apply(Tensor.of(new float[][] {{4, 15}})).toFloatArray(), 1e-6f);
    }

    @Test
    void namedDatasetsLoadFromAFolder() throws IOException {
        DatasetLocator shared = new DatasetLocator(SharedData.datasets(), null, null, false);
        PreparedData iris = NamedDatasets.load(NamedDataset.IRIS, shared);
        assertEquals(120, iris.train().size());
        assertEquals(30, iris.test().size());
        assertEquals(List.of("setosa", "versicolor", "virginica"), iris.train().classNames());
        assertEquals(0.0, iris.train().features().mean(0, false).abs().max().item(), 1e-5);
        PreparedData diabetes = NamedDatasets.load(NamedDataset.DIABETES, shared);
        assertFalse(diabetes.train().isClassification());
        assertEquals(10, diabetes.train().featureCount());
        PreparedData digits = NamedDatasets.load(NamedDataset.DIGITS, shared);
        PreparedData embedded = NamedDatasets.embeddedDigits();
        assertArrayEquals(digits.test().features().toFloatArray(), embedded.test().features().toFloatArray());
        assertEquals(Shape.of(1438, 64), embedded.train().features().shape());
        PreparedData fashion = NamedDatasets.load(NamedDataset.FASHION_MNIST, shared);
        assertEquals(Shape.of(10_000, 1, 28, 28), fashion.test().features().shape());
        assertEquals("Ankle boot", fashion.test().classNames().get(9));
        assertTrue(fashion.test().features().max().item() <= 1f);
        assertEquals(Preprocessing.scale(255), fashion.preprocessing());
        // The stored preprocessing maps raw training features to exactly what the model saw.
        Tensor raw = iris.train().features().mul(Tensor.of(toFloats(iris.preprocessing().scale())))
                .add(Tensor.of(toFloats(iris.preprocessing().shift())));
        assertArrayEquals(iris.train().features().toFloatArray(), iris.preprocessing().apply(raw).toFloatArray(), 1e-5f);
    }

    private static float[] toFloats(List<Double> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = values.get(i).floatValue();
        }
        return f;
    }

    @Test
    void offlineWithNothingFoundSaysWhereItLooked(@TempDir Path dir) {
        DatasetLocator nowhere = new DatasetLocator(dir.resolve("mine"), null, dir.resolve("cache"), false);
        DatasetNotFoundException e = assertThrows(DatasetNotFoundException.class, () -> nowhere.locate(NamedDataset.MNIST));
        assertTrue(e.getMessage().contains("dataset 'mnist' not found") && e.getMessage().contains(dir.resolve("mine").toString())
                && e.getMessage().contains("in a folder and name that folder first") && !e.getMessage().contains("--")
                && e.getMessage().contains("train-images-idx3-ubyte.gz") && e.dataset() == NamedDataset.MNIST, e.getMessage());
    }

    @Test
    void downloadsAreVerifiedBeforeTheyCount(@TempDir Path dir) throws IOException {
        Path source = SharedData.datasets().resolve("uci/iris.csv");
        DataFile good = new DataFile("iris.csv", NamedDataset.IRIS.files().get(0).sha256(), List.of(source.toUri()));
        Path fetched = Downloader.fetch(good, dir.resolve("cache"));
        assertEquals(Files.readString(source), Files.readString(fetched));
        DataFile wrong = new DataFile("wine_data.csv", NamedDataset.IRIS.files().get(0).sha256(),
                List.of(SharedData.datasets().resolve("uci/wine_data.csv").toUri()));
        IOException e = assertThrows(IOException.class, () -> Downloader.fetch(wrong, dir.resolve("cache")));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        try (var files = Files.list(dir.resolve("cache"))) {
            assertEquals(List.of(fetched), files.toList(), "nothing half-written is left behind");
        }
        // Gzipped and raw copies share one checksum: it covers the content.
        assertEquals(Downloader.contentSha256(SharedData.datasets().resolve("mnist/t10k-labels-idx1-ubyte.gz")),
                NamedDataset.MNIST.files().get(3).sha256());
    }
}
