package dev.backprop.nn;

import dev.backprop.nn.functional.Affine;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Gated recurrent unit (Cho et al. 2014) as PyTorch's {@code nn.GRU} with {@code batch_first=True}:
 * parameters {@code weight_ih_l{k} [3H, in]}, {@code weight_hh_l{k} [3H, H]} and their biases,
 * gates in PyTorch's order r, z, n:
 * <pre>
 *   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr);   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn));   h = (1 - z) * n + z * h
 * </pre>
 */
public final class GRU extends Module {
    private final int inputSize;
    private final int hiddenSize;
    private final List<Tensor[]> layers = new ArrayList<>();   // {w_ih, w_hh, b_ih, b_hh}

    /** The sequence of top-layer states and the last state of every layer. */
    public record Output(Tensor output, Tensor hN) {
    }

    public GRU(int inputSize, int hiddenSize, int numLayers, Generator generator) {
        if (inputSize <= 0 || hiddenSize <= 0 || numLayers <= 0) {
            throw new IllegalArgumentException("GRU: sizes and layer count must be positive, got input " + inputSize
                    + ", hidden " + hiddenSize + ", layers " + numLayers);
        }
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        for (int k = 0; k < numLayers; k++) {
            layers.add(Recurrence.register(this, k, k == 0 ? inputSize : hiddenSize, hiddenSize, 3, generator));
        }
    }

    /** The top layer's hidden state at every step, {@code [B, L, H]}, from a zero initial state. */
    @Override
    public Tensor forward(Tensor input) {
        return run(input, null).output();
    }

    /** Runs over {@code input [B, L, in]} from {@code h0} ({@code [layers, B, H]}, or null for zeros). */
    public Output run(Tensor input, Tensor h0) {
        Recurrence.checkInput("GRU", input, inputSize);
        int b = input.size(0);
        int steps = input.size(1);
        int h = hiddenSize;
        Tensor x = input;
        Tensor[] last = new Tensor[layers.size()];
        for (int k = 0; k < layers.size(); k++) {
            Tensor[] p = layers.get(k);
            Tensor hidden = Recurrence.initial("GRU", h0, k, layers.size(), b, h);
            Tensor[] outputs = new Tensor[steps];
            for (int t = 0; t < steps; t++) {
                Tensor gi = Affine.linear(x.select(1, t), p[0], p[2]);
                Tensor gh = Affine.linear(hidden, p[1], p[3]);
                Tensor r = gi.narrow(1, 0, h).add(gh.narrow(1, 0, h)).sigmoid();
                Tensor z = gi.narrow(1, h, h).add(gh.narrow(1, h, h)).sigmoid();
                Tensor n = gi.narrow(1, 2 * h, h).add(r.mul(gh.narrow(1, 2 * h, h))).tanh();
                hidden = n.sub(z.mul(n)).add(z.mul(hidden));   // (1 - z) n + z h
                outputs[t] = hidden;
            }
            last[k] = hidden;
            x = Tensor.stack(1, outputs);
        }
        return new Output(x, Tensor.stack(0, last));
    }

    @Override
    public String toString() {
        return "GRU(" + inputSize + ", " + hiddenSize + ", layers=" + layers.size() + ")";
    }
}
