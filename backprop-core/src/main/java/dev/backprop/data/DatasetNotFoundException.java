package dev.backprop.data;

import java.io.FileNotFoundException;

/**
 * A named dataset's files were in none of the places looked in, and could not be downloaded: the
 * message lists the places, the files wanted and why no download happened.
 */
public final class DatasetNotFoundException extends FileNotFoundException {
    private final NamedDataset dataset;

    DatasetNotFoundException(NamedDataset dataset, String message) {
        super(message);
        this.dataset = dataset;
    }

    /** The dataset that was looked for. */
    public NamedDataset dataset() {
        return dataset;
    }
}
