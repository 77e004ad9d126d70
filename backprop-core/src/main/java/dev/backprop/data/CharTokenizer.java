package dev.backprop.data;

import java.util.Arrays;
import java.util.Locale;

/**
 * Characters to token indices and back, for character-level language models: the vocabulary is
 * the sorted set of distinct characters of a text (its UTF-16 code units), as in the classic
 * char-level GPT recipe.
 */
public final class CharTokenizer {
    private final char[] vocabulary;

    /** The vocabulary of {@code text}. */
    public CharTokenizer(String text) {
        this(text.chars().distinct().sorted().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString().toCharArray());
    }

    private CharTokenizer(char[] sortedDistinct) {
        if (sortedDistinct.length == 0) {
            throw new IllegalArgumentException("CharTokenizer: the text is empty, so there is no vocabulary");
        }
        this.vocabulary = sortedDistinct;
    }

    /** Rebuilds a tokenizer from {@link #vocabulary()} (as stored with a model). */
    public static CharTokenizer of(String vocabulary) {
        char[] v = vocabulary.toCharArray();
        char[] sorted = v.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException("CharTokenizer: the vocabulary repeats " + describe(sorted[i]));
            }
        }
        if (!Arrays.equals(v, sorted)) {
            throw new IllegalArgumentException("CharTokenizer: a stored vocabulary must be sorted");
        }
        return new CharTokenizer(v);
    }

    public int size() {
        return vocabulary.length;
    }

    /** The characters, sorted: token i is character i. */
    public String vocabulary() {
        return new String(vocabulary);
    }

    public int[] encode(String text) {
        int[] out = new int[text.length()];
        for (int i = 0; i < out.length; i++) {
            int token = Arrays.binarySearch(vocabulary, text.charAt(i));
            if (token < 0) {
                throw new IllegalArgumentException("the " + describe(text.charAt(i)) + " at position " + i
                        + " is not in the vocabulary of " + vocabulary.length + " characters (" + preview() + ")");
            }
            out[i] = token;
        }
        return out;
    }

    public String decode(int[] tokens) {
        StringBuilder sb = new StringBuilder(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabulary.length) {
                throw new IllegalArgumentException("token " + tokens[i] + " at position " + i + " is outside the vocabulary of "
                        + vocabulary.length);
            }
            sb.append(vocabulary[tokens[i]]);
        }
        return sb.toString();
    }

    private String preview() {
        String v = new String(vocabulary).replace("\n", "\\n");
        return v.length() > 40 ? v.substring(0, 40) + "..." : v;
    }

    private static String describe(char c) {
        return String.format(Locale.ROOT, "character '%s' (U+%04X)", c == '\n' ? "\\n" : String.valueOf(c), (int) c);
    }
}
