package dev.backprop.nn;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The activations a model specification can name, each mapped to its layer. */
public enum ActivationKind {
    RELU, LEAKY_RELU, ELU, GELU, SILU, SIGMOID, TANH;

    /** A new layer of this kind with PyTorch's default settings. */
    public Activation create() {
        return switch (this) {
            case RELU -> Activation.relu();
            case LEAKY_RELU -> Activation.leakyRelu(0.01f);
            case ELU -> Activation.elu(1f);
            case GELU -> Activation.gelu();
            case SILU -> Activation.silu();
            case SIGMOID -> Activation.sigmoid();
            case TANH -> Activation.tanh();
        };
    }

    /** The lower-case name used on the command line and in model files: {@code relu}, {@code leaky-relu}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The kind called {@code id}, or an error listing the choices. */
    public static ActivationKind of(String id) {
        for (ActivationKind k : values()) {
            if (k.id().equals(id.toLowerCase(Locale.ROOT).replace('_', '-'))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + id + "'; choose one of "
                + Arrays.stream(values()).map(ActivationKind::id).collect(Collectors.joining(", ")));
    }
}
