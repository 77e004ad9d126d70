package dev.backprop.serve;

import dev.backprop.data.Preprocessing;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.ModelSpec;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import dev.backprop.text.BagOfWords;
import dev.backprop.train.Evaluator;
import dev.backprop.train.LossFunction;
import java.util.List;

/**
 * Small models for the server's tests, with the in-process answer each response must match: the model read
 * again from its own file bytes (a separate instance) and run as {@code ./backprop predict} runs it.
 */
final class Models {
    private Models() {
    }

    /** A 4-feature, 3-class MLP with standardising preprocessing (as a UCI table gets). */
    static ModelFile.Model iris() {
        ModelSpec.Mlp spec = new ModelSpec.Mlp(4, List.of(16), 3, ActivationKind.TANH, 0f);
        Preprocessing pre = new Preprocessing(List.of(5.8, 3.0, 3.7, 1.2), List.of(0.8, 0.4, 1.7, 0.7));
        return new ModelFile.Model(spec, spec.build(new Generator(1)),
                new ModelFile.Info("iris", List.of("setosa", "versicolor", "virginica"), pre));
    }

    /** LeNet-5 on raw 0-255 pixels, as the MNIST model is saved. */
    static ModelFile.Model digits() {
        ModelSpec.LeNet5 spec = new ModelSpec.LeNet5(1, 10);
        return new ModelFile.Model(spec, spec.build(new Generator(2)), new ModelFile.Info("mnist",
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), Preprocessing.scale(255)));
    }

    /** A regressor with two outputs. */
    static ModelFile.Model regressor() {
        ModelSpec.Mlp spec = new ModelSpec.Mlp(3, List.of(8), 2, ActivationKind.RELU, 0f);
        return new ModelFile.Model(spec, spec.build(new Generator(3)), new ModelFile.Info("table", List.of(),
                Preprocessing.NONE));
    }

    static final BagOfWords WORDS = new BagOfWords(List.of("free", "money", "meeting", "tomorrow", "click", "agenda"),
            new float[] {1.5f, 1.2f, 1.1f, 0.9f, 1.7f, 1.3f});

    /** A bag-of-words text classifier. */
    static ModelFile.Model spam() {
        ModelSpec.Mlp spec = new ModelSpec.Mlp(WORDS.size(), List.of(8), 2, ActivationKind.RELU, 0f);
        return new ModelFile.Model(spec, spec.build(new Generator(4)),
                new ModelFile.Info("spam-assassin", List.of("ham", "spam"), Preprocessing.NONE, WORDS.metadata()));
    }

    /** The model as a separate instance, read back from the bytes of its file. */
    static ModelFile.Model copy(ModelFile.Model m) throws Exception {
        return ModelFile.read(ModelFile.toBytes(m), "copy");
    }

    /** What {@code predict} computes for raw rows {@code [n, ...]}: preprocessing, then the model in evaluation mode. */
    static float[] expected(ModelFile.Model model, float[] raw, int... shape) throws Exception {
        ModelFile.Model m = copy(model);
        Tensor x = m.info().preprocessing().apply(Tensor.fromArray(raw, shape)).reshape(shape);
        LossFunction loss = m.info().classNames().isEmpty() ? LossFunction.mse() : LossFunction.crossEntropy();
        return new Evaluator(m.module(), loss).predict(x, 512).toFloatArray();
    }

    /** What {@code predict} computes for texts. */
    static float[] expectedText(List<String> texts) throws Exception {
        ModelFile.Model m = copy(spam());
        return new Evaluator(m.module(), LossFunction.crossEntropy()).predict(WORDS.features(texts), 512).toFloatArray();
    }

    /** {@code n} raw rows of {@code width} values in a range like the features', different for every seed. */
    static float[] rows(long seed, int n, int width, float scale) {
        return Tensor.rand(new Generator(seed), n, width).mul(scale).toFloatArray();
    }
}
