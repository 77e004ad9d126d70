package dev.backprop.nn;

import dev.backprop.tensor.Generator;
import java.util.ArrayList;
import java.util.List;

/**
 * A network architecture as a value: enough to build the module again, so that a model file can
 * hold the architecture beside the weights. Parse the command line's form with {@link #parse}.
 */
public sealed interface ModelSpec permits ModelSpec.Mlp {

    /** Builds a fresh, initialised module of this architecture. */
    Module build(Generator generator);

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
        public String toString() {
            return "mlp " + inputs + (hidden.isEmpty() ? "" : "-" + String.join("-", hidden.stream().map(String::valueOf).toList()))
                    + "-" + outputs + " " + activation.id() + (dropout > 0 ? " dropout " + dropout : "");
        }
    }

    /**
     * Parses the command line's form {@code mlp:256,128} (hidden sizes; plain {@code mlp} is a
     * linear model) for the given input and output sizes.
     */
    static ModelSpec parse(String spec, int inputs, int outputs, ActivationKind activation, float dropout) {
        String[] parts = spec.trim().split(":", 2);
        if (!parts[0].equals("mlp")) {
            throw new IllegalArgumentException("model '" + spec + "': unknown architecture '" + parts[0]
                    + "'; available: mlp:H1,H2,... (e.g. mlp:256,128)");
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
