package dev.backprop.data;

import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Turns a parsed CSV table into a dataset: one column is the target, the others the features. */
public final class TableDatasets {
    private TableDatasets() {
    }

    /**
     * A classification dataset whose {@code label} column holds class indices 0..C-1; classes are
     * named by {@code classNames}, or "0".."C-1" when that is empty.
     */
    public static Dataset classification(String name, CsvReader.Table table, CsvReader.Column label, List<String> classNames) {
        int col = table.indexOf(label);
        float[][] rows = table.rows();
        int max = -1;
        for (int r = 0; r < rows.length; r++) {
            float v = rows[r][col];
            if (v != Math.rint(v) || v < 0) {
                throw new DataFormatException(table.source() + ": data row " + (r + 1) + ": label " + v
                        + " is not a class index (a whole number >= 0)");
            }
            max = Math.max(max, (int) v);
        }
        List<String> names = new ArrayList<>(classNames);
        if (names.isEmpty()) {
            for (int c = 0; c <= max; c++) {
                names.add(Integer.toString(c));
            }
        } else if (max >= names.size()) {
            throw new DataFormatException(table.source() + ": label " + max + " is out of range for the "
                    + names.size() + " classes " + names);
        }
        return new Dataset(name, features(table, col), column(table, col), names);
    }

    /** A regression dataset predicting the {@code target} column from the others. */
    public static Dataset regression(String name, CsvReader.Table table, CsvReader.Column target) {
        int col = table.indexOf(target);
        return new Dataset(name, features(table, col), column(table, col), List.of());
    }

    static Tensor features(CsvReader.Table table, int skip) {
        float[][] rows = table.rows();
        int w = table.width() - 1;
        float[] data = new float[rows.length * w];
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0, k = 0; c < rows[r].length; c++) {
                if (c != skip) {
                    data[r * w + k++] = rows[r][c];
                }
            }
        }
        return Tensor.fromArray(data, rows.length, w);
    }

    static Tensor column(CsvReader.Table table, int col) {
        float[][] rows = table.rows();
        float[] data = new float[rows.length];
        for (int r = 0; r < rows.length; r++) {
            data[r] = rows[r][col];
        }
        return Tensor.fromArray(data, rows.length);
    }
}
