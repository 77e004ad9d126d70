package dev.backprop.explain;

import dev.backprop.nn.ActivationKind;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Forward and backward propagation through a small dense network, written out number by number
 * for a learner: every neuron's weighted sum and activation, the error, then for every neuron the
 * chain-rule factors (how the error changes with its output, its output with its weighted sum)
 * and for every weight and bias the product that is its gradient, and finally the weights after
 * one gradient-descent step. The loss is the squared error {@code E = 1/2 sum (target - out)^2}
 * of the classic walk-through (Mazur's 2-2-2 sigmoid example is {@link #mazur()}).
 *
 * <p>The arithmetic shown is done in double precision, so the digits are those of the
 * worked example; Backprop's float32 autograd computes the same gradients independently, and
 * {@link Step#autogradAgreement()} is the largest difference between the two.
 *
 * <pre>{@code
 * Walkthrough w = Walkthrough.mazur();
 * System.out.print(w.explain(Walkthrough.Style.TERMINAL));   // the first step in full
 * List<Walkthrough.Step> steps = w.train(100);                // the loss falling over 100 updates
 * }</pre>
 */
public final class Walkthrough {

    /** How the text is laid out: plain lines for a terminal, or Markdown with headings. */
    public enum Style { TERMINAL, MARKDOWN }

    /** One update: the error before it, and the largest |autograd - shown| gradient difference. */
    public record Step(int number, double error, double autogradAgreement) {
    }

    private final double[][][] weights;   // [layer][neuron][input]
    private final double[][] biases;      // [layer][neuron]
    private final ActivationKind activation;
    private final double[] input;
    private final double[] target;
    private final double lr;

    /**
     * A network with {@code weights[l][j][i]} from neuron i of layer l-1 (or input i) to neuron j of
     * layer l, biases {@code biases[l][j]}, one activation everywhere (sigmoid, tanh or ReLU).
     */
    public Walkthrough(double[][][] weights, double[][] biases, ActivationKind activation, double[] input,
                       double[] target, double lr) {
        if (activation != ActivationKind.SIGMOID && activation != ActivationKind.TANH && activation != ActivationKind.RELU) {
            throw new IllegalArgumentException("explain: activation must be sigmoid, tanh or relu, got " + activation.id());
        }
        int width = input.length;
        for (int l = 0; l < weights.length; l++) {
            if (biases[l].length != weights[l].length) {
                throw new IllegalArgumentException("explain: layer " + (l + 1) + " has " + weights[l].length
                        + " neurons but " + biases[l].length + " biases");
            }
            for (double[] row : weights[l]) {
                if (row.length != width) {
                    throw new IllegalArgumentException("explain: layer " + (l + 1) + " expects " + row.length
                            + " inputs, but the layer before it has " + width);
                }
            }
            width = weights[l].length;
        }
        if (target.length != width) {
            throw new IllegalArgumentException("explain: " + target.length + " targets for " + width + " outputs");
        }
        this.weights = deepCopy(weights);
        this.biases = deepCopy(biases);
        this.activation = activation;
        this.input = input.clone();
        this.target = target.clone();
        this.lr = lr;
    }

    /**
     * Mazur's example: inputs 0.05 and 0.10, targets 0.01 and 0.99, hidden weights w1..w4 = 0.15,
     * 0.20, 0.25, 0.30 with bias 0.35, output weights w5..w8 = 0.40, 0.45, 0.50, 0.55 with bias 0.60,
     * sigmoid, learning rate 0.5.
     */
    public static Walkthrough mazur() {
        return new Walkthrough(
                new double[][][] {{{0.15, 0.20}, {0.25, 0.30}}, {{0.40, 0.45}, {0.50, 0.55}}},
                new double[][] {{0.35, 0.35}, {0.60, 0.60}},
                ActivationKind.SIGMOID, new double[] {0.05, 0.10}, new double[] {0.01, 0.99}, 0.5);
    }

    /**
     * A network of the given layer sizes ({@code sizes[0]} inputs, then each layer's neurons) with
     * weights and biases drawn uniformly from {@code [-1/sqrt(fan in), 1/sqrt(fan in)]}, PyTorch's
     * Linear default.
     */
    public static Walkthrough random(int[] sizes, ActivationKind activation, double[] input, double[] target, double lr,
                                     dev.backprop.tensor.Generator generator) {
        if (sizes.length < 2 || sizes[0] != input.length) {
            throw new IllegalArgumentException("explain: " + input.length + " inputs for layer sizes " + java.util.Arrays.toString(sizes));
        }
        int neurons = 0;
        double[][][] w = new double[sizes.length - 1][][];
        double[][] b = new double[sizes.length - 1][];
        for (int l = 1; l < sizes.length; l++) {
            neurons += sizes[l];
            double bound = 1 / Math.sqrt(sizes[l - 1]);
            w[l - 1] = new double[sizes[l]][sizes[l - 1]];
            b[l - 1] = new double[sizes[l]];
            for (int j = 0; j < sizes[l]; j++) {
                for (int i = 0; i < sizes[l - 1]; i++) {
                    w[l - 1][j][i] = (2 * generator.nextDouble() - 1) * bound;
                }
                b[l - 1][j] = (2 * generator.nextDouble() - 1) * bound;
            }
        }
        if (neurons > MAX_NEURONS) {
            throw new IllegalArgumentException("explain: " + neurons + " neurons would print too many numbers to read;"
                    + " explain takes up to " + MAX_NEURONS);
        }
        return new Walkthrough(w, b, activation, input, target, lr);
    }

    /** The largest network {@link #random} builds: beyond it the text stops being readable. */
    public static final int MAX_NEURONS = 48;

    /** Current weights {@code [layer][neuron][input]} (a copy). */
    public double[][][] weights() {
        return deepCopy(weights);
    }

    /** Current biases {@code [layer][neuron]} (a copy). */
    public double[][] biases() {
        return deepCopy(biases);
    }

    /** The forward pass: {@code [layer][neuron]} weighted sums and outputs; layer 0 holds the inputs. */
    private record Forward(double[][] net, double[][] out) {
    }

    private Forward forward() {
        double[][] net = new double[weights.length + 1][];
        double[][] out = new double[weights.length + 1][];
        out[0] = input.clone();
        for (int l = 0; l < weights.length; l++) {
            net[l + 1] = new double[weights[l].length];
            out[l + 1] = new double[weights[l].length];
            for (int j = 0; j < weights[l].length; j++) {
                double sum = biases[l][j];
                for (int i = 0; i < out[l].length; i++) {
                    sum += weights[l][j][i] * out[l][i];
                }
                net[l + 1][j] = sum;
                out[l + 1][j] = act(sum);
            }
        }
        return new Forward(net, out);
    }

    private double act(double x) {
        return switch (activation) {
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            default -> Math.max(0, x);
        };
    }

    /** d out / d net, written in terms of out where the textbooks do. */
    private double actDerivative(double net, double out) {
        return switch (activation) {
            case SIGMOID -> out * (1 - out);
            case TANH -> 1 - out * out;
            default -> net > 0 ? 1 : 0;
        };
    }

    private String derivativeFormula(double out) {
        return switch (activation) {
            case SIGMOID -> String.format(Locale.ROOT, "out (1 - out) = %s x %s", f(out), f(1 - out));
            case TANH -> String.format(Locale.ROOT, "1 - out^2 = 1 - %s^2", f(out));
            default -> "1 if net > 0, else 0";
        };
    }

    private double error(double[] out) {
        double e = 0;
        for (int k = 0; k < out.length; k++) {
            e += 0.5 * (target[k] - out[k]) * (target[k] - out[k]);
        }
        return e;
    }

    /**
     * The gradients by the chain rule, {@code [layer][neuron][input]} for weights and
     * {@code [layer][neuron]} for biases (delta = dE/dnet), and the text explaining them.
     */
    private record Backward(double[][][] dw, double[][] delta, double[][] dOut) {
    }

    private Backward backward(Forward f) {
        int layers = weights.length;
        double[][][] dw = new double[layers][][];
        double[][] delta = new double[layers][];
        double[][] dOut = new double[layers][];
        for (int l = layers - 1; l >= 0; l--) {
            int n = weights[l].length;
            delta[l] = new double[n];
            dOut[l] = new double[n];
            dw[l] = new double[n][];
            for (int j = 0; j < n; j++) {
                double d;
                if (l == layers - 1) {
                    d = -(target[j] - f.out()[l + 1][j]);
                } else {
                    d = 0;
                    for (int k = 0; k < weights[l + 1].length; k++) {
                        d += delta[l + 1][k] * weights[l + 1][k][j];
                    }
                }
                dOut[l][j] = d;
                delta[l][j] = d * actDerivative(f.net()[l + 1][j], f.out()[l + 1][j]);
                dw[l][j] = new double[f.out()[l].length];
                for (int i = 0; i < f.out()[l].length; i++) {
                    dw[l][j][i] = delta[l][j] * f.out()[l][i];
                }
            }
        }
        return new Backward(dw, delta, dOut);
    }

    /** Backprop's own float32 autograd on the same network: the largest difference from the shown gradients. */
    private double autogradAgreement(Backward b) {
        List<Tensor> ws = new ArrayList<>();
        List<Tensor> bs = new ArrayList<>();
        Tensor a = Tensor.fromArray(floats(input), 1, input.length);
        for (int l = 0; l < weights.length; l++) {
            Tensor w = Tensor.fromArray(floats(flatten(weights[l])), weights[l].length, weights[l][0].length).setRequiresGrad(true);
            Tensor bias = Tensor.fromArray(floats(biases[l]), biases[l].length).setRequiresGrad(true);
            ws.add(w);
            bs.add(bias);
            Tensor net = a.matmul(w.transpose(0, 1)).add(bias);
            a = switch (activation) {
                case SIGMOID -> net.sigmoid();
                case TANH -> net.tanh();
                default -> net.relu();
            };
        }
        Tensor diff = Tensor.fromArray(floats(target), 1, target.length).sub(a);
        diff.mul(diff).sum().mul(0.5f).backward();
        double worst = 0;
        for (int l = 0; l < weights.length; l++) {
            float[] gw = ws.get(l).grad().toFloatArray();
            float[] gb = bs.get(l).grad().toFloatArray();
            for (int j = 0; j < weights[l].length; j++) {
                worst = Math.max(worst, Math.abs(gb[j] - b.delta()[l][j]));
                for (int i = 0; i < weights[l][j].length; i++) {
                    worst = Math.max(worst, Math.abs(gw[j * weights[l][j].length + i] - b.dw()[l][j][i]));
                }
            }
        }
        return worst;
    }

    private void update(Backward b) {
        for (int l = 0; l < weights.length; l++) {
            for (int j = 0; j < weights[l].length; j++) {
                biases[l][j] -= lr * b.delta()[l][j];
                for (int i = 0; i < weights[l][j].length; i++) {
                    weights[l][j][i] -= lr * b.dw()[l][j][i];
                }
            }
        }
    }

    /** Takes {@code steps} gradient-descent steps; each entry is the error before its step. */
    public List<Step> train(int steps) {
        List<Step> out = new ArrayList<>();
        for (int s = 1; s <= steps; s++) {
            Forward f = forward();
            Backward b = backward(f);
            out.add(new Step(s, error(f.out()[weights.length]), autogradAgreement(b)));
            update(b);
        }
        return out;
    }

    /** One full step, explained, then applied: the network's weights change. */
    public String explain(Style style) {
        Forward f = forward();
        Backward b = backward(f);
        double agreement = autogradAgreement(b);
        Text t = new Text(style);
        int layers = weights.length;
        t.heading("Forward pass");
        for (int l = 0; l < layers; l++) {
            t.line((l == layers - 1 ? "output layer" : "hidden layer " + (l + 1)) + ":");
            for (int j = 0; j < weights[l].length; j++) {
                StringBuilder terms = new StringBuilder();
                for (int i = 0; i < f.out()[l].length; i++) {
                    terms.append(f(weights[l][j][i])).append(" x ").append(f(f.out()[l][i])).append(" + ");
                }
                t.item(String.format(Locale.ROOT, "net %s = %s%s = %s", neuron(l + 1, j), terms, f(biases[l][j]),
                        f(f.net()[l + 1][j])));
                t.item(String.format(Locale.ROOT, "out %s = %s(%s) = %s", neuron(l + 1, j), activation.id(),
                        f(f.net()[l + 1][j]), f(f.out()[l + 1][j])));
            }
        }
        double[] out = f.out()[layers];
        t.heading("Error");
        for (int k = 0; k < out.length; k++) {
            t.item(String.format(Locale.ROOT, "E %s = 1/2 (%s - %s)^2 = %s", neuron(layers, k), f(target[k]), f(out[k]),
                    f(0.5 * (target[k] - out[k]) * (target[k] - out[k]))));
        }
        t.item("E total = " + f(error(out)));
        t.heading("Backward pass (chain rule)");
        for (int l = layers - 1; l >= 0; l--) {
            t.line((l == layers - 1 ? "output layer" : "hidden layer " + (l + 1)) + ":");
            for (int j = 0; j < weights[l].length; j++) {
                String nj = neuron(l + 1, j);
                if (l == layers - 1) {
                    t.item(String.format(Locale.ROOT, "dE/dout %s = -(target - out) = -(%s - %s) = %s", nj, f(target[j]),
                            f(out[j]), f(b.dOut()[l][j])));
                } else {
                    StringBuilder terms = new StringBuilder();
                    for (int k = 0; k < weights[l + 1].length; k++) {
                        terms.append(k == 0 ? "" : " + ").append(f(b.delta()[l + 1][k])).append(" x ")
                                .append(f(weights[l + 1][k][j]));
                    }
                    t.item(String.format(Locale.ROOT, "dE/dout %s = sum over the next layer of dE/dnet x w = %s = %s", nj,
                            terms, f(b.dOut()[l][j])));
                }
                t.item(String.format(Locale.ROOT, "dout/dnet %s = %s = %s", nj, derivativeFormula(f.out()[l + 1][j]),
                        f(actDerivative(f.net()[l + 1][j], f.out()[l + 1][j]))));
                t.item(String.format(Locale.ROOT, "dE/dnet %s = %s x %s = %s", nj, f(b.dOut()[l][j]),
                        f(actDerivative(f.net()[l + 1][j], f.out()[l + 1][j])), f(b.delta()[l][j])));
                for (int i = 0; i < f.out()[l].length; i++) {
                    t.item(String.format(Locale.ROOT, "dE/d%s = dE/dnet %s x %s %s = %s x %s = %s", weightName(l, j, i), nj,
                            l == 0 ? "input" : "out", neuron(l, i), f(b.delta()[l][j]), f(f.out()[l][i]), f(b.dw()[l][j][i])));
                }
                t.item(String.format(Locale.ROOT, "dE/db %s = dE/dnet = %s", nj, f(b.delta()[l][j])));
            }
        }
        t.line(String.format(Locale.ROOT, "Backprop's float32 autograd computes the same gradients (largest difference %.1e).",
                agreement));
        t.heading(String.format(Locale.ROOT, "Gradient descent step (learning rate %s)", f(lr)));
        update(b);
        for (int l = 0; l < layers; l++) {
            for (int j = 0; j < weights[l].length; j++) {
                for (int i = 0; i < weights[l][j].length; i++) {
                    t.item(String.format(Locale.ROOT, "%s = %s - %s x %s = %s", weightName(l, j, i),
                            f(weights[l][j][i] + lr * b.dw()[l][j][i]), f(lr), f(b.dw()[l][j][i]), f(weights[l][j][i])));
                }
            }
        }
        for (int l = 0; l < layers; l++) {
            for (int j = 0; j < weights[l].length; j++) {
                t.item(String.format(Locale.ROOT, "b %s = %s - %s x %s = %s", neuron(l + 1, j),
                        f(biases[l][j] + lr * b.delta()[l][j]), f(lr), f(b.delta()[l][j]), f(biases[l][j])));
            }
        }
        t.item("E total after the step = " + f(error(forward().out()[layers])));
        return t.toString();
    }

    /** Weights numbered through the network as in the classic example: w1 = i1 -> h1, w2 = i2 -> h1, ... */
    private String weightName(int l, int j, int i) {
        int number = 1;
        for (int k = 0; k < l; k++) {
            number += weights[k].length * weights[k][0].length;
        }
        number += j * weights[l][0].length + i;
        return "w" + number + " (" + neuron(l, i) + " -> " + neuron(l + 1, j) + ")";
    }

    private String neuron(int layer, int index) {
        if (layer == 0) {
            return "i" + (index + 1);
        }
        return (layer == weights.length ? "o" : layers() > 2 ? "h" + layer + "." : "h") + (index + 1);
    }

    private int layers() {
        return weights.length;
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.9f", v);
    }

    private static float[] floats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    private static double[] flatten(double[][] m) {
        double[] out = new double[m.length * m[0].length];
        for (int j = 0; j < m.length; j++) {
            System.arraycopy(m[j], 0, out, j * m[0].length, m[0].length);
        }
        return out;
    }

    private static double[][] deepCopy(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
    }

    private static double[][][] deepCopy(double[][][] m) {
        double[][][] out = new double[m.length][][];
        for (int i = 0; i < m.length; i++) {
            out[i] = deepCopy(m[i]);
        }
        return out;
    }

    /** Lines of the explanation in the chosen style. */
    private static final class Text {
        private final Style style;
        private final StringBuilder sb = new StringBuilder();

        Text(Style style) {
            this.style = style;
        }

        void heading(String h) {
            sb.append(style == Style.MARKDOWN ? "\n## " + h + "\n\n" : "\n" + h.toUpperCase(Locale.ROOT) + "\n");
        }

        void line(String s) {
            sb.append(style == Style.MARKDOWN ? "\n" + s + "\n\n" : s + "\n");
        }

        void item(String s) {
            sb.append(style == Style.MARKDOWN ? "- `" + s + "`\n" : "  " + s + "\n");
        }

        @Override
        public String toString() {
            return sb.toString().stripLeading();
        }
    }
}
