package dev.backprop.cli;

import dev.backprop.data.CsvReader;
import dev.backprop.data.ImageInput;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads what {@code predict} accepts: a greyscale image (PNG, PGM, ...) or CSV rows of features. */
final class InputFiles {
    private InputFiles() {
    }

    static boolean isImage(Path file) {
        return ImageInput.isImageName(file.getFileName().toString());
    }

    /**
     * The image as intensities in [0, 1] of shape {@code [1, side*side]}, resized to a square of
     * {@code side} pixels; dark-on-light images are inverted, since the datasets are light on dark.
     */
    static Tensor image(Path file, int side) throws IOException {
        float[] v = ImageInput.pixels(Files.readAllBytes(file), file.toString(), side);
        for (int i = 0; i < v.length; i++) {
            v[i] /= 255f;
        }
        return Tensor.fromArray(v, 1, side * side);
    }

    /** CSV rows of exactly {@code features} numbers (a header line is detected and skipped). */
    static Tensor csv(Path file, int features) throws IOException {
        float[] flat = CsvReader.featureRows(Files.readAllBytes(file), file.toString(), features);
        return Tensor.fromArray(flat, flat.length / features, features);
    }
}
