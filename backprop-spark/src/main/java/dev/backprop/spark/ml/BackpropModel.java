package dev.backprop.spark.ml;

import dev.backprop.data.Preprocessing;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.Module;
import dev.backprop.spark.DistributedConfig;
import dev.backprop.spark.StepTimes;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Evaluator;
import dev.backprop.train.LossFunction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A trained Backprop network as a Spark ML model: {@link #transform} scores a DataFrame as an
 * ordinary Spark job (the model file broadcast once, rows scored in batches per partition), adding
 * the prediction and, for classifiers, the class probabilities and raw scores. Saved with
 * {@link #write()} as Backprop's own model file beside the params; {@link #load} reads it back.
 *
 * <pre>{@code
 * model.write().overwrite().save("hdfs:///models/digits");
 * BackpropModel again = BackpropModel.load("hdfs:///models/digits");
 * }</pre>
 */
public final class BackpropModel extends Model<BackpropModel> implements MLWritable {
    private static final String MODEL_FILE = "backprop-model.safetensors";
    private static final int BATCH = 256;

    private final String uid;
    private final byte[] modelFile;
    private final boolean classification;
    private final List<Integer> example;
    private final TrainingSummary summary;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;

    BackpropModel(String uid, DistributedConfig config, Module trained, TrainingSummary summary) {
        this(uid, modelFile(config, trained), config.classification(), config.example(), summary);
    }

    private BackpropModel(String uid, byte[] modelFile, boolean classification, List<Integer> example,
                          TrainingSummary summary) {
        this.uid = uid;
        this.modelFile = modelFile;
        this.classification = classification;
        this.example = List.copyOf(example);
        this.summary = summary;
        featuresCol = new Param<>(this, "featuresCol", "features: an ML Vector or an array of numbers");
        predictionCol = new Param<>(this, "predictionCol", "the predicted class index, or the predicted value");
        probabilityCol = new Param<>(this, "probabilityCol", "class probabilities (classifiers)");
        rawPredictionCol = new Param<>(this, "rawPredictionCol", "raw scores, the logits (classifiers)");
        setDefault(featuresCol, "features");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(rawPredictionCol, "rawPrediction");
    }

    private static byte[] modelFile(DistributedConfig config, Module trained) {
        List<String> classes = new ArrayList<>();
        for (int c = 0; c < (config.classification() ? config.outputs() : 0); c++) {
            classes.add(Integer.toString(c));
        }
        return ModelFile.toBytes(new ModelFile.Model(config.spec(), trained, new ModelFile.Info("spark", classes,
                Preprocessing.NONE)));
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> featuresCol() { return featuresCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public Param<String> probabilityCol() { return probabilityCol; }
    public Param<String> rawPredictionCol() { return rawPredictionCol; }

    public BackpropModel setFeaturesCol(String v) { set(featuresCol, v); return this; }
    public BackpropModel setPredictionCol(String v) { set(predictionCol, v); return this; }
    public BackpropModel setProbabilityCol(String v) { set(probabilityCol, v); return this; }
    public BackpropModel setRawPredictionCol(String v) { set(rawPredictionCol, v); return this; }

    /** How the training went: losses and accuracies per epoch, and where the steps spent their time. */
    public TrainingSummary summary() {
        return summary;
    }

    /** Whether this is a classifier (else a regressor). */
    public boolean isClassifier() {
        return classification;
    }

    /** The trained network, loaded from its model file. */
    public ModelFile.Model network() {
        return fromBytes(modelFile);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        BackpropEstimator.requireColumn(schema, getOrDefault(featuresCol), true);
        StructType out = schema;
        if (classification) {
            out = out.add(getOrDefault(rawPredictionCol), SQLDataTypes.VectorType(), false)
                    .add(getOrDefault(probabilityCol), SQLDataTypes.VectorType(), false);
        }
        return out.add(getOrDefault(predictionCol), DataTypes.DoubleType, false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> df = dataset.toDF();
        StructType schema = transformSchema(df.schema());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
        Broadcast<byte[]> shipped = sc.broadcast(modelFile);
        JavaRDD<Row> scored = df.toJavaRDD().mapPartitions(
                new Scorer(shipped, df.schema().fieldIndex(getOrDefault(featuresCol)), classification, example));
        return df.sparkSession().createDataFrame(scored, schema);
    }

    /** Scores a partition: the model loaded once, rows in batches of {@value #BATCH}. */
    private record Scorer(Broadcast<byte[]> model, int column, boolean classification, List<Integer> example)
            implements FlatMapFunction<Iterator<Row>, Row> {
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            Module net = fromBytes(model.value()).module();
            Evaluator evaluator = new Evaluator(net, LossFunction.crossEntropy());
            List<Row> out = new ArrayList<>();
            List<Row> batch = new ArrayList<>();
            while (rows.hasNext()) {
                batch.add(rows.next());
                if (batch.size() == BATCH || !rows.hasNext()) {
                    score(evaluator, batch, out);
                    batch.clear();
                }
            }
            return out.iterator();
        }

        private void score(Evaluator evaluator, List<Row> batch, List<Row> out) {
            int width = DistributedConfig.size(example);
            float[] x = new float[batch.size() * width];
            for (int i = 0; i < batch.size(); i++) {
                float[] f = BackpropEstimator.features(batch.get(i).get(column));
                if (f.length != width) {
                    throw new IllegalArgumentException("a row has " + f.length + " features; the model takes " + width
                            + ": " + batch.get(i));
                }
                System.arraycopy(f, 0, x, i * width, width);
            }
            int[] shape = new int[example.size() + 1];
            shape[0] = batch.size();
            for (int d = 0; d < example.size(); d++) {
                shape[d + 1] = example.get(d);
            }
            Tensor logits = evaluator.predict(Tensor.fromArray(x, shape), BATCH);
            int classes = logits.size(1);
            float[] raw = logits.toFloatArray();
            float[] p = classification ? logits.softmax(1).toFloatArray() : null;
            for (int i = 0; i < batch.size(); i++) {
                Object[] values = new Object[batch.get(i).length() + (classification ? 3 : 1)];
                for (int c = 0; c < batch.get(i).length(); c++) {
                    values[c] = batch.get(i).get(c);
                }
                int at = batch.get(i).length();
                if (classification) {
                    double[] r = new double[classes];
                    double[] q = new double[classes];
                    int best = 0;
                    for (int c = 0; c < classes; c++) {
                        r[c] = raw[i * classes + c];
                        q[c] = p[i * classes + c];
                        best = r[c] > r[best] ? c : best;
                    }
                    values[at++] = Vectors.dense(r);
                    values[at++] = Vectors.dense(q);
                    values[at] = (double) best;
                } else {
                    values[at] = (double) raw[i * classes];
                }
                out.add(RowFactory.create(values));
            }
        }
    }

    private static ModelFile.Model fromBytes(byte[] bytes) {
        try {
            return ModelFile.read(bytes, "the saved Backprop model");
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the model file: " + e.getMessage(), e);
        }
    }

    @Override
    public BackpropModel copy(ParamMap extra) {
        BackpropModel m = new BackpropModel(uid, modelFile, classification, example, summary);
        return copyValues(m, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new ModelWriter(this);
    }

    /** Reads models written by {@link #write()}. */
    public static MLReader<BackpropModel> read() {
        return new ModelReader();
    }

    public static BackpropModel load(String path) {
        return read().load(path);
    }

    /** Writes the model file and a small JSON of the rest (uid, kind, example shape, losses, columns) into a folder. */
    private static final class ModelWriter extends MLWriter {
        private final BackpropModel model;

        ModelWriter(BackpropModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            HadoopFiles.write(sparkSession(), path, MODEL_FILE, model.modelFile);
            java.util.Map<String, Object> meta = new java.util.LinkedHashMap<>();
            meta.put("format", "backprop-spark-model");
            meta.put("format_version", 1);
            meta.put("uid", model.uid);
            meta.put("classification", model.classification);
            meta.put("example", model.example);
            meta.put("epoch_losses", model.summary.epochLosses());
            meta.put("epoch_accuracies", model.summary.epochAccuracies());
            meta.put("step_times", model.summary.stepTimes().toList());
            meta.put("featuresCol", model.getOrDefault(model.featuresCol));
            meta.put("predictionCol", model.getOrDefault(model.predictionCol));
            meta.put("probabilityCol", model.getOrDefault(model.probabilityCol));
            meta.put("rawPredictionCol", model.getOrDefault(model.rawPredictionCol));
            HadoopFiles.write(sparkSession(), path, "backprop.json",
                    dev.backprop.io.Json.write(meta).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static List<Double> numbers(Object json) {
        List<Double> out = new ArrayList<>();
        for (Object o : (List<?>) json) {
            out.add(((Number) o).doubleValue());
        }
        return out;
    }

    /** Reads what {@link ModelWriter} wrote, checking the format. */
    private static final class ModelReader extends MLReader<BackpropModel> {
        @Override
        public BackpropModel load(String path) {
            String json = new String(HadoopFiles.read(sparkSession(), path, "backprop.json"), java.nio.charset.StandardCharsets.UTF_8);
            java.util.Map<?, ?> meta = (java.util.Map<?, ?>) dev.backprop.io.Json.parse(json);
            if (!"backprop-spark-model".equals(meta.get("format"))) {
                throw new IllegalArgumentException(path + ": not a saved Backprop Spark model (no format"
                        + " backprop-spark-model in backprop.json)");
            }
            List<Integer> example = new ArrayList<>();
            for (Object o : (List<?>) meta.get("example")) {
                example.add(((Number) o).intValue());
            }
            TrainingSummary summary = new TrainingSummary(numbers(meta.get("epoch_losses")), numbers(meta.get("epoch_accuracies")),
                    StepTimes.of(numbers(meta.get("step_times"))));
            byte[] file = HadoopFiles.read(sparkSession(), path, MODEL_FILE);
            fromBytes(file);   // refuses a damaged model file now rather than at the first transform
            BackpropModel m = new BackpropModel((String) meta.get("uid"), file, (Boolean) meta.get("classification"),
                    example, summary);
            return m.setFeaturesCol((String) meta.get("featuresCol")).setPredictionCol((String) meta.get("predictionCol"))
                    .setProbabilityCol((String) meta.get("probabilityCol"))
                    .setRawPredictionCol((String) meta.get("rawPredictionCol"));
        }
    }
}
