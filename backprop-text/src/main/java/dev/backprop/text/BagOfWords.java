package dev.backprop.text;

import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Bag-of-words features of texts: a vocabulary of the {@code size} words found in the most
 * training documents (at least two), each text a row of TF-IDF weights over it
 * ({@code (1 + log tf) * idf}, {@code idf = log((1 + N) / (1 + df)) + 1}, the row scaled to unit
 * length). Words are lowercased runs of letters and digits, 2 to 40 characters. The vocabulary and
 * the weights come from the training texts alone, so validation and test texts are treated as
 * unseen text would be.
 *
 * <pre>{@code
 * BagOfWords bow = BagOfWords.fit(trainTexts, 5000);
 * Tensor x = bow.features(testTexts);   // [texts, 5000]
 * }</pre>
 */
public final class BagOfWords {
    private final List<String> words;
    private final Map<String, Integer> index;
    private final float[] idf;

    /** A vocabulary and its inverse document frequencies (as saved with a model and read back). */
    public BagOfWords(List<String> words, float[] idf) {
        if (words.size() != idf.length || words.isEmpty()) {
            throw new IllegalArgumentException("BagOfWords: " + words.size() + " words and " + idf.length
                    + " weights; a vocabulary needs at least one word and one weight per word");
        }
        this.words = List.copyOf(words);
        this.idf = idf.clone();
        this.index = new HashMap<>();
        for (int i = 0; i < words.size(); i++) {
            if (index.put(words.get(i), i) != null) {
                throw new IllegalArgumentException("BagOfWords: '" + words.get(i) + "' is in the vocabulary twice");
            }
        }
    }

    /** The vocabulary of the {@code size} words in the most of {@code texts} (ties by the word). */
    public static BagOfWords fit(List<String> texts, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("BagOfWords: a vocabulary of " + size + " words; give at least 1");
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("BagOfWords: no training texts to take a vocabulary from");
        }
        Map<String, Integer> df = new HashMap<>();
        for (String t : texts) {
            new HashSet<>(words(t)).forEach(w -> df.merge(w, 1, Integer::sum));
        }
        List<Map.Entry<String, Integer>> ranked = new ArrayList<>(df.entrySet());
        ranked.removeIf(e -> e.getValue() < 2);
        ranked.sort(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue).reversed()
                .thenComparing(Map.Entry::getKey));
        List<Map.Entry<String, Integer>> kept = ranked.subList(0, Math.min(size, ranked.size()));
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("BagOfWords: no word occurs in two or more of the " + texts.size()
                    + " training texts");
        }
        List<String> vocabulary = new ArrayList<>();
        float[] idf = new float[kept.size()];
        for (int i = 0; i < kept.size(); i++) {
            vocabulary.add(kept.get(i).getKey());
            idf[i] = (float) (Math.log((1.0 + texts.size()) / (1.0 + kept.get(i).getValue())) + 1);
        }
        return new BagOfWords(vocabulary, idf);
    }

    /** The words of a text: lowercased runs of letters and digits of 2 to 40 characters. */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        String lower = text.toLowerCase(Locale.ROOT);
        for (int i = 0; i <= lower.length(); ) {
            int c = i < lower.length() ? lower.codePointAt(i) : ' ';
            if (Character.isLetterOrDigit(c)) {
                w.appendCodePoint(c);
            } else {
                if (w.length() >= 2 && w.length() <= 40) {
                    out.add(w.toString());
                }
                w.setLength(0);
            }
            i += i < lower.length() ? Character.charCount(c) : 1;
        }
        return out;
    }

    public List<String> vocabulary() {
        return words;
    }

    public float[] idf() {
        return idf.clone();
    }

    public int size() {
        return words.size();
    }

    /** One row of unit-length TF-IDF weights per text, {@code [texts, size]}. */
    public Tensor features(List<String> texts) {
        float[] out = new float[texts.size() * words.size()];
        for (int t = 0; t < texts.size(); t++) {
            Map<Integer, Integer> tf = new HashMap<>();
            for (String w : words(texts.get(t))) {
                Integer i = index.get(w);
                if (i != null) {
                    tf.merge(i, 1, Integer::sum);
                }
            }
            double norm = 0;
            int row = t * words.size();
            for (var e : tf.entrySet()) {
                float v = (float) ((1 + Math.log(e.getValue())) * idf[e.getKey()]);
                out[row + e.getKey()] = v;
                norm += (double) v * v;
            }
            if (norm > 0) {
                float scale = (float) (1 / Math.sqrt(norm));
                for (int i : tf.keySet()) {
                    out[row + i] *= scale;
                }
            }
        }
        return Tensor.fromArray(out, texts.size(), words.size());
    }

    /** The metadata key that marks bag-of-words features in a model file. */
    public static final String FEATURES_KEY = "text.features";
    private static final String VOCABULARY_KEY = "text.vocabulary";
    private static final String IDF_KEY = "text.idf";

    /** This vocabulary as model-file metadata ({@code ModelFile.Info.extra}). */
    public Map<String, String> metadata() {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            return Map.of(FEATURES_KEY, "bag-of-words tf-idf", VOCABULARY_KEY, json.writeValueAsString(words),
                    IDF_KEY, json.writeValueAsString(idf));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("BagOfWords: could not write the vocabulary as JSON", e);
        }
    }

    /** The vocabulary a model file's metadata holds, or null when it holds none. */
    public static BagOfWords fromMetadata(Map<String, String> extra) {
        if (!extra.containsKey(FEATURES_KEY)) {
            return null;
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            List<String> vocabulary = List.of(json.readValue(extra.get(VOCABULARY_KEY), String[].class));
            float[] idf = json.readValue(extra.get(IDF_KEY), float[].class);
            return new BagOfWords(vocabulary, idf);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("the model file's bag-of-words vocabulary is unreadable: " + e.getMessage(),
                    e);
        }
    }

    /** Whether any word of the vocabulary is in {@code text}. */
    public boolean knowsAnyWordOf(String text) {
        Set<String> w = new HashSet<>(words(text));
        return w.stream().anyMatch(index::containsKey);
    }
}
