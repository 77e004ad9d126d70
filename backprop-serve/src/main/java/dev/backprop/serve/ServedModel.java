package dev.backprop.serve;

import dev.backprop.data.Preprocessing;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.ModelSpec;
import dev.backprop.tensor.Tensor;
import dev.backprop.text.BagOfWords;
import dev.backprop.train.Evaluator;
import dev.backprop.train.LossFunction;
import java.util.Arrays;
import java.util.List;

/**
 * One classifier or regressor as the server offers it: what its input and outputs are (the same as its ONNX
 * export's: raw features or pixel values in, preprocessing applied inside), how a request's input becomes
 * model-ready rows, and the forward pass over a batch of such rows. A bag-of-words text model takes texts instead.
 * (A GPT is a {@link ServedGenerator}.)
 */
final class ServedModel {
    /** A tensor the model takes or gives, as the protocol's metadata describes it; -1 for the batch dimension. */
    record TensorSpec(String name, String datatype, long[] shape) {
    }

    static final String INPUT = "input";
    static final String TEXT_INPUT = "text";
    static final String LOGITS = "logits";
    static final String PROBABILITIES = "probabilities";
    static final String LABEL = "label";

    private final String name;
    private final ModelFile.Model model;
    private final Evaluator evaluator;
    private final BagOfWords words;
    private final int[] featureShape;
    private final int features;
    private final int outputs;

    private ServedModel(String name, ModelFile.Model model, BagOfWords words, int[] featureShape, int outputs) {
        this.name = name;
        this.model = model;
        this.words = words;
        this.featureShape = featureShape;
        this.features = Arrays.stream(featureShape).reduce(1, (a, b) -> a * b);
        this.outputs = outputs;
        this.evaluator = new Evaluator(model.module(),
                model.info().classNames().isEmpty() ? LossFunction.mse() : LossFunction.crossEntropy());
    }

    /** The model loaded from a Backprop model file, served as {@code name}; a kind the server cannot serve yet is refused. */
    static ServedModel of(String name, ModelFile.Model model) {
        int[] shape;
        int outputs;
        switch (model.spec()) {
            case ModelSpec.Mlp mlp -> {
                shape = new int[] {mlp.inputs()};
                outputs = mlp.outputs();
            }
            case ModelSpec.LeNet5 lenet -> {
                shape = new int[] {lenet.channels(), 28, 28};
                outputs = lenet.classes();
            }
            case ModelSpec.Vgg vgg -> {
                shape = new int[] {vgg.channels(), 28, 28};
                outputs = vgg.classes();
            }
            case ModelSpec.Gpt gpt -> throw new IllegalArgumentException("model '" + name + "' is a GPT language model,"
                    + " which generates text (ServedGenerator), not a classifier or regressor");
        }
        BagOfWords words = BagOfWords.fromMetadata(model.info().extra());
        if (words != null && shape[0] != words.size()) {
            throw new IllegalArgumentException("model '" + name + "' takes " + shape[0] + " features but its vocabulary has "
                    + words.size() + " words; the file is inconsistent");
        }
        return new ServedModel(name, model, words, shape, outputs);
    }

    String name() {
        return name;
    }

    /** Whether the model classifies (else it regresses {@link #outputs()} values). */
    boolean classifies() {
        return !model.info().classNames().isEmpty();
    }

    List<String> classNames() {
        return model.info().classNames();
    }

    /** Values per row of the model's output. */
    int outputs() {
        return outputs;
    }

    /** Whether the model takes texts (a bag-of-words model) rather than numbers. */
    boolean takesText() {
        return words != null;
    }

    /** The one input the model takes. */
    TensorSpec input() {
        if (words != null) {
            return new TensorSpec(TEXT_INPUT, "BYTES", new long[] {-1});
        }
        long[] shape = new long[featureShape.length + 1];
        shape[0] = -1;
        for (int i = 0; i < featureShape.length; i++) {
            shape[i + 1] = featureShape[i];
        }
        return new TensorSpec(INPUT, "FP32", shape);
    }

    /** The outputs it gives: logits (or the regressed values) and, for a classifier, probabilities and the label. */
    List<TensorSpec> outputSpecs() {
        TensorSpec logits = new TensorSpec(LOGITS, "FP32", new long[] {-1, outputs});
        if (!classifies()) {
            return List.of(logits);
        }
        return List.of(logits, new TensorSpec(PROBABILITIES, "FP32", new long[] {-1, outputs}),
                new TensorSpec(LABEL, "BYTES", new long[] {-1}));
    }

    /** Texts as the rows the model takes: bag-of-words features. */
    Tensor textRows(List<String> texts) {
        if (words == null) {
            throw HttpProblem.badRequest("model '" + name + "' takes numbers (" + INPUT + ", FP32, shape "
                    + Arrays.toString(input().shape()) + "), not text");
        }
        return words.features(texts);
    }

    /**
     * Raw numbers, {@code rows} of them with {@link #input()}'s shape (or flattened to one row each), as
     * the rows the model takes: preprocessing applied, shaped {@code [rows, ...]}.
     */
    Tensor numberRows(float[] values, int rows, String where) {
        if (words != null) {
            throw HttpProblem.badRequest("model '" + name + "' takes texts (" + TEXT_INPUT + ", BYTES, shape [-1]), not"
                    + " numbers");
        }
        if (values.length != (long) rows * features) {
            throw HttpProblem.badRequest(where + ": " + values.length + " values for " + rows + " rows; model '" + name
                    + "' takes " + features + " per row (shape " + Arrays.toString(input().shape()) + ")");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw HttpProblem.badRequest(where + ": value " + i + " (row " + i / features + ") is " + values[i]
                        + "; the model takes finite numbers");
            }
        }
        Preprocessing pre = model.info().preprocessing();
        Tensor x = pre.apply(Tensor.fromArray(values, rows, features));
        int[] shape = new int[featureShape.length + 1];
        shape[0] = rows;
        System.arraycopy(featureShape, 0, shape, 1, featureShape.length);
        return x.reshape(shape);
    }

    /** The trailing shape of one row, without the batch dimension. */
    int[] featureShape() {
        return featureShape.clone();
    }

    /** The model's outputs for a batch of rows, row-major {@code [rows, outputs()]}. */
    float[] forward(Tensor batch) {
        return evaluator.predict(batch, batch.size(0)).toFloatArray();
    }
}
