package dev.backprop.text;

import java.util.Arrays;
import java.util.List;

/**
 * A text as a BERT-family model reads it: token ids with the special tokens of the template
 * ({@code [CLS] A [SEP]} or {@code [CLS] A [SEP] B [SEP]}), the segment (token type) of each, and
 * the tokens themselves.
 */
public record Encoding(int[] ids, int[] typeIds, List<String> tokens) {
    public Encoding {
        if (ids.length != typeIds.length || ids.length != tokens.size()) {
            throw new IllegalArgumentException("Encoding: " + ids.length + " ids, " + typeIds.length + " type ids and "
                    + tokens.size() + " tokens");
        }
        ids = ids.clone();
        typeIds = typeIds.clone();
        tokens = List.copyOf(tokens);
    }

    /** The number of tokens. */
    public int length() {
        return ids.length;
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    @Override
    public int[] typeIds() {
        return typeIds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(ids, e.ids) && Arrays.equals(typeIds, e.typeIds)
                && tokens.equals(e.tokens);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids) * 31 + Arrays.hashCode(typeIds);
    }

    @Override
    public String toString() {
        return "Encoding" + tokens;
    }
}
