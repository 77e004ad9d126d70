package dev.backprop.spark.ml;

import dev.backprop.nn.Architecture;
import dev.backprop.optim.OptimizerKind;
import dev.backprop.optim.schedule.ScheduleKind;
import dev.backprop.spark.DistributedConfig;
import dev.backprop.spark.Example;
import dev.backprop.spark.SparkTrainer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * What the Backprop classifier and regressor share: their params (each with a getter and a setter,
 * so they work in pipelines and param grids), and {@link #fit}, which reads the features column
 * (an ML {@code Vector} or an array of numbers; image models take 784 numbers) and the label column,
 * trains with {@link SparkTrainer} on the cluster, and returns a {@link BackpropModel}.
 */
public abstract class BackpropEstimator extends Estimator<BackpropModel> {
    private final String uid;
    private final Param<String> featuresCol;
    private final Param<String> labelCol;
    private final Param<String> model;
    private final DoubleParam lr;
    private final IntParam epochs;
    private final IntParam batchSize;
    private final IntParam workers;
    private final LongParam seed;
    private final IntParam timeoutSeconds;
    private final Param<String> optimizer;
    private final DoubleParam weightDecay;
    private final Param<String> schedule;
    private final DoubleParam clipNorm;
    private final Param<String> checkpointDir;
    private final IntParam checkpointInterval;
    private final IntParam averageEvery;

    BackpropEstimator(String uid) {
        this.uid = uid;
        featuresCol = new Param<>(this, "featuresCol", "features: an ML Vector or an array of numbers");
        labelCol = new Param<>(this, "labelCol", "label: a class index 0, 1, ... (classifier) or a value (regressor)");
        model = new Param<>(this, "model", "the model as the command line writes it: mlp:H1,H2,..., lenet or cnn:WIDTH");
        lr = new DoubleParam(this, "lr", "Adam's learning rate", ParamValidators.gt(0));
        epochs = new IntParam(this, "epochs", "passes over the data", ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "the global batch, split evenly over the workers", ParamValidators.gtEq(1));
        workers = new IntParam(this, "workers", "training tasks, that many task slots at once (2 or more)",
                ParamValidators.gtEq(2));
        seed = new LongParam(this, "seed", "initial weights and shuffling: same seed, same model");
        timeoutSeconds = new IntParam(this, "timeoutSeconds", "how long a worker waits for another before failing",
                ParamValidators.gtEq(1));
        optimizer = new Param<>(this, "optimizer", "sgd, momentum, adam, adamw, rmsprop, adagrad, adamax or nadam",
                v -> { OptimizerKind.of(v); return true; });
        weightDecay = new DoubleParam(this, "weightDecay", "L2 weight decay (decoupled for adamw)", ParamValidators.gtEq(0));
        schedule = new Param<>(this, "schedule", "per-epoch rate: constant, step, exponential, cosine, warmup or onecycle",
                v -> { ScheduleKind.of(v); return true; });
        clipNorm = new DoubleParam(this, "clipNorm", "clip the global gradient norm (0: off)", ParamValidators.gtEq(0));
        checkpointDir = new Param<>(this, "checkpointDir", "a folder on any Hadoop file system (HDFS, S3, shared) for the workers' checkpoints"
                + " (empty: none); a run whose stage is retried resumes from it");
        checkpointInterval = new IntParam(this, "checkpointInterval", "checkpoint every N steps (0: each epoch's end)",
                ParamValidators.gtEq(0));
        averageEvery = new IntParam(this, "averageEvery", "the synchronisation: 0 sums gradients every step (the default);"
                + " k > 0 is local SGD, parameters averaged every k steps", ParamValidators.gtEq(0));
        setDefault(averageEvery, 0);
        setDefault(optimizer, "adam");
        setDefault(weightDecay, 0.0);
        setDefault(schedule, "constant");
        setDefault(clipNorm, 0.0);
        setDefault(checkpointDir, "");
        setDefault(checkpointInterval, 0);
        setDefault(featuresCol, "features");
        setDefault(labelCol, "label");
        setDefault(model, "mlp:128");
        setDefault(lr, 3e-3);
        setDefault(epochs, 10);
        setDefault(batchSize, 64);
        setDefault(workers, 2);
        setDefault(seed, 0L);
        setDefault(timeoutSeconds, 120);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> featuresCol() { return featuresCol; }
    public Param<String> labelCol() { return labelCol; }
    public Param<String> model() { return model; }
    public DoubleParam lr() { return lr; }
    public IntParam epochs() { return epochs; }
    public IntParam batchSize() { return batchSize; }
    public IntParam workers() { return workers; }
    public LongParam seed() { return seed; }
    public IntParam timeoutSeconds() { return timeoutSeconds; }
    public Param<String> optimizer() { return optimizer; }
    public DoubleParam weightDecay() { return weightDecay; }
    public Param<String> schedule() { return schedule; }
    public DoubleParam clipNorm() { return clipNorm; }
    public Param<String> checkpointDir() { return checkpointDir; }
    public IntParam checkpointInterval() { return checkpointInterval; }
    public IntParam averageEvery() { return averageEvery; }

    public BackpropEstimator setFeaturesCol(String v) { set(featuresCol, v); return this; }
    public BackpropEstimator setLabelCol(String v) { set(labelCol, v); return this; }
    public BackpropEstimator setModel(String v) { Architecture.parse(v); set(model, v); return this; }
    public BackpropEstimator setLr(double v) { set(lr, v); return this; }
    public BackpropEstimator setEpochs(int v) { set(epochs, v); return this; }
    public BackpropEstimator setBatchSize(int v) { set(batchSize, v); return this; }
    public BackpropEstimator setWorkers(int v) { set(workers, v); return this; }
    public BackpropEstimator setSeed(long v) { set(seed, v); return this; }
    public BackpropEstimator setTimeoutSeconds(int v) { set(timeoutSeconds, v); return this; }
    public BackpropEstimator setOptimizer(String v) { set(optimizer, v); return this; }
    public BackpropEstimator setWeightDecay(double v) { set(weightDecay, v); return this; }
    public BackpropEstimator setSchedule(String v) { set(schedule, v); return this; }
    public BackpropEstimator setClipNorm(double v) { set(clipNorm, v); return this; }
    public BackpropEstimator setCheckpointDir(String v) { set(checkpointDir, v); return this; }
    public BackpropEstimator setCheckpointInterval(int v) { set(checkpointInterval, v); return this; }
    public BackpropEstimator setAverageEvery(int v) { set(averageEvery, v); return this; }

    /** True for the classifier (cross-entropy, class probabilities), false for the regressor (mean squared error). */
    abstract boolean classification();

    @Override
    public BackpropModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        Dataset<Row> data = dataset.select(getOrDefault(featuresCol), getOrDefault(labelCol)).toDF();
        JavaRDD<Example> examples = data.toJavaRDD().zipWithIndex().map(p -> example(p._1(), p._2()));
        Architecture architecture = Architecture.parse(getOrDefault(model));
        Row first = data.first();
        int width = features(first.get(0)).length;
        List<Integer> shape = architecture.input() == Architecture.Input.IMAGES
                ? imageShape(width) : List.of(width);
        int outputs = classification() ? classes(data) : 1;
        int epochCount = (Integer) getOrDefault(epochs);
        double rate = (Double) getOrDefault(lr);
        DistributedConfig config = new DistributedConfig(architecture, shape, outputs, classification(), rate,
                epochCount, (Integer) getOrDefault(batchSize), (Long) getOrDefault(seed),
                Duration.ofSeconds((Integer) getOrDefault(timeoutSeconds)))
                .withOptimizer(OptimizerKind.of(getOrDefault(optimizer)), (Double) getOrDefault(weightDecay))
                .withSchedule(ScheduleKind.of(getOrDefault(schedule)).create(epochCount, rate))
                .withClipNorm((Double) getOrDefault(clipNorm)).withAverageEvery((Integer) getOrDefault(averageEvery));
        if (!getOrDefault(checkpointDir).isEmpty()) {
            config = config.withCheckpoints(getOrDefault(checkpointDir), (Integer) getOrDefault(checkpointInterval));
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        SparkTrainer.Result r = SparkTrainer.fit(sc, examples, config, (Integer) getOrDefault(workers));
        BackpropModel m = new BackpropModel(uid + "_model", config, r.model(),
                new TrainingSummary(r.epochLosses(), r.epochAccuracies(), r.times()));
        m.setFeaturesCol(getOrDefault(featuresCol));
        return m.setParent(this);
    }

    private static List<Integer> imageShape(int width) {
        if (width % (28 * 28) != 0) {
            throw new IllegalArgumentException("image models take 28x28 images: a features column of 784 numbers per"
                    + " channel; this one has " + width);
        }
        return List.of(width / (28 * 28), 28, 28);
    }

    /** The number of classes: the largest label plus one (the one-pass check refuses labels that are not indices). */
    private int classes(Dataset<Row> data) {
        Row max = data.agg(org.apache.spark.sql.functions.max(data.col(getOrDefault(labelCol)))).first();
        if (max.isNullAt(0)) {
            throw new IllegalArgumentException("column '" + getOrDefault(labelCol) + "' has no labels");
        }
        return (int) Math.max(2, Math.floor(((Number) max.get(0)).doubleValue()) + 1);
    }

    private static Example example(Row row, long index) {
        return new Example(index, features(row.get(0)), row.isNullAt(1) ? Float.NaN : ((Number) row.get(1)).floatValue());
    }

    /** A features column's value, a Vector or an array of numbers, as floats; a missing one is refused. */
    static float[] features(Object v) {
        if (v == null) {
            throw new IllegalArgumentException("a row has no features (null)");
        }
        if (v instanceof Vector vector) {
            double[] d = vector.toArray();
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        List<?> list = v instanceof scala.collection.Seq<?> seq ? scala.jdk.javaapi.CollectionConverters.asJava(seq)
                : (List<?>) v;
        float[] f = new float[list.size()];
        for (int i = 0; i < f.length; i++) {
            Object x = list.get(i);
            f[i] = x == null ? Float.NaN : ((Number) x).floatValue();
        }
        return f;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        requireColumn(schema, getOrDefault(featuresCol), true);
        requireColumn(schema, getOrDefault(labelCol), false);
        return schema;
    }

    static void requireColumn(StructType schema, String name, boolean features) {
        List<String> names = new ArrayList<>(List.of(schema.fieldNames()));
        if (!names.contains(name)) {
            throw new IllegalArgumentException("no column '" + name + "' among " + names);
        }
        DataType type = schema.apply(name).dataType();
        boolean ok = features
                ? type.equals(SQLDataTypes.VectorType()) || type instanceof ArrayType a && a.elementType() instanceof NumericType
                : type instanceof NumericType;
        if (!ok) {
            throw new IllegalArgumentException("column '" + name + "' has type " + type.simpleString() + "; expected "
                    + (features ? "an ML Vector or an array of numbers" : "a number"));
        }
    }

    @Override
    public Estimator<BackpropModel> copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
