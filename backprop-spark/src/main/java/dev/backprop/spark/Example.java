package dev.backprop.spark;

import java.io.Serializable;

/**
 * One training example as it travels through Spark: its position in the dataset (which decides
 * the worker that holds it, and its place in that worker's partition), its features and its label
 * (a class index, or a value for a regression).
 */
public record Example(long index, float[] features, float label) implements Serializable {
}
