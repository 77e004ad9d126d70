package dev.backprop.spark;

import dev.backprop.data.Dataset;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One training example as it travels through Spark: its position in the dataset (which decides
 * the worker that holds it, and its place in that worker's partition), its features and its label
 * (a class index, or a value for a regression).
 */
public record Example(long index, float[] features, float label) implements Serializable {

    /** Every example of {@code d}, indexed in order, its features flattened. */
    public static List<Example> all(Dataset d) {
        float[] x = d.features().toFloatArray();
        float[] y = d.targets().toFloatArray();
        int width = d.size() == 0 ? 0 : x.length / d.size();
        List<Example> out = new ArrayList<>(d.size());
        for (int i = 0; i < d.size(); i++) {
            out.add(new Example(i, Arrays.copyOfRange(x, i * width, (i + 1) * width), y[i]));
        }
        return out;
    }
}
