package dev.backprop.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads numeric CSV (plain or gzipped) into rows of floats. Every value is checked: a missing or
 * non-numeric field, or a row of the wrong width, fails with {@code file:line} and the column.
 *
 * <pre>{@code
 * CsvReader.Table t = CsvReader.read(Path.of("data.csv"), CsvReader.Format.DEFAULT);
 * Dataset d = t.toClassification("data", CsvReader.Column.named("label"));
 * }</pre>
 */
public final class CsvReader {

    /**
     * How the file is laid out: the field separator ({@code ','}, or {@code ' '} for any run of
     * whitespace), how many leading lines to skip, and whether the next line names the columns.
     */
    public record Format(char separator, int skipLines, boolean header) {
        /** Comma-separated with a header line. */
        public static final Format DEFAULT = new Format(',', 0, true);

        public Format {
            if (skipLines < 0) {
                throw new IllegalArgumentException("CSV format: skipLines must be >= 0, got " + skipLines);
            }
        }

        public Format withSeparator(char v) { return new Format(v, skipLines, header); }
        public Format withSkipLines(int v) { return new Format(separator, v, header); }
        public Format withHeader(boolean v) { return new Format(separator, skipLines, v); }
    }

    /** A column chosen by header name or by index (negative counts from the end). */
    public sealed interface Column {
        static Column named(String name) { return new Named(name); }
        static Column at(int index) { return new At(index); }
        /** The last column, where most labelled CSV files keep the label. */
        static Column last() { return new At(-1); }

        record Named(String name) implements Column { }
        record At(int index) implements Column { }
    }

    /** The parsed values with the column names (empty names without a header) and where they came from. */
    public record Table(String source, List<String> columns, float[][] rows) {
        public int width() {
            return rows.length == 0 ? columns.size() : rows[0].length;
        }

        /** Index of {@code column} in this table, or an error naming the table's columns. */
        public int indexOf(Column column) {
            int w = width();
            return switch (column) {
                case Column.Named n -> {
                    int i = columns.indexOf(n.name());
                    if (i < 0) {
                        throw new IllegalArgumentException(source + ": no column named '" + n.name() + "'; columns are "
                                + (columns.isEmpty() ? "unnamed (the file has no header)" : columns));
                    }
                    yield i;
                }
                case Column.At a -> {
                    int i = a.index() < 0 ? a.index() + w : a.index();
                    if (i < 0 || i >= w) {
                        throw new IllegalArgumentException(source + ": column " + a.index() + " is out of range for "
                                + w + " columns");
                    }
                    yield i;
                }
            };
        }
    }

    private CsvReader() {
    }

    public static Table read(Path file, Format format) throws IOException {
        try (InputStream in = Sources.open(file)) {
            return read(in, file.toString(), format);
        }
    }

    /** Reads from a stream; {@code source} names it in error messages. */
    public static Table read(InputStream in, String source, Format format) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        List<String> columns = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        int lineNo = 0;
        int width = -1;
        String line;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (lineNo <= format.skipLines() || line.isBlank()) {
                continue;
            }
            String[] fields = split(line, format.separator());
            if (format.header() && columns.isEmpty() && rows.isEmpty()) {
                for (String f : fields) {
                    columns.add(f.trim());
                }
                width = fields.length;
                continue;
            }
            if (width >= 0 && fields.length != width) {
                throw new DataFormatException(source + ":" + lineNo + ": " + fields.length + " fields, expected " + width
                        + (columns.isEmpty() ? " (as on the first data line)" : " (as in the header)"));
            }
            width = fields.length;
            rows.add(parse(fields, source, lineNo));
        }
        if (rows.isEmpty()) {
            throw new DataFormatException(source + ": no data rows");
        }
        return new Table(source, List.copyOf(columns), rows.toArray(float[][]::new));
    }

    /**
     * The rows a model is given to predict (a file of them, a served model's CSV body): each exactly
     * {@code features} numbers, flattened row-major. A first line with letters that does not read as
     * numbers is a header and skipped.
     *
     * @throws DataFormatException naming {@code source} when there are no rows or they have another width
     */
    public static float[] featureRows(byte[] csv, String source, int features) throws IOException {
        String first = new String(csv, 0, Math.min(csv.length, 4096), StandardCharsets.UTF_8).lines().findFirst().orElse("");
        boolean header = first.chars().anyMatch(Character::isLetter)
                && !first.toLowerCase(java.util.Locale.ROOT).matches("[-+0-9.e,\\s]*");
        Table t = read(new java.io.ByteArrayInputStream(csv), source, Format.DEFAULT.withHeader(header));
        if (t.width() != features) {
            throw new DataFormatException(source + ": rows have " + t.width() + " values, the model expects " + features
                    + " features per row");
        }
        float[] flat = new float[t.rows().length * features];
        for (int r = 0; r < t.rows().length; r++) {
            System.arraycopy(t.rows()[r], 0, flat, r * features, features);
        }
        return flat;
    }

    private static String[] split(String line, char separator) {
        return separator == ' ' ? line.trim().split("\\s+") : line.split(java.util.regex.Pattern.quote(String.valueOf(separator)), -1);
    }

    private static float[] parse(String[] fields, String source, int lineNo) {
        float[] values = new float[fields.length];
        for (int i = 0; i < fields.length; i++) {
            String f = fields[i].trim();
            if (f.isEmpty()) {
                throw new DataFormatException(source + ":" + lineNo + ": column " + (i + 1) + " is empty; expected a number");
            }
            try {
                values[i] = Float.parseFloat(f);
            } catch (NumberFormatException e) {
                throw new DataFormatException(source + ":" + lineNo + ": column " + (i + 1) + " is '" + f
                        + "', which is not a number");
            }
            if (!Float.isFinite(values[i])) {
                throw new DataFormatException(source + ":" + lineNo + ": column " + (i + 1) + " is '" + f
                        + "', which is not a finite number");
            }
        }
        return values;
    }
}
