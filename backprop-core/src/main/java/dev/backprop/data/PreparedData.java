package dev.backprop.data;

/** A named dataset ready for training: its train and test parts and the preprocessing applied to both. */
public record PreparedData(Dataset train, Dataset test, Preprocessing preprocessing) {
}
