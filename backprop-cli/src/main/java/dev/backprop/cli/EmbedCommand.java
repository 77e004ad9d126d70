package dev.backprop.cli;

import dev.backprop.io.Json;
import dev.backprop.io.Safetensors;
import dev.backprop.tensor.Tensor;
import dev.backprop.text.SentenceEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code backprop embed TEXT...}: sentence embeddings of texts, printed, as JSON, or saved. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Sentence embeddings (mean-pooled, unit length, as sentence-transformers computes them) from a"
                + " BERT-family encoder imported from ONNX: all-MiniLM-L6-v2 by default (384 numbers per text).",
        footer = {"", "Examples:", "  ./backprop embed \"I love sentence transformers.\"",
                "  ./backprop embed --json \"first text\" \"second text\"",
                "  ./backprop embed --input lines.txt --out vectors.safetensors",
                "  ./backprop embed --onnx model.onnx --tokenizer tokenizer.json \"some text\""})
final class EmbedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EncoderOptions encoder;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "the texts to embed")
    List<String> texts = new ArrayList<>();

    @Option(names = "--input", paramLabel = "FILE", description = "a file of texts, one per line (empty lines skipped)")
    Path input;

    @Option(names = "--json", description = "print {\"embeddings\": [[...], ...]}")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE", description = "write the embeddings as a safetensors file (tensor"
            + " 'embeddings', [texts, dimension])")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<String> all = new ArrayList<>(texts);
        if (input != null) {
            InputLines.read(input, "--input").forEach(l -> all.add(l.text()));
        }
        if (all.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "no text to embed: give texts as arguments or --input FILE");
        }
        SentenceEncoder model = encoder.load(spec);
        long start = System.nanoTime();
        float[][] vectors = model.embed(all);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (out != null) {
            int d = vectors[0].length;
            float[] flat = new float[all.size() * d];
            for (int i = 0; i < vectors.length; i++) {
                System.arraycopy(vectors[i], 0, flat, i * d, d);
            }
            Safetensors.write(out, Map.of("embeddings", Tensor.fromArray(flat, all.size(), d)),
                    Map.of("format", "backprop-embeddings", "texts", Integer.toString(all.size())));
            System.err.printf(Locale.ROOT, "wrote %s: %d embeddings of %d numbers (%.2f s)%n", out, all.size(), d, seconds);
        }
        if (json) {
            List<List<Double>> rows = new ArrayList<>();
            for (float[] v : vectors) {
                List<Double> row = new ArrayList<>(v.length);
                for (float x : v) {
                    row.add((double) x);
                }
                rows.add(row);
            }
            System.out.println(Json.write(Map.of("embeddings", rows)));
        } else if (out == null) {
            for (int i = 0; i < all.size(); i++) {
                float[] v = vectors[i];
                StringBuilder line = new StringBuilder();
                for (int j = 0; j < Math.min(6, v.length); j++) {
                    line.append(String.format(Locale.ROOT, "%s%.4f", j == 0 ? "" : ", ", v[j]));
                }
                System.out.printf(Locale.ROOT, "%s%n  [%s, ... %d numbers]%n", abbreviate(all.get(i)), line, v.length);
            }
        }
        return 0;
    }

    static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 100 ? oneLine : oneLine.substring(0, 97) + "...";
    }
}
