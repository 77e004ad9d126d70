package dev.backprop.nn;

import dev.backprop.tensor.Generator;
import java.util.ArrayList;
import java.util.List;

/**
 * A network architecture as a value: enough to build the module again, so that a model file can
 * hold the architecture beside the weights: the second of two phases, with every size bound. The
 * command line's forms ({@code mlp:256,128}, {@code lenet}, {@code gpt:layers=4,heads=4,embd=128,block=64})
 * are read by {@link Architecture#parse}, whose {@link Architecture#bind} makes a spec once the data are known.
 */
public sealed interface ModelSpec permits ModelSpec.Mlp, ModelSpec.LeNet5, ModelSpec.Vgg, ModelSpec.Gpt {

    /** Builds a fresh, initialised module of this architecture. */
    Module build(Generator generator);

    /** The number of trainable parameters {@link #build} creates, computed without building (as a long: a spec may be absurd). */
    long parameterCount();

    /**
     * A multi-layer perceptron on flat inputs: {@code Linear(inputs, h1), act, [Dropout], ...,
     * Linear(hk, outputs)}, named as PyTorch's {@code nn.Sequential} would name it. The first hidden layer's weight is
     * stored input-major ({@link Linear.WeightOrder#INPUT_MAJOR}), since its inputs are the data.
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
                // The first layer's weight input-major: its inputs are the data, often mostly zeros (pixels, words).
                layers.add(layers.isEmpty()
                        ? new Linear(width, h, true, Linear.WeightOrder.INPUT_MAJOR, generator)
                        : new Linear(width, h, generator));
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
}
