package dev.backprop.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's kind and settings as a user writes them, before the data are known: the first of a
 * model specification's two phases. {@link #parse} reads {@code mlp:256,128}, {@code lenet},
 * {@code cnn:32} or {@code gpt:layers=4,heads=4,embd=128,block=64}; {@link #input()} says what the
 * model reads, so a caller knows which data to load; {@link #bind} then fixes the sizes the data
 * decide (inputs, channels, classes, vocabulary) and gives the {@link ModelSpec} that builds it.
 *
 * <pre>{@code
 * Architecture a = Architecture.parse("mlp:256,128").withActivation(ActivationKind.GELU);
 * ModelSpec spec = a.bind(new int[] {784}, 10);          // one example's shape, and the outputs
 * Module model = spec.build(new Generator(0));
 * }</pre>
 */
public sealed interface Architecture extends java.io.Serializable permits Architecture.Mlp, Architecture.LeNet, Architecture.Cnn, Architecture.Gpt {

    /** What a model of a kind reads, and so which data it trains on and how a run over them counts. */
    enum Input {
        /** Feature rows {@code [N, F]} (images are flattened). */
        FEATURES,
        /** Images {@code [N, C, 28, 28]}. */
        IMAGES,
        /** Windows of tokens {@code [N, T]}, drawn at random from a text: trained by steps, not epochs. */
        TOKENS
    }

    Input input();

    /**
     * The specification for data whose examples have shape {@code example} (e.g. {@code [784]} or
     * {@code [1, 28, 28]}; ignored by token models) and {@code outputs} classes (1 for a regression,
     * the vocabulary for a language model).
     */
    ModelSpec bind(int[] example, int outputs);

    /** This architecture with another hidden-layer activation; kinds with their own activations refuse. */
    default Architecture withActivation(ActivationKind activation) {
        throw new IllegalArgumentException(this + " has its own activations; another activation applies to mlp models only");
    }

    /** This architecture with dropout {@code p}; kinds without dropout refuse. */
    default Architecture withDropout(float p) {
        throw new IllegalArgumentException(this + " has no dropout; dropout applies to mlp, cnn and gpt models");
    }

    /** A multi-layer perceptron with these hidden sizes (none: a linear model); see {@link ModelSpec.Mlp}. */
    record Mlp(List<Integer> hidden, ActivationKind activation, float dropout) implements Architecture {
        public Mlp {
            hidden = List.copyOf(hidden);
            new ModelSpec.Mlp(1, hidden, 1, activation, dropout);   // the settings are checked as the spec will check them
        }

        @Override
        public Input input() {
            return Input.FEATURES;
        }

        @Override
        public ModelSpec bind(int[] example, int outputs) {
            long inputs = 1;
            for (int d : example) {
                inputs *= d;
            }
            if (inputs > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("mlp: examples of shape " + java.util.Arrays.toString(example)
                        + " have too many features for one layer");
            }
            return new ModelSpec.Mlp((int) inputs, hidden, outputs, activation, dropout);
        }

        @Override
        public Architecture withActivation(ActivationKind a) {
            return new Mlp(hidden, a, dropout);
        }

        @Override
        public Architecture withDropout(float p) {
            return new Mlp(hidden, activation, p);
        }

        @Override
        public String toString() {
            return "mlp" + (hidden.isEmpty() ? "" : ":" + String.join(",", hidden.stream().map(String::valueOf).toList()));
        }
    }

    /** LeNet-5 for 28x28 images; see {@link LeNet}. */
    record LeNet() implements Architecture {
        @Override
        public Input input() {
            return Input.IMAGES;
        }

        @Override
        public ModelSpec bind(int[] example, int outputs) {
            return new ModelSpec.LeNet5(requireImages(this, example), outputs);
        }

        @Override
        public String toString() {
            return "lenet";
        }
    }

    /** The VGG-style CNN with batch norm for 28x28 images, {@code width} channels wide; see {@link SmallVgg}. */
    record Cnn(int width, float dropout) implements Architecture {
        /** Width 32, dropout 0.25. */
        public static final Cnn DEFAULT = new Cnn(32, 0.25f);

        public Cnn {
            new ModelSpec.Vgg(1, 1, width, dropout);   // checked as the spec will check them
        }

        @Override
        public Input input() {
            return Input.IMAGES;
        }

        @Override
        public ModelSpec bind(int[] example, int outputs) {
            return new ModelSpec.Vgg(requireImages(this, example), outputs, width, dropout);
        }

        @Override
        public Architecture withDropout(float p) {
            return new Cnn(width, p);
        }

        @Override
        public String toString() {
            return "cnn:" + width;
        }
    }

    /** A character-level {@link GPT}; its vocabulary is the text's, bound later. */
    record Gpt(int layers, int heads, int embd, int block, float dropout) implements Architecture {
        /** 4 layers, 4 heads, width 128, context 64, no dropout: the reference recipe's model. */
        public static final Gpt DEFAULT = new Gpt(4, 4, 128, 64, 0f);

        public Gpt {
            new GPT.Config(1, layers, heads, embd, block, dropout);   // checked as the config will check them
        }

        @Override
        public Input input() {
            return Input.TOKENS;
        }

        @Override
        public ModelSpec.Gpt bind(int[] example, int vocabulary) {
            return new ModelSpec.Gpt(new GPT.Config(vocabulary, layers, heads, embd, block, dropout));
        }

        @Override
        public Architecture withDropout(float p) {
            return new Gpt(layers, heads, embd, block, p);
        }

        @Override
        public String toString() {
            return "gpt:layers=" + layers + ",heads=" + heads + ",embd=" + embd + ",block=" + block
                    + (dropout > 0 ? ",dropout=" + dropout : "");
        }
    }

    private static int requireImages(Architecture a, int[] example) {
        if (example.length != 3 || example[1] != 28 || example[2] != 28) {
            throw new IllegalArgumentException(a + " takes 28x28 images [C, 28, 28]; these examples have shape "
                    + java.util.Arrays.toString(example) + " (use mnist or fashion-mnist, or an mlp)");
        }
        return example[0];
    }

    /**
     * Reads {@code mlp:H1,H2,...} (hidden sizes; plain {@code mlp} is a linear model, ReLU, no
     * dropout), {@code lenet}, {@code cnn[:WIDTH]} or {@code gpt[:layers=N,heads=N,embd=N,block=N,dropout=P]}
     * (any key may be left out: the reference recipe's values stand).
     */
    static Architecture parse(String text) {
        String[] parts = text.trim().split(":", 2);
        String settings = parts.length == 2 ? parts[1].trim() : "";
        return switch (parts[0].trim()) {
            case "mlp" -> new Mlp(integers(text, settings, "layer size", "mlp:256,128"), ActivationKind.RELU, 0f);
            case "lenet" -> {
                if (!settings.isEmpty()) {
                    throw new IllegalArgumentException("model '" + text + "': lenet takes no settings");
                }
                yield new LeNet();
            }
            case "cnn" -> {
                List<Integer> width = integers(text, settings, "width", "cnn:32");
                if (width.size() > 1) {
                    throw new IllegalArgumentException("model '" + text + "': cnn takes one width, e.g. cnn:32");
                }
                yield width.isEmpty() ? Cnn.DEFAULT : new Cnn(width.get(0), Cnn.DEFAULT.dropout());
            }
            case "gpt" -> gpt(text, settings);
            default -> throw new IllegalArgumentException("model '" + text + "': unknown architecture '" + parts[0].trim()
                    + "'; available: mlp:H1,H2,... (e.g. mlp:256,128), lenet and cnn[:WIDTH] (28x28 images), and"
                    + " gpt:layers=N,heads=N,embd=N,block=N (text)");
        };
    }

    private static List<Integer> integers(String text, String settings, String what, String example) {
        List<Integer> values = new ArrayList<>();
        if (!settings.isEmpty()) {
            for (String s : settings.split(",")) {
                try {
                    values.add(Integer.parseInt(s.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("model '" + text + "': '" + s.trim() + "' is not a " + what
                            + "; expected e.g. " + example);
                }
            }
        }
        return values;
    }

    private static Gpt gpt(String text, String settings) {
        Gpt d = Gpt.DEFAULT;
        Map<String, String> values = new LinkedHashMap<>(Map.of("layers", "" + d.layers(), "heads", "" + d.heads(),
                "embd", "" + d.embd(), "block", "" + d.block(), "dropout", "" + d.dropout()));
        if (!settings.isEmpty()) {
            for (String pair : settings.split(",")) {
                String[] kv = pair.split("=", 2);
                String key = kv[0].trim();
                if (kv.length != 2 || !values.containsKey(key)) {
                    throw new IllegalArgumentException("model '" + text + "': '" + pair.trim() + "' is not one of layers=N,"
                            + " heads=N, embd=N, block=N, dropout=P; e.g. gpt:layers=4,heads=4,embd=128,block=64");
                }
                values.put(key, kv[1].trim());
            }
        }
        try {
            return new Gpt(Integer.parseInt(values.get("layers")), Integer.parseInt(values.get("heads")),
                    Integer.parseInt(values.get("embd")), Integer.parseInt(values.get("block")),
                    Float.parseFloat(values.get("dropout")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model '" + text + "': every value must be a number (" + e.getMessage() + ")");
        }
    }
}
