package dev.backprop.io;

import dev.backprop.data.CharTokenizer;
import dev.backprop.data.Preprocessing;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.GPT;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained model in one file: a safetensors file whose tensors are the state dict and whose
 * metadata holds the format name and version, the architecture as JSON, and what a caller needs
 * to use the model (class names, input preprocessing). Loading rebuilds the architecture and
 * loads the weights, or fails without returning anything half-built.
 *
 * <pre>{@code
 * ModelFile.save(Path.of("digits.safetensors"), new ModelFile.Model(spec, model, info));
 * ModelFile.Model m = ModelFile.load(Path.of("digits.safetensors"));
 * }</pre>
 */
public final class ModelFile {
    /** Metadata key and value that mark a file as a Backprop model. */
    public static final String FORMAT_KEY = "format";
    public static final String FORMAT = "backprop-model";
    /** Version of the metadata layout; bumped when it changes incompatibly. */
    public static final int VERSION = 1;

    /**
     * What a caller needs besides the weights: the dataset, class names (empty for regression;
     * for a language model, its vocabulary, one character per class), preprocessing, and what another
     * module stores to turn raw input into the model's features ({@code extra}: metadata entries whose
     * keys start with {@code text.}, such as a bag-of-words vocabulary), kept as written.
     */
    public record Info(String dataset, List<String> classNames, Preprocessing preprocessing, Map<String, String> extra) {
        public Info {
            classNames = List.copyOf(classNames);
            extra = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(extra));
            for (String key : extra.keySet()) {
                if (!key.startsWith(EXTRA_PREFIX)) {
                    throw new IllegalArgumentException("ModelFile.Info: extra metadata key '" + key + "' must start with '"
                            + EXTRA_PREFIX + "' (the other keys belong to the model file itself)");
                }
            }
        }

        /** Without extra metadata. */
        public Info(String dataset, List<String> classNames, Preprocessing preprocessing) {
            this(dataset, classNames, preprocessing, Map.of());
        }
    }

    /** The prefix of the metadata keys that {@link Info#extra()} carries. */
    public static final String EXTRA_PREFIX = "text.";

    /** A loaded or to-be-saved model. */
    public record Model(ModelSpec spec, Module module, Info info) {

        /** The module as a {@link GPT} with its tokenizer, or an error saying what {@code file} holds instead. */
        public LanguageModel languageModel(String file) {
            if (!(module instanceof GPT gpt)) {
                throw new IllegalArgumentException(file + " holds " + describe() + ", not a GPT language model; generating"
                        + " text needs a GPT language model");
            }
            return new LanguageModel(gpt, CharTokenizer.of(String.join("", info.classNames())));
        }

        /** This model, or an error when it is a language model and {@code use} needs feature rows or images. */
        public Model requireFeatureModel(String file, String use) {
            if (spec.isLanguageModel()) {
                throw new IllegalArgumentException(file + " holds " + describe() + ", a language model over characters;"
                        + " " + use + " needs a classifier or regressor (mlp, lenet, cnn); sample text from it with its"
                        + " decoder instead");
            }
            return this;
        }

        private String describe() {
            return "a " + spec + (info.dataset().isEmpty() ? "" : " trained on " + info.dataset());
        }
    }

    /** A GPT and the character tokenizer it was trained with. */
    public record LanguageModel(GPT gpt, CharTokenizer tokenizer) {
    }

    private ModelFile() {
    }

    public static void save(Path file, Model model) throws IOException {
        Safetensors.write(file, model.module().stateDict(), metadata(model));
    }

    /** The bytes {@link #save} writes, for a model kept in memory or sent elsewhere ({@link #read} reads them). */
    public static byte[] toBytes(Model model) {
        return Safetensors.toBytes(model.module().stateDict(), metadata(model));
    }

    private static Map<String, String> metadata(Model model) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, FORMAT);
        meta.put("format_version", Integer.toString(VERSION));
        meta.put("architecture", Json.write(encode(model.spec())));
        meta.put("dataset", model.info().dataset());
        meta.put("classes", Json.write(model.info().classNames()));
        Map<String, Object> preprocessing = new LinkedHashMap<>();   // in a fixed order: same model, same bytes
        preprocessing.put("shift", model.info().preprocessing().shift());
        preprocessing.put("scale", model.info().preprocessing().scale());
        meta.put("preprocessing", Json.write(preprocessing));
        meta.putAll(model.info().extra());
        return meta;
    }

    public static Model load(Path file) throws IOException {
        return decode(Safetensors.read(file), file.toString());
    }

    /** Reads a model file held in memory (for example a class-path resource); {@code name} appears in errors. */
    public static Model read(byte[] bytes, String name) throws CorruptFileException {
        return decode(Safetensors.read(bytes, name), name);
    }

    /** Reads a model from a safetensors file already read (to look at its metadata first); {@code name} appears in errors. */
    public static Model read(Safetensors.Contents contents, String name) throws CorruptFileException {
        return decode(contents, name);
    }

    private static Model decode(Safetensors.Contents c, String file) throws CorruptFileException {
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get(FORMAT_KEY))) {
            throw new CorruptFileException(file + ": not a Backprop model file (its metadata has no format="
                    + FORMAT + "); for a bare state dict such as one saved by PyTorch, use Safetensors.read and"
                    + " Module.loadStateDict");
        }
        String version = meta.get("format_version");
        if (!Integer.toString(VERSION).equals(version)) {
            throw new CorruptFileException(file + ": model format version " + version + " is not supported by this"
                    + " Backprop, which reads version " + VERSION);
        }
        try {
            ModelSpec spec = decode(Json.parse(meta.get("architecture")));
            long stored = c.tensors().values().stream().mapToLong(Tensor::numel).sum();
            if (spec.parameterCount() > stored) {
                // Checked before building, so that a corrupt architecture cannot allocate more than the file holds.
                throw new CorruptFileException(file + ": the architecture " + spec + " has " + spec.parameterCount()
                        + " parameters, but the file stores only " + stored + " values");
            }
            Module module = spec.build(new Generator(0));
            module.loadStateDict(c.tensors());
            List<String> classes = new ArrayList<>();
            for (Object o : (List<?>) Json.parse(meta.getOrDefault("classes", "[]"))) {
                classes.add((String) o);
            }
            Map<?, ?> pre = (Map<?, ?>) Json.parse(meta.get("preprocessing"));
            Preprocessing p = new Preprocessing(doubles(pre.get("shift")), doubles(pre.get("scale")));
            Map<String, String> extra = new LinkedHashMap<>();
            meta.forEach((k, v) -> {
                if (k.startsWith(EXTRA_PREFIX)) {
                    extra.put(k, v);
                }
            });
            return new Model(spec, module, new Info(meta.getOrDefault("dataset", ""), classes, p, extra));
        } catch (RuntimeException e) {
            throw new CorruptFileException(file + ": the model metadata or weights do not fit together: " + e, e);
        }
    }

    static Map<String, Object> encode(ModelSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (spec) {
            case ModelSpec.Vgg vgg -> {
                m.put("type", "cnn");
                m.put("channels", vgg.channels());
                m.put("classes", vgg.classes());
                m.put("width", vgg.width());
                m.put("dropout", (double) vgg.dropout());
            }
            case ModelSpec.LeNet5 lenet -> {
                m.put("type", "lenet");
                m.put("channels", lenet.channels());
                m.put("classes", lenet.classes());
            }
            case ModelSpec.Gpt gpt -> {
                m.put("type", "gpt");
                m.put("vocab", gpt.config().vocab());
                m.put("layers", gpt.config().layers());
                m.put("heads", gpt.config().heads());
                m.put("embd", gpt.config().embd());
                m.put("block", gpt.config().block());
                m.put("dropout", (double) gpt.config().dropout());
            }
            case ModelSpec.Mlp mlp -> {
                m.put("type", "mlp");
                m.put("inputs", mlp.inputs());
                m.put("hidden", mlp.hidden());
                m.put("outputs", mlp.outputs());
                m.put("activation", mlp.activation().id());
                m.put("dropout", (double) mlp.dropout());
            }
        }
        return m;
    }

    static ModelSpec decode(Object json) {
        if (json instanceof Map<?, ?> m && "cnn".equals(m.get("type"))) {
            return new ModelSpec.Vgg(((Number) m.get("channels")).intValue(), ((Number) m.get("classes")).intValue(),
                    ((Number) m.get("width")).intValue(), ((Number) m.get("dropout")).floatValue());
        }
        if (json instanceof Map<?, ?> m && "gpt".equals(m.get("type"))) {
            return new ModelSpec.Gpt(new dev.backprop.nn.GPT.Config(((Number) m.get("vocab")).intValue(),
                    ((Number) m.get("layers")).intValue(), ((Number) m.get("heads")).intValue(),
                    ((Number) m.get("embd")).intValue(), ((Number) m.get("block")).intValue(),
                    ((Number) m.get("dropout")).floatValue()));
        }
        if (json instanceof Map<?, ?> m && "lenet".equals(m.get("type"))) {
            return new ModelSpec.LeNet5(((Number) m.get("channels")).intValue(), ((Number) m.get("classes")).intValue());
        }
        if (!(json instanceof Map<?, ?> m) || !"mlp".equals(m.get("type"))) {
            throw new IllegalArgumentException("unknown architecture " + json);
        }
        List<Integer> hidden = new ArrayList<>();
        for (Object h : (List<?>) m.get("hidden")) {
            hidden.add(((Number) h).intValue());
        }
        return new ModelSpec.Mlp(((Number) m.get("inputs")).intValue(), hidden, ((Number) m.get("outputs")).intValue(),
                ActivationKind.of((String) m.get("activation")), ((Number) m.get("dropout")).floatValue());
    }

    private static List<Double> doubles(Object list) {
        List<Double> out = new ArrayList<>();
        for (Object o : (List<?>) list) {
            out.add(((Number) o).doubleValue());
        }
        return out;
    }
}
