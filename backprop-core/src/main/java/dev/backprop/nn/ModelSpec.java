package dev.backprop.nn;

import dev.backprop.tensor.Generator;
import java.util.ArrayList;
import java.util.List;

/**
 * A network architecture as a value: enough to build the module again, so that a model file can
 * hold the architecture beside the weights. Parse the command line's form ({@code mlp:256,128},
 * {@code lenet}, {@code gpt:layers=4,heads=4,embd=128,block=64}) with {@link #parse}.
 */
public sealed interface ModelSpec permits ModelSpec.Mlp, ModelSpec.LeNet5, ModelSpec.Vgg, ModelSpec.Gpt {

    /** Builds a fresh, initialised module of this architecture. */
    Module build(Generator generator);

    /** The number of trainable parameters {@link #build} creates, computed without building (as a long: a spec may be absurd). */
    long parameterCount();

    /**
     * A multi-layer perceptron on flat inputs: {@code Linear(inputs, h1), act, [Dropout], ...,
     * Linear(hk, outputs)}, named as PyTorch's {@code nn.Sequential} would name it.
     */
    record Mlp(int inputs, List<Integer> hidden, int outputs, ActivationKind activation, float dropout) implements ModelSpec {
        public Mlp {
            hidden = List.copyOf(hidden);
            if (inputs <= 0 || outputs <= 0 || hidden.stream().anyMatch(h -> h <= 0)) {
                throw new IllegalArgumentException("mlp: every layer size must be positive, got inputs " + inputs
                        + ", hidden " + hidden + ", outputs " + outputs);
            }
            if (!(dropout >= 0f && dropout < 1f)) {
                throw new IllegalArgumentException("mlp: dropout must be in [0, 1), got " + dropout);
            }
        }

        @Override
        public Module build(Generator generator) {
            List<Module> layers = new ArrayList<>();
            int width = inputs;
            for (int h : hidden) {
                layers.add(new Linear(width, h, generator));
                layers.add(activation.create());
                if (dropout > 0f) {
                    layers.add(new Dropout(dropout, new Generator(generator.nextLong())));
                }
                width = h;
            }
            layers.add(new Linear(width, outputs, generator));
            return new Sequential(layers.toArray(Module[]::new));
        }

        @Override
        public long parameterCount() {
            long count = 0;
            long width = inputs;
            for (int h : hidden) {
                count += width * h + h;
                width = h;
            }
            return count + width * outputs + outputs;
        }

        @Override
        public String toString() {
            return "mlp " + inputs + (hidden.isEmpty() ? "" : "-" + String.join("-", hidden.stream().map(String::valueOf).toList()))
                    + "-" + outputs + " " + activation.id() + (dropout > 0 ? " dropout " + dropout : "");
        }
    }

    /** Whether the model takes images {@code [N, C, H, W]} (else flat features {@code [N, F]}). */
    default boolean takesImages() {
        return false;
    }

    /** LeNet-5 for {@code [N, channels, 28, 28]} images; see {@link LeNet}. */
    record LeNet5(int channels, int classes) implements ModelSpec {
        public LeNet5 {
            if (channels <= 0 || classes <= 0) {
                throw new IllegalArgumentException("lenet: channels and classes must be positive, got " + channels
                        + " and " + classes);
            }
        }

        @Override
        public Module build(Generator generator) {
            return new LeNet(channels, classes, generator);
        }

        @Override
        public long parameterCount() {
            return (6L * channels * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84L * classes + classes);
        }

        @Override
        public boolean takesImages() {
            return true;
        }

        @Override
        public String toString() {
            return "lenet " + channels + "x28x28 -> " + classes;
        }
    }

    /** The small VGG-style CNN with batch norm for {@code [N, channels, 28, 28]} images; see {@link SmallVgg}. */
    record Vgg(int channels, int classes, int width, float dropout) implements ModelSpec {
        public Vgg {
            if (channels <= 0 || classes <= 0 || width <= 0 || !(dropout >= 0f && dropout < 1f)) {
                throw new IllegalArgumentException("cnn: channels, classes and width must be positive and dropout in"
                        + " [0, 1); got " + channels + ", " + classes + ", " + width + ", " + dropout);
            }
        }

        @Override
        public Module build(Generator generator) {
            return new SmallVgg(channels, classes, width, dropout, generator);
        }

        @Override
        public long parameterCount() {
            long w = width;
            long convs = 9 * (w * channels + w * w + 2 * w * w + 4 * w * w);   // 3x3, no bias
            long norms = 2 * (w + w + 2 * w + 2 * w);                          // weight and bias
            return convs + norms + (2 * w * 49 * 128 + 128) + (128L * classes + classes);
        }

        @Override
        public boolean takesImages() {
            return true;
        }

        @Override
        public String toString() {
            return "cnn (VGG-style, width " + width + ", batch norm) " + channels + "x28x28 -> " + classes;
        }
    }

    /** A character-level {@link GPT} language model: tokens {@code [N, T]} in, next-token scores out. */
    record Gpt(GPT.Config config) implements ModelSpec {
        @Override
        public Module build(Generator generator) {
            return new GPT(config, generator);
        }

        @Override
        public long parameterCount() {
            return config.parameterCount();
        }

        /** Whether this is a language model, used by sequences of tokens rather than feature rows. */
        @Override
        public boolean isLanguageModel() {
            return true;
        }

        @Override
        public String toString() {
            return "gpt (" + config.layers() + " layers, " + config.heads() + " heads, width " + config.embd() + ", context "
                    + config.block() + ", vocabulary " + config.vocab() + (config.dropout() > 0 ? ", dropout " + config.dropout() : "")
                    + ")";
        }
    }

    /** True for a language model ({@link Gpt}): it takes token sequences, not feature rows or images. */
    default boolean isLanguageModel() {
        return false;
    }

    /**
     * Parses {@code gpt:layers=4,heads=4,embd=128,block=64[,dropout=0.1]} (any key may be left out:
     * those values are the defaults) for a vocabulary of {@code vocab} tokens.
     */
    static Gpt parseGpt(String spec, int vocab, float dropout) {
        String[] parts = spec.trim().split(":", 2);
        java.util.Map<String, String> values = new java.util.LinkedHashMap<>();
        values.put("layers", "4");
        values.put("heads", "4");
        values.put("embd", "128");
        values.put("block", "64");
        values.put("dropout", Float.toString(dropout));
        if (parts.length == 2 && !parts[1].isBlank()) {
            for (String pair : parts[1].split(",")) {
                String[] kv = pair.split("=", 2);
                String key = kv[0].trim();
                if (kv.length != 2 || !values.containsKey(key)) {
                    throw new IllegalArgumentException("model '" + spec + "': '" + pair.trim() + "' is not one of layers=N,"
                            + " heads=N, embd=N, block=N, dropout=P; e.g. gpt:layers=4,heads=4,embd=128,block=64");
                }
                values.put(key, kv[1].trim());
            }
        }
        try {
            return new Gpt(new GPT.Config(vocab, Integer.parseInt(values.get("layers")), Integer.parseInt(values.get("heads")),
                    Integer.parseInt(values.get("embd")), Integer.parseInt(values.get("block")),
                    Float.parseFloat(values.get("dropout"))));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model '" + spec + "': every value must be a number (" + e.getMessage() + ")");
        }
    }

    /**
     * Parses the command line's forms {@code mlp:256,128}, {@code lenet} and {@code cnn:32} (hidden sizes; plain {@code mlp} is a
     * linear model) for the given input and output sizes.
     */
    static ModelSpec parse(String spec, int inputs, int outputs, ActivationKind activation, float dropout) {
        String[] parts = spec.trim().split(":", 2);
        if (parts[0].equals("lenet")) {
            return new LeNet5(1, outputs);
        }
        if (parts[0].equals("cnn")) {
            int width = 32;
            if (parts.length == 2 && !parts[1].isBlank()) {
                try {
                    width = Integer.parseInt(parts[1].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("model '" + spec + "': '" + parts[1].trim()
                            + "' is not a width; expected e.g. cnn:32");
                }
            }
            return new Vgg(1, outputs, width, dropout > 0 ? dropout : 0.25f);
        }
        if (parts[0].equals("gpt")) {
            return parseGpt(spec, outputs, dropout);
        }
        if (!parts[0].equals("mlp")) {
            throw new IllegalArgumentException("model '" + spec + "': unknown architecture '" + parts[0]
                    + "'; available: mlp:H1,H2,... (e.g. mlp:256,128), lenet and cnn[:WIDTH] (28x28 images), and"
                    + " gpt:layers=N,heads=N,embd=N,block=N (text)");
        }
        List<Integer> hidden = new ArrayList<>();
        if (parts.length == 2 && !parts[1].isBlank()) {
            for (String s : parts[1].split(",")) {
                try {
                    hidden.add(Integer.parseInt(s.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("model '" + spec + "': '" + s.trim()
                            + "' is not a layer size; expected e.g. mlp:256,128");
                }
            }
        }
        return new Mlp(inputs, hidden, outputs, activation, dropout);
    }
}
