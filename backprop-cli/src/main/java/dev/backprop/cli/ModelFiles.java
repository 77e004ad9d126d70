package dev.backprop.cli;

import dev.backprop.io.ModelFile;
import java.io.IOException;
import java.nio.file.Path;

/** Loads model files for the commands, adding to the library's message the command that fits the file. */
final class ModelFiles {
    private ModelFiles() {
    }

    /** A classifier or regressor for {@code command}; a language model is refused with the command it needs. */
    static ModelFile.Model featureModel(Path file, String command) throws IOException {
        ModelFile.Model m = ModelFile.load(file);
        try {
            return m.requireFeatureModel(file.toString(), command);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + ": ./backprop generate " + file, e);
        }
    }

    /** A language model for {@code generate}; a classifier is refused with how to train a language model. */
    static ModelFile.LanguageModel languageModel(Path file) throws IOException {
        ModelFile.Model m = ModelFile.load(file);
        try {
            return m.languageModel(file.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + ": ./backprop train --dataset tinyshakespeare --model gpt", e);
        }
    }
}
