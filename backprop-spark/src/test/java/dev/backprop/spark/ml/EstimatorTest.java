package dev.backprop.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Dataset;
import dev.backprop.data.DatasetLocator;
import dev.backprop.data.NamedDataset;
import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import dev.backprop.data.SharedFolder;
import dev.backprop.spark.StepTimes;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Spark ML estimators on DataFrames: fit on the cluster, transform, save and load, both feature column types, images. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class EstimatorTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("backprop-estimators")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() throws Exception {
        spark.close();
    }

    /** A DataFrame of {@code d}: features as an ML Vector, or as an array of floats, and the label. */
    private static org.apache.spark.sql.Dataset<Row> frame(Dataset d, boolean vectors) {
        float[] x = d.features().toFloatArray();
        float[] y = d.targets().toFloatArray();
        int width = x.length / d.size();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            if (vectors) {
                double[] f = new double[width];
                for (int j = 0; j < width; j++) {
                    f[j] = x[i * width + j];
                }
                rows.add(RowFactory.create(Vectors.dense(f), (double) y[i]));
            } else {
                List<Float> f = new ArrayList<>();
                for (int j = 0; j < width; j++) {
                    f.add(x[i * width + j]);
                }
                rows.add(RowFactory.create(f, (double) y[i]));
            }
        }
        StructType schema = new StructType()
                .add("features", vectors ? SQLDataTypes.VectorType() : DataTypes.createArrayType(DataTypes.FloatType), false)
                .add("label", DataTypes.DoubleType, false);
        return spark.createDataFrame(rows, schema).coalesce(2);
    }

    private static double accuracy(org.apache.spark.sql.Dataset<Row> scored) {
        List<Row> rows = scored.select("label", "prediction", "probability").collectAsList();
        int right = 0;
        for (Row r : rows) {
            right += r.getDouble(0) == r.getDouble(1) ? 1 : 0;
            double sum = 0;
            for (double p : ((Vector) r.get(2)).toArray()) {
                sum += p;
            }
            assertEquals(1.0, sum, 1e-5, "probabilities sum to one");
        }
        return (double) right / rows.size();
    }

    @Test
    void aClassifierTrainsOnTheClusterScoresSavesAndLoads(@TempDir Path dir) throws Exception {
        PreparedData digits = NamedDatasets.embeddedDigits();
        BackpropEstimator estimator = new BackpropClassifier().setModel("mlp:32").setEpochs(5).setBatchSize(32)
                .setWorkers(2).setSeed(5);
        BackpropModel model = estimator.fit(frame(digits.train(), true));
        assertEquals(5, model.summary().epochLosses().size());
        assertEquals(5, model.summary().epochAccuracies().size());
        assertTrue(model.summary().epochAccuracies().get(4) > 0.9, model.summary().toString());
        StepTimes t = model.summary().stepTimes();
        assertTrue(t.steps() > 0 && t.computeMillis() > 0 && t.allReduceMillis() >= 0 && t.waitMillis() >= 0, t.toString());
        org.apache.spark.sql.Dataset<Row> scored = model.transform(frame(digits.test(), true));
        assertEquals(List.of("features", "label", "rawPrediction", "probability", "prediction"), List.of(scored.columns()));
        double accuracy = accuracy(scored);
        assertTrue(accuracy > 0.94, "digits after 5 epochs on two workers: " + accuracy);

        String saved = dir.resolve("digits-model").toString();
        model.write().save(saved);
        BackpropModel loaded = BackpropModel.load(saved);
        assertEquals(scored.select("prediction").collectAsList(),
                loaded.transform(frame(digits.test(), true)).select("prediction").collectAsList());
        assertEquals(model.summary(), loaded.summary());

        BackpropModel fromArrays = estimator.fit(frame(digits.train(), false));
        assertArrayEquals(model.network().module().stateDict().get("0.weight").toFloatArray(),
                fromArrays.network().module().stateDict().get("0.weight").toFloatArray(),
                "the same numbers as an array column give the same model");
    }

    @Test
    void badColumnsAreNamedBeforeAnyJob() {
        PreparedData digits = NamedDatasets.embeddedDigits();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BackpropClassifier().setFeaturesCol("pixels").fit(frame(digits.train(), true)));
        assertTrue(e.getMessage().contains("no column 'pixels' among [features, label]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BackpropClassifier().setModel("transformer:12"));
        assertTrue(e.getMessage().contains("unknown architecture 'transformer'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BackpropClassifier().setOptimizer("lbfgs"));
        assertTrue(e.getMessage().contains("unknown optimizer 'lbfgs'; choose one of [sgd, momentum, adam"), e.getMessage());

        BackpropModel model = new BackpropClassifier().setModel("mlp:8").setEpochs(1).setBatchSize(32)
                .fit(frame(digits.train(), true));
        Dataset line = new Dataset("three", Tensor.rand(new Generator(1), 4, 3), Tensor.fromArray(new float[4], 4),
                List.of("a", "b"));
        Exception wrong = assertThrows(Exception.class, () -> model.transform(frame(line, true)).collectAsList());
        String message = String.valueOf(wrong.getMessage()) + (wrong.getCause() == null ? "" : wrong.getCause().getMessage());
        assertTrue(message.contains("a row has 3 features; the model takes 64"), message);
    }

    @Test
    void anImageModelTakesA784NumberArrayAndARegressorPredictsValues() throws Exception {
        PreparedData mnist = NamedDatasets.load(NamedDataset.MNIST,
                new DatasetLocator(SharedFolder.find("datasets"), null, null, false));
        int[] first = new int[256];
        java.util.Arrays.setAll(first, i -> i);
        BackpropModel lenet = new BackpropClassifier().setModel("lenet").setEpochs(1).setBatchSize(64).setWorkers(2)
                .fit(frame(mnist.train().subset(first), false));
        List<Row> predicted = lenet.transform(frame(mnist.test().subset(first), false)).select("prediction").collectAsList();
        assertEquals(256, predicted.size());
        assertTrue(predicted.stream().allMatch(r -> r.getDouble(0) >= 0 && r.getDouble(0) < 10));

        // y = 2 x0 - x1 + 0.5 on 512 points.
        Tensor x = Tensor.rand(new Generator(3), 512, 2);
        float[] xs = x.toFloatArray();
        float[] ys = new float[512];
        for (int i = 0; i < 512; i++) {
            ys[i] = 2 * xs[2 * i] - xs[2 * i + 1] + 0.5f;
        }
        Dataset line = new Dataset("line", x, Tensor.fromArray(ys, 512), List.of());
        BackpropModel regressor = new BackpropRegressor().setModel("mlp").setEpochs(40).setBatchSize(32).setLr(0.05)
                .setSchedule("cosine").setClipNorm(10).setWorkers(2).fit(frame(line, true));
        org.apache.spark.sql.Dataset<Row> scored = regressor.transform(frame(line, true));
        assertEquals(List.of("features", "label", "prediction"), List.of(scored.columns()));
        double worst = scored.select("label", "prediction").collectAsList().stream()
                .mapToDouble(r -> Math.abs(r.getDouble(0) - r.getDouble(1))).max().orElseThrow();
        assertTrue(worst < 0.05, "a linear model learns a line: largest error " + worst);
    }
}
