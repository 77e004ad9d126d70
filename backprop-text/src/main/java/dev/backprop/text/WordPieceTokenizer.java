package dev.backprop.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The tokenizer of BERT-family models, read from a HuggingFace {@code tokenizer.json} with a
 * {@code WordPiece} model, and equal to HuggingFace's own: special tokens written in the text
 * ({@code [MASK]}) kept whole; the BERT normaliser (control characters removed, whitespace made
 * plain, CJK ideographs set apart, accents stripped, lowercase, as the file says); the BERT
 * pre-tokeniser (split at whitespace and around each punctuation character); WordPiece's greedy
 * longest match with {@code ##} continuations, and {@code [UNK]} for a word with no match or of more
 * than 100 characters; and the {@code [CLS] A [SEP]} and {@code [CLS] A [SEP] B [SEP]} templates.
 *
 * <pre>{@code
 * WordPieceTokenizer t = WordPieceTokenizer.read(Path.of("tokenizer.json"));
 * t.encode("I love sentence transformers.", 256).ids();   // [101, 1045, 2293, 6251, 19081, 1012, 102]
 * }</pre>
 */
public final class WordPieceTokenizer {
    private final Map<String, Integer> vocab;
    private final String[] byId;
    private final List<String> specials;
    private final Map<String, Integer> specialIds;
    private final boolean cleanText;
    private final boolean chineseChars;
    private final boolean stripAccents;
    private final boolean lowercase;
    private final String prefix;
    private final int maxWordChars;
    private final int unk;
    private final int cls;
    private final int sep;
    private final int pad;
    private final int fileMaxLength;

    private WordPieceTokenizer(JsonNode root, String name) {
        JsonNode model = root.path("model");
        if (!model.path("type").asText().equals("WordPiece") || !model.path("vocab").isObject()) {
            throw new IllegalArgumentException(name + ": not a WordPiece tokenizer (model.type is '"
                    + model.path("type").asText() + "'); BERT-family tokenizer.json files have one");
        }
        vocab = new HashMap<>();
        int size = 0;
        for (var it = model.get("vocab").fields(); it.hasNext(); ) {
            var e = it.next();
            int id = e.getValue().asInt(-1);
            if (id < 0) {
                throw new IllegalArgumentException(name + ": vocabulary entry '" + e.getKey() + "' has no valid id");
            }
            vocab.put(e.getKey(), id);
            size = Math.max(size, id + 1);
        }
        byId = new String[size];
        vocab.forEach((token, id) -> byId[id] = token);
        prefix = model.path("continuing_subword_prefix").asText("##");
        maxWordChars = model.path("max_input_chars_per_word").asInt(100);
        unk = idOf(model.path("unk_token").asText("[UNK]"), name);
        JsonNode norm = root.path("normalizer");
        if (!norm.isMissingNode() && !norm.isNull() && !norm.path("type").asText().equals("BertNormalizer")) {
            throw new IllegalArgumentException(name + ": normalizer '" + norm.path("type").asText()
                    + "' is not supported (BertNormalizer is)");
        }
        cleanText = norm.path("clean_text").asBoolean(true);
        chineseChars = norm.path("handle_chinese_chars").asBoolean(true);
        lowercase = norm.path("lowercase").asBoolean(true);
        stripAccents = norm.path("strip_accents").isBoolean() ? norm.get("strip_accents").asBoolean() : lowercase;
        specials = new ArrayList<>();
        specialIds = new HashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText();
            if (!content.isEmpty()) {
                specials.add(content);
                specialIds.put(content, t.path("id").asInt());
            }
        }
        specials.sort((a, b) -> b.length() - a.length());   // the longest special token wins where two start together
        cls = idOf("[CLS]", name);
        sep = idOf("[SEP]", name);
        pad = root.path("padding").path("pad_id").asInt(vocab.getOrDefault("[PAD]", 0));
        fileMaxLength = root.path("truncation").path("max_length").asInt(512);
    }

    private int idOf(String token, String name) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException(name + ": the vocabulary has no '" + token + "'");
        }
        return id;
    }

    /** Reads a {@code tokenizer.json}. */
    public static WordPieceTokenizer read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads a {@code tokenizer.json} from a stream, named {@code name} in messages. */
    public static WordPieceTokenizer read(InputStream in, String name) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(in);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(name + ": not a valid tokenizer.json: " + e.getOriginalMessage(), e);
        }
        try {
            return new WordPieceTokenizer(root, name);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The number of token ids. */
    public int vocabularySize() {
        return byId.length;
    }

    /** The id that pads a batch. */
    public int padId() {
        return pad;
    }

    /** The maximum length the file's truncation setting names (128 for all-MiniLM-L6-v2). */
    public int fileMaxLength() {
        return fileMaxLength;
    }

    /** The token of {@code id}. */
    public String token(int id) {
        return id >= 0 && id < byId.length && byId[id] != null ? byId[id] : "[UNK]";
    }

    /** {@code [CLS] text [SEP]}, the text's tokens cut to {@code maxLength - 2}. */
    public Encoding encode(String text, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("WordPieceTokenizer: maxLength " + maxLength + " leaves no room for"
                    + " [CLS] and [SEP]");
        }
        List<Integer> a = tokenIds(text);
        List<Integer> cut = a.subList(0, Math.min(a.size(), maxLength - 2));
        return template(cut, null);
    }

    /**
     * {@code [CLS] a [SEP] b [SEP]} with segment 0 then 1, cut as HuggingFace's "longest first"
     * cuts a pair: when the two do not fit, the shorter keeps its length if the longer can take the
     * rest (and at least as much), else each gets half of the room, the longer one any odd token.
     */
    public Encoding encodePair(String a, String b, int maxLength) {
        if (maxLength < 3) {
            throw new IllegalArgumentException("WordPieceTokenizer: maxLength " + maxLength + " leaves no room for"
                    + " [CLS] and two [SEP]");
        }
        List<Integer> x = tokenIds(a);
        List<Integer> y = tokenIds(b);
        int room = maxLength - 3;
        if (x.size() + y.size() > room) {
            boolean swap = x.size() > y.size();
            int shorter = Math.min(x.size(), y.size());
            int longer = Math.max(x.size(), y.size());
            longer = shorter > room ? shorter : Math.max(shorter, room - shorter);
            if (shorter + longer > room) {
                shorter = room / 2;
                longer = shorter + room % 2;
            }
            x = x.subList(0, Math.min(x.size(), swap ? longer : shorter));
            y = y.subList(0, Math.min(y.size(), swap ? shorter : longer));
        }
        return template(x, y);
    }

    private Encoding template(List<Integer> a, List<Integer> b) {
        int n = a.size() + 2 + (b == null ? 0 : b.size() + 1);
        int[] ids = new int[n];
        int[] types = new int[n];
        List<String> tokens = new ArrayList<>(n);
        int k = 0;
        ids[k++] = cls;
        for (int id : a) {
            ids[k++] = id;
        }
        ids[k++] = sep;
        if (b != null) {
            for (int id : b) {
                types[k] = 1;
                ids[k++] = id;
            }
            types[k] = 1;
            ids[k++] = sep;
        }
        for (int id : ids) {
            tokens.add(token(id));
        }
        return new Encoding(ids, types, tokens);
    }

    /** The text's tokens, without special tokens added. */
    public List<String> tokenize(String text) {
        return tokenIds(text).stream().map(this::token).toList();
    }

    private List<Integer> tokenIds(String text) {
        List<Integer> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            String special = specialAt(text, i);
            if (special == null) {
                i++;
                continue;
            }
            words(text.substring(start, i), out);
            out.add(specialIds.get(special));
            i += special.length();
            start = i;
        }
        words(text.substring(start), out);
        return out;
    }

    private String specialAt(String text, int at) {
        for (String s : specials) {
            if (text.startsWith(s, at)) {
                return s;
            }
        }
        return null;
    }

    /** Normalises, pre-tokenises and WordPiece-splits a piece of text free of special tokens. */
    private void words(String piece, List<Integer> out) {
        String normalized = normalize(piece);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < normalized.length(); ) {
            int c = normalized.codePointAt(i);
            i += Character.charCount(c);
            if (isWhitespace(c)) {
                flush(word, out);
            } else if (isPunctuation(c)) {
                flush(word, out);
                word.appendCodePoint(c);
                flush(word, out);
            } else {
                word.appendCodePoint(c);
            }
        }
        flush(word, out);
    }

    private void flush(StringBuilder word, List<Integer> out) {
        if (word.isEmpty()) {
            return;
        }
        wordPiece(word.toString(), out);
        word.setLength(0);
    }

    /** Greedy longest match from the start, continuations with the prefix; no match anywhere: [UNK]. */
    private void wordPiece(String word, List<Integer> out) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > maxWordChars) {
            out.add(unk);
            return;
        }
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            int end = cps.length;
            Integer found = null;
            while (start < end) {
                String sub = new String(cps, start, end - start);
                if (start > 0) {
                    sub = prefix + sub;
                }
                found = vocab.get(sub);
                if (found != null) {
                    break;
                }
                end--;
            }
            if (found == null) {
                out.add(unk);
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }

    /** The BERT normaliser: clean, space out CJK, strip accents, lowercase (each as configured). */
    String normalize(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (cleanText) {
                if (c == 0 || c == 0xFFFD || isControl(c)) {
                    continue;
                }
                if (isWhitespace(c)) {
                    b.append(' ');
                    continue;
                }
            }
            if (chineseChars && isChinese(c)) {
                b.append(' ').appendCodePoint(c).append(' ');
            } else {
                b.appendCodePoint(c);
            }
        }
        String s = b.toString();
        if (stripAccents) {
            String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
            StringBuilder kept = new StringBuilder(nfd.length());
            nfd.codePoints().filter(c -> !isStrippedMark(c)).forEach(kept::appendCodePoint);
            s = kept.toString();
        }
        if (lowercase) {
            StringBuilder lower = new StringBuilder(s.length());
            // Character by character, as HuggingFace lowercases (no context: a final sigma stays sigma).
            s.codePoints().forEach(c -> lower.append(c == 0x03A3 ? "\u03C3"
                    : new String(Character.toChars(c)).toLowerCase(Locale.ROOT)));
            s = lower.toString();
        }
        return s;
    }

    /** A combining mark that stripping accents removes (as HuggingFace's Unicode data says). */
    static boolean isStrippedMark(int c) {
        int o = HuggingFaceUnicode.override(c);
        return o == HuggingFaceUnicode.REMOVED || o < 0 && Character.getType(c) == Character.NON_SPACING_MARK;
    }

    /** Unicode's White_Space property (as Rust's {@code char::is_whitespace}). */
    static boolean isWhitespace(int c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /**
     * Control, format, private-use and surrogate characters, except tab, newline and return (as
     * HuggingFace's BERT normaliser; unassigned code points are kept, and become [UNK]).
     */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r' || HuggingFaceUnicode.override(c) == HuggingFaceUnicode.ORDINARY) {
            return false;
        }
        int t = Character.getType(c);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    /** ASCII punctuation and symbols ({@code !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~}) and Unicode punctuation. */
    static boolean isPunctuation(int c) {
        int o = HuggingFaceUnicode.override(c);
        if (o >= 0) {
            return o == HuggingFaceUnicode.PUNCTUATION;
        }
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
            return true;
        }
        int t = Character.getType(c);
        return t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION || t == Character.START_PUNCTUATION
                || t == Character.END_PUNCTUATION || t == Character.INITIAL_QUOTE_PUNCTUATION
                || t == Character.FINAL_QUOTE_PUNCTUATION || t == Character.OTHER_PUNCTUATION;
    }

    /** The CJK Unified Ideographs blocks BERT sets apart (HuggingFace's ranges). */
    static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
