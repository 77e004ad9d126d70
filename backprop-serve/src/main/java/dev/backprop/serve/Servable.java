package dev.backprop.serve;

import dev.backprop.io.ModelFile;
import dev.backprop.text.SentenceEncoder;
import dev.backprop.text.TextClassifierFile;

/**
 * A model {@link ModelServer} can serve: a saved Backprop model (a classifier, regressor or bag-of-words text
 * model answers {@code /infer}; a GPT answers {@code /generate}), a sentence encoder (texts in, unit-length
 * embeddings out), or a fine-tuned encoder text classifier.
 *
 * <pre>{@code
 * Map<String, Servable> models = Map.of(
 *         "digits", Servable.of(ModelFile.load(Path.of("digits.safetensors"))),
 *         "minilm", Servable.embeddings(MiniLm.load(DatasetLocator.standard(null))));
 * }</pre>
 */
public sealed interface Servable {
    /** A model saved by {@code backprop train --out} (or {@link ModelFile#save}). */
    static Servable of(ModelFile.Model model) {
        return new Saved(model);
    }

    /** A sentence encoder: {@code text} in, {@code embedding} out, as {@link SentenceEncoder#embed} computes it. */
    static Servable embeddings(SentenceEncoder encoder) {
        return new Embeddings(encoder);
    }

    /** An encoder fine-tuned to classify texts ({@code backprop train --dataset spam-assassin --model minilm}). */
    static Servable textClassifier(TextClassifierFile.Loaded classifier) {
        return new TextClassifier(classifier);
    }

    /** A saved Backprop model. */
    record Saved(ModelFile.Model model) implements Servable {
    }

    /** A sentence encoder served for its embeddings. */
    record Embeddings(SentenceEncoder encoder) implements Servable {
    }

    /** A fine-tuned encoder text classifier. */
    record TextClassifier(TextClassifierFile.Loaded classifier) implements Servable {
    }
}
