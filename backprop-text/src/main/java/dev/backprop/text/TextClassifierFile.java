package dev.backprop.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.data.DatasetLocator;
import dev.backprop.io.CorruptFileException;
import dev.backprop.io.Safetensors;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fine-tuned {@link EncoderClassifier} on disk: one safetensors file with every weight (the
 * encoder's under their ONNX names, the head's) and, as metadata, the format, the pretrained model it
 * started from (the graph and tokenizer come from there when loading, checked as
 * {@link MiniLm} checks them), the class names, and the encoder's token limit and long-text rule.
 *
 * <pre>{@code
 * TextClassifierFile.save(Path.of("spam-minilm.safetensors"), model, List.of("ham", "spam"));
 * TextClassifierFile.Loaded m = TextClassifierFile.load(Path.of("spam-minilm.safetensors"), DatasetLocator.standard(null));
 * }</pre>
 */
public final class TextClassifierFile {
    /** The {@code format} of the file's metadata. */
    public static final String FORMAT = "backprop-text-classifier";
    private static final String VERSION = "1";

    private TextClassifierFile() {
    }

    /** A loaded classifier and its class names. */
    public record Loaded(EncoderClassifier model, List<String> classes) {
        /** The token limit it was trained with (its encoder's). */
        public int maxTokens() {
            return model.encoder().maxTokens();
        }
    }

    /** Saves {@code model}'s weights with its class names and its encoder's token limit and long-text rule. */
    public static void save(Path file, EncoderClassifier model, List<String> classes) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", VERSION);
        meta.put("base", MiniLm.COORDINATES);
        meta.put("classes", new ObjectMapper().writeValueAsString(classes));
        meta.put("max_tokens", Integer.toString(model.encoder().maxTokens()));
        meta.put("long_text", model.encoder().longText().name());
        Safetensors.write(file, model.stateDict(), meta);
    }

    /** Whether {@code metadata} (of a safetensors file) is this format's. */
    public static boolean isOne(Map<String, String> metadata) {
        return FORMAT.equals(metadata.get("format"));
    }

    /** Reads a saved classifier, rebuilding its pretrained encoder from where {@code locator} finds it. */
    public static Loaded load(Path file, DatasetLocator locator) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        return load(c, file.toString(), locator);
    }

    /** {@link #load} of contents already read. */
    public static Loaded load(Safetensors.Contents c, String name, DatasetLocator locator) throws IOException {
        Map<String, String> meta = c.metadata();
        if (!isOne(meta)) {
            throw new CorruptFileException(name + ": not a Backprop text classifier (format is '" + meta.get("format")
                    + "', expected " + FORMAT + ")");
        }
        if (!VERSION.equals(meta.get("format_version")) || !MiniLm.COORDINATES.equals(meta.get("base"))) {
            throw new CorruptFileException(name + ": a text classifier of version " + meta.get("format_version")
                    + " on " + meta.get("base") + "; this Backprop reads version " + VERSION + " on " + MiniLm.COORDINATES);
        }
        List<String> classes;
        int maxTokens;
        SentenceEncoder.LongText longText;
        try {
            classes = List.of(new ObjectMapper().readValue(meta.get("classes"), String[].class));
            maxTokens = Integer.parseInt(meta.get("max_tokens"));
            // Files from before the choice existed kept the first tokens.
            longText = SentenceEncoder.LongText.valueOf(meta.getOrDefault("long_text", "TRUNCATE"));
        } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
            throw new CorruptFileException(name + ": unreadable classes, token limit or long-text rule in the metadata: "
                    + e.getMessage(), e);
        }
        Tensor headWeight = c.tensors().get("head.weight");
        if (headWeight == null || headWeight.rank() != 2 || headWeight.size(0) != classes.size()) {
            throw new CorruptFileException(name + ": the head's weight does not fit " + classes.size() + " classes");
        }
        SentenceEncoder encoder = MiniLm.load(locator).with(maxTokens, longText);
        EncoderClassifier model = new EncoderClassifier(encoder, classes.size(), new Generator(0));
        try {
            model.loadStateDict(c.tensors());
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(name + ": its weights do not fit " + MiniLm.COORDINATES + ": " + e.getMessage(),
                    e);
        }
        return new Loaded(model, classes);
    }
}
