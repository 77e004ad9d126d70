package dev.backprop.nn;

import dev.backprop.tensor.Tensor;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * An elementwise activation as a layer (ReLU, tanh, GELU, ...), with no parameters. Build one
 * with the factory of the same name as PyTorch's module: {@code Activation.relu()},
 * {@code Activation.leakyRelu(0.01f)}, {@code Activation.softmax(1)}.
 */
public final class Activation extends Module {
    private final String name;
    private final UnaryOperator<Tensor> f;
    private final boolean relu;

    private Activation(String name, UnaryOperator<Tensor> f) {
        this(name, f, false);
    }

    private Activation(String name, UnaryOperator<Tensor> f, boolean relu) {
        this.name = name;
        this.f = f;
        this.relu = relu;
    }

    public static Activation relu() { return new Activation("ReLU", Tensor::relu, true); }
    public static Activation leakyRelu(float negativeSlope) {
        return new Activation(String.format(Locale.ROOT, "LeakyReLU(%s)", negativeSlope), x -> x.leakyRelu(negativeSlope));
    }
    public static Activation elu(float alpha) {
        return new Activation(String.format(Locale.ROOT, "ELU(%s)", alpha), x -> x.elu(alpha));
    }
    /** Exact GELU. */
    public static Activation gelu() { return new Activation("GELU", Tensor::gelu); }
    /** GELU's tanh approximation. */
    public static Activation geluTanh() { return new Activation("GELU(tanh)", Tensor::geluTanh); }
    public static Activation silu() { return new Activation("SiLU", Tensor::silu); }
    public static Activation sigmoid() { return new Activation("Sigmoid", Tensor::sigmoid); }
    public static Activation tanh() { return new Activation("Tanh", Tensor::tanh); }
    /** Softplus with PyTorch's defaults beta 1, threshold 20. */
    public static Activation softplus() { return new Activation("Softplus", x -> x.softplus(1f, 20f)); }
    public static Activation softmax(int dim) { return new Activation("Softmax(" + dim + ")", x -> x.softmax(dim)); }
    public static Activation logSoftmax(int dim) { return new Activation("LogSoftmax(" + dim + ")", x -> x.logSoftmax(dim)); }

    @Override
    public Tensor forward(Tensor input) {
        return f.apply(input);
    }

    /** Whether this is {@link #relu()}, which a preceding {@link BatchNorm} can apply in its own pass. */
    boolean isRelu() {
        return relu;
    }

    @Override
    public String toString() {
        return name;
    }
}
