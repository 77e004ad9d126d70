package dev.backprop.serve;

import dev.backprop.data.DataFormatException;
import dev.backprop.data.ImageInput;
import dev.backprop.data.Preprocessing;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.ModelSpec;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import dev.backprop.text.BagOfWords;
import dev.backprop.text.EncoderClassifier;
import dev.backprop.text.SentenceEncoder;
import dev.backprop.train.Evaluator;
import dev.backprop.train.LossFunction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One model as the server offers it for inference: what its input and outputs are, how a request's input
 * becomes {@link Rows}, and the forward pass over a batch of them. A model takes numbers (a classifier or
 * regressor: raw features or pixel values, its preprocessing applied here, as in its ONNX export) or texts (a
 * bag-of-words model, a fine-tuned encoder classifier, a sentence encoder, which answers embeddings rather than
 * logits). (A GPT is a {@link ServedGenerator}.)
 */
final class ServedModel {
    /** A tensor the model takes or gives, as the protocol's metadata describes it; -1 for the batch dimension. */
    record TensorSpec(String name, String datatype, long[] shape) {
    }

    /** One request's input, ready for a batch: numbers already shaped and preprocessed, or texts. */
    sealed interface Rows {
        /** Inputs in the request. */
        int count();
    }

    /** Rows of numbers, {@code [rows, ...]}. */
    record Numbers(Tensor tensor) implements Rows {
        @Override
        public int count() {
            return tensor.size(0);
        }
    }

    /** Texts, one per row. */
    record Texts(List<String> texts) implements Rows {
        @Override
        public int count() {
            return texts.size();
        }
    }

    static final String INPUT = "input";
    static final String TEXT_INPUT = "text";
    static final String LOGITS = "logits";
    static final String PROBABILITIES = "probabilities";
    static final String LABEL = "label";
    static final String EMBEDDING = "embedding";

    private final String name;
    private final List<String> classNames;
    private final int outputs;
    private final String output;
    private final int[] featureShape;              // null for a model that takes texts
    private final Preprocessing preprocessing;     // null for a model that takes texts
    private final Function<Tensor, float[]> numbers;
    private final Function<List<String>, float[]> texts;

    private ServedModel(String name, List<String> classNames, int outputs, String output, int[] featureShape,
                        Preprocessing preprocessing, Function<Tensor, float[]> numbers,
                        Function<List<String>, float[]> texts) {
        this.name = name;
        this.classNames = List.copyOf(classNames);
        this.outputs = outputs;
        this.output = output;
        this.featureShape = featureShape;
        this.preprocessing = preprocessing;
        this.numbers = numbers;
        this.texts = texts;
    }

    /** A servable other than a GPT, served as {@code name}; a kind the server cannot serve is refused. */
    static ServedModel of(String name, Servable servable) {
        return switch (servable) {
            case Servable.Saved s -> saved(name, s.model());
            case Servable.Embeddings e -> embeddings(name, e.encoder());
            case Servable.TextClassifier c -> textClassifier(name, c.classifier().model(), c.classifier().classes());
        };
    }

    private static ServedModel saved(String name, ModelFile.Model model) {
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
        List<String> classes = model.info().classNames();
        Evaluator evaluator = new Evaluator(model.module(), classes.isEmpty() ? LossFunction.mse() : LossFunction.crossEntropy());
        Function<Tensor, float[]> forward = batch -> evaluator.predict(batch, batch.size(0)).toFloatArray();
        BagOfWords words = BagOfWords.fromMetadata(model.info().extra());
        if (words == null) {
            return new ServedModel(name, classes, outputs, LOGITS, shape, model.info().preprocessing(), forward, null);
        }
        if (shape[0] != words.size()) {
            throw new IllegalArgumentException("model '" + name + "' takes " + shape[0] + " features but its vocabulary has "
                    + words.size() + " words; the file is inconsistent");
        }
        return new ServedModel(name, classes, outputs, LOGITS, null, null, null,
                all -> forward.apply(words.features(all)));
    }

    private static ServedModel embeddings(String name, SentenceEncoder encoder) {
        int width = encoder.embed(List.of("a probe for the width"))[0].length;
        return new ServedModel(name, List.of(), width, EMBEDDING, null, null, null, all -> {
            float[][] vectors = encoder.embed(all);
            float[] flat = new float[vectors.length * width];
            for (int i = 0; i < vectors.length; i++) {
                System.arraycopy(vectors[i], 0, flat, i * width, width);
            }
            return flat;
        });
    }

    private static ServedModel textClassifier(String name, EncoderClassifier model, List<String> classes) {
        model.eval();
        return new ServedModel(name, classes, classes.size(), LOGITS, null, null, null, all -> {
            try (var off = GradMode.noGrad()) {
                return model.forward(model.encoder().ids(all)).toFloatArray();
            }
        });
    }

    String name() {
        return name;
    }

    /** Whether the model classifies (else it regresses or embeds {@link #outputs()} values). */
    boolean classifies() {
        return !classNames.isEmpty();
    }

    /** Whether the model answers embeddings (a sentence encoder). */
    boolean embeds() {
        return output.equals(EMBEDDING);
    }

    List<String> classNames() {
        return classNames;
    }

    /** Values per row of the model's output. */
    int outputs() {
        return outputs;
    }

    /** Whether the model takes texts rather than numbers. */
    boolean takesText() {
        return texts != null;
    }

    /** The one input the model takes. */
    TensorSpec input() {
        if (takesText()) {
            return new TensorSpec(TEXT_INPUT, "BYTES", new long[] {-1});
        }
        long[] shape = new long[featureShape.length + 1];
        shape[0] = -1;
        for (int i = 0; i < featureShape.length; i++) {
            shape[i + 1] = featureShape[i];
        }
        return new TensorSpec(INPUT, "FP32", shape);
    }

    /**
     * The outputs it gives: logits (or the regressed values) and, for a classifier, probabilities and the label;
     * a sentence encoder's embedding.
     */
    List<TensorSpec> outputSpecs() {
        TensorSpec first = new TensorSpec(output, "FP32", new long[] {-1, outputs});
        if (!classifies()) {
            return List.of(first);
        }
        return List.of(first, new TensorSpec(PROBABILITIES, "FP32", new long[] {-1, outputs}),
                new TensorSpec(LABEL, "BYTES", new long[] {-1}));
    }

    /** Texts as rows, for a model that takes texts. */
    Rows textRows(List<String> texts) {
        if (!takesText()) {
            throw HttpProblem.badRequest("model '" + name + "' takes numbers (" + INPUT + ", FP32, shape "
                    + Arrays.toString(input().shape()) + "), not text");
        }
        return new Texts(List.copyOf(texts));
    }

    /**
     * Raw numbers, {@code rows} of them with {@link #input()}'s shape (or flattened to one row each), as
     * the rows the model takes: preprocessing applied, shaped {@code [rows, ...]}.
     */
    Rows numberRows(float[] values, int rows, String where) {
        if (takesText()) {
            throw HttpProblem.badRequest("model '" + name + "' takes texts (" + TEXT_INPUT + ", BYTES, shape [-1]), not"
                    + " numbers");
        }
        int features = features();
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
        Tensor x = preprocessing.apply(Tensor.fromArray(values, rows, features));
        int[] shape = new int[featureShape.length + 1];
        shape[0] = rows;
        System.arraycopy(featureShape, 0, shape, 1, featureShape.length);
        return new Numbers(x.reshape(shape));
    }

    /**
     * The side of the square greyscale image the model takes, or 0: a one-channel image model's, or an MLP's whose
     * features are a square number of pixels scaled as one (as an MNIST MLP's are), as {@code predict} decides.
     */
    int imageSide() {
        if (featureShape == null) {
            return 0;
        }
        if (featureShape.length == 3) {
            return featureShape[0] == 1 && featureShape[1] == featureShape[2] ? featureShape[1] : 0;
        }
        int side = (int) Math.round(Math.sqrt(featureShape[0]));
        return side * side == featureShape[0] && side >= 8 && preprocessing.scale().size() == 1 ? side : 0;
    }

    /** An uploaded image (PNG, JPEG, BMP, GIF, PGM) as one row of pixel values 0-255, for a model that takes images. */
    Rows imageRows(byte[] image) {
        int side = imageSide();
        if (side == 0) {
            throw new HttpProblem(415, "model '" + name + "' takes " + (takesText() ? "texts"
                    : features() + " numbers (shape " + Arrays.toString(input().shape()) + ")") + ", not an image");
        }
        float[] pixels;
        try {
            pixels = ImageInput.pixels(image, "the image", side);
        } catch (DataFormatException e) {
            throw HttpProblem.badRequest(e.getMessage());
        } catch (java.io.IOException e) {
            throw HttpProblem.badRequest("the image could not be read: " + e.getMessage());
        }
        return numberRows(pixels, 1, "the image");
    }

    /** Numbers per row of a model that takes numbers (0 for one that takes texts). */
    int features() {
        return featureShape == null ? 0 : Arrays.stream(featureShape).reduce(1, (a, b) -> a * b);
    }

    /** The model's outputs for a batch of requests' rows, in order, row-major {@code [rows, outputs()]}. */
    float[] forward(List<Rows> batch) {
        if (takesText()) {
            List<String> all = new ArrayList<>();
            for (Rows r : batch) {
                all.addAll(((Texts) r).texts());
            }
            return texts.apply(all);
        }
        Tensor input = batch.size() == 1 ? ((Numbers) batch.get(0)).tensor()
                : Tensor.cat(0, batch.stream().map(r -> ((Numbers) r).tensor()).toArray(Tensor[]::new));
        return numbers.apply(input);
    }
}
