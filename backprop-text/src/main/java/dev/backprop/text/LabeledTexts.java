package dev.backprop.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.backprop.text.mail.MailText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Users' own labelled texts: a CSV file with {@code text} and {@code label} columns (a header row
 * names them, in any order and case; quoted fields may hold commas and line breaks), a JSONL file
 * of objects with {@code text} and {@code label}, or a folder with one sub-folder per class holding
 * one text per file (a raw e-mail is decoded as {@link MailText} does). Text must be UTF-8; an empty
 * text, a missing column or label, or bytes that are not UTF-8 are refused naming the file and the
 * row, line or file. A file longer than {@link #MAX_TEXT_BYTES} is cut there.
 */
public final class LabeledTexts {
    /** Bytes of one text that are read: 4 MB. */
    public static final int MAX_TEXT_BYTES = 4 << 20;

    private LabeledTexts() {
    }

    /** A text, its label, and where it came from (file and row, line or file name). */
    public record LabeledText(String text, String label, String source) {
    }

    /** Training, validation and test texts, and the class names in label order (sorted). */
    public record Split(List<LabeledText> train, List<LabeledText> validation, List<LabeledText> test,
                        List<String> classes) {
    }

    /** Reads a CSV or JSONL file, or a folder of one sub-folder per class. */
    public static List<LabeledText> read(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return folders(path);
        }
        if (!Files.isRegularFile(path)) {
            throw new java.io.FileNotFoundException(path + " does not exist (a CSV or JSONL file, or a folder with one"
                    + " sub-folder per class, was expected)");
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return csv(path);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return jsonl(path);
        }
        throw new IOException(path + ": not a .csv or .jsonl file; labelled texts come as a CSV file with text and label"
                + " columns, a JSONL file of {\"text\": ..., \"label\": ...} objects, or a folder per class");
    }

    private static List<LabeledText> csv(Path file) throws IOException {
        String content = utf8(Files.readAllBytes(file), file.toString());
        CsvMapper mapper = new CsvMapper();
        mapper.enable(CsvParser.Feature.WRAP_AS_ARRAY);
        List<LabeledText> out = new ArrayList<>();
        try (MappingIterator<List<String>> rows = mapper.readerForListOf(String.class).readValues(content)) {
            if (!rows.hasNext()) {
                throw new IOException(file + ": empty; a header row with text and label columns was expected");
            }
            List<String> header = rows.next().stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).toList();
            int text = header.indexOf("text");
            int label = header.indexOf("label");
            if (text < 0 || label < 0) {
                throw new IOException(file + ": the header row " + header + " has no " + (text < 0 ? "'text'" : "'label'")
                        + " column; name the columns text and label");
            }
            int row = 1;
            while (rows.hasNext()) {
                List<String> r = rows.next();
                row++;
                if (r.size() == 1 && r.get(0).isBlank()) {
                    continue;
                }
                String where = file + " row " + row;
                if (r.size() <= Math.max(text, label)) {
                    throw new IOException(where + ": " + r.size() + " fields, the header has " + header.size());
                }
                out.add(entry(r.get(text), r.get(label), where));
            }
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + ": not valid CSV: " + e.getOriginalMessage(), e);
        }
        return out;
    }

    private static List<LabeledText> jsonl(Path file) throws IOException {
        String content = utf8(Files.readAllBytes(file), file.toString());
        ObjectMapper json = new ObjectMapper();
        List<LabeledText> out = new ArrayList<>();
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            JsonNode node;
            try {
                node = json.readTree(lines[i]);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new IOException(where + ": not a JSON object: " + e.getOriginalMessage(), e);
            }
            if (node == null || !node.isObject() || !node.has("text") || !node.has("label")) {
                throw new IOException(where + ": expected an object with \"text\" and \"label\"");
            }
            out.add(entry(node.get("text").asText(""), node.get("label").asText(""), where));
        }
        return out;
    }

    private static List<LabeledText> folders(Path root) throws IOException {
        List<LabeledText> out = new ArrayList<>();
        List<Path> classes;
        try (Stream<Path> s = Files.list(root)) {
            classes = s.filter(Files::isDirectory).sorted().toList();
        }
        if (classes.isEmpty()) {
            throw new IOException(root + ": no sub-folders; a folder of labelled texts holds one sub-folder per class");
        }
        for (Path c : classes) {
            List<Path> files;
            try (Stream<Path> s = Files.list(c)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                byte[] raw;
                try (InputStream in = Files.newInputStream(f)) {
                    raw = in.readNBytes(MAX_TEXT_BYTES);
                }
                String text = MailText.looksLikeMail(raw) ? MailText.of(raw) : utf8(raw, f.toString());
                out.add(entry(text, c.getFileName().toString(), f.toString()));
            }
        }
        return out;
    }

    private static LabeledText entry(String text, String label, String where) throws IOException {
        if (text == null || text.isBlank()) {
            throw new IOException(where + ": the text is empty");
        }
        if (label == null || label.isBlank()) {
            throw new IOException(where + ": the label is empty");
        }
        return new LabeledText(text, label.strip(), where);
    }

    /** The bytes as UTF-8 (a leading byte-order mark dropped), or an error naming the file. */
    static String utf8(byte[] raw, String where) throws IOException {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
            return s.startsWith("\uFEFF") ? s.substring(1) : s;
        } catch (CharacterCodingException e) {
            throw new IOException(where + ": not UTF-8 text; convert it first (e.g. iconv -f latin1 -t utf-8)", e);
        }
    }

    /**
     * Within each class, the texts shuffled with {@code seed} and cut 80/10/10; every class needs at
     * least three texts, so that it is seen in training and can be tested.
     */
    public static Split split(List<LabeledText> texts, long seed) {
        Map<String, List<LabeledText>> byClass = new LinkedHashMap<>();
        for (LabeledText t : texts) {
            byClass.computeIfAbsent(t.label(), k -> new ArrayList<>()).add(t);
        }
        if (byClass.size() < 2) {
            throw new IllegalArgumentException("labelled texts: " + byClass.size() + " class(es) " + byClass.keySet()
                    + "; a classifier needs at least two");
        }
        List<String> classes = new ArrayList<>(new TreeSet<>(byClass.keySet()));
        List<LabeledText> train = new ArrayList<>();
        List<LabeledText> validation = new ArrayList<>();
        List<LabeledText> test = new ArrayList<>();
        for (String c : classes) {
            List<LabeledText> ofClass = new ArrayList<>(byClass.get(c));
            if (ofClass.size() < 3) {
                throw new IllegalArgumentException("labelled texts: class '" + c + "' has " + ofClass.size() + " text(s),"
                        + " e.g. " + ofClass.get(0).source() + "; each class needs at least 3 (training, validation, test)");
            }
            Collections.shuffle(ofClass, new Random(seed * 31 + classes.indexOf(c)));
            int a = Math.max(1, (int) Math.round(ofClass.size() * 0.8));
            int b = Math.max(a + 1, a + (int) Math.round(ofClass.size() * 0.1));
            b = Math.min(b, ofClass.size() - 1);
            train.addAll(ofClass.subList(0, a));
            validation.addAll(ofClass.subList(a, b));
            test.addAll(ofClass.subList(b, ofClass.size()));
        }
        return new Split(train, validation, test, classes);
    }
}
