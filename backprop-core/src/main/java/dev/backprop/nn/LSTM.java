package dev.backprop.nn;

import dev.backprop.nn.functional.Affine;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Long short-term memory (Hochreiter and Schmidhuber 1997) as PyTorch's {@code nn.LSTM} with
 * {@code batch_first=True}: inputs {@code [B, L, input]}, one or more stacked layers, and per
 * layer the parameters {@code weight_ih_l{k} [4H, in]}, {@code weight_hh_l{k} [4H, H]},
 * {@code bias_ih_l{k}}, {@code bias_hh_l{k}} with the gates in PyTorch's order i, f, g, o:
 * <pre>
 *   gates = x_t W_ih^T + b_ih + h W_hh^T + b_hh;   i, f, o = sigmoid(...), g = tanh(...)
 *   c = f * c + i * g;   h = o * tanh(c)
 * </pre>
 * Backpropagation through time is the autograd graph of the unrolled loop.
 */
public final class LSTM extends Module {
    private final int inputSize;
    private final int hiddenSize;
    private final List<Tensor[]> layers = new ArrayList<>();   // {w_ih, w_hh, b_ih, b_hh}

    /** The sequence of top-layer states and the last state of every layer. */
    public record Output(Tensor output, Tensor hN, Tensor cN) {
    }

    public LSTM(int inputSize, int hiddenSize, int numLayers, Generator generator) {
        if (inputSize <= 0 || hiddenSize <= 0 || numLayers <= 0) {
            throw new IllegalArgumentException("LSTM: sizes and layer count must be positive, got input " + inputSize
                    + ", hidden " + hiddenSize + ", layers " + numLayers);
        }
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        for (int k = 0; k < numLayers; k++) {
            layers.add(Recurrence.register(this, k, k == 0 ? inputSize : hiddenSize, hiddenSize, 4, generator));
        }
    }

    /** The top layer's hidden state at every step, {@code [B, L, H]}, from zero initial states. */
    @Override
    public Tensor forward(Tensor input) {
        return run(input, null, null).output();
    }

    /** Runs over {@code input [B, L, in]} from {@code h0}, {@code c0} ({@code [layers, B, H]}, or null for zeros). */
    public Output run(Tensor input, Tensor h0, Tensor c0) {
        Recurrence.checkInput("LSTM", input, inputSize);
        int b = input.size(0);
        int steps = input.size(1);
        int h = hiddenSize;
        Tensor x = input;
        Tensor[] lastH = new Tensor[layers.size()];
        Tensor[] lastC = new Tensor[layers.size()];
        for (int k = 0; k < layers.size(); k++) {
            Tensor[] p = layers.get(k);
            Tensor hidden = Recurrence.initial("LSTM", h0, k, layers.size(), b, h);
            Tensor cell = Recurrence.initial("LSTM", c0, k, layers.size(), b, h);
            Tensor[] outputs = new Tensor[steps];
            for (int t = 0; t < steps; t++) {
                Tensor gates = Affine.linear(x.select(1, t), p[0], p[2]).add(Affine.linear(hidden, p[1], p[3]));
                Tensor i = gates.narrow(1, 0, h).sigmoid();
                Tensor f = gates.narrow(1, h, h).sigmoid();
                Tensor g = gates.narrow(1, 2 * h, h).tanh();
                Tensor o = gates.narrow(1, 3 * h, h).sigmoid();
                cell = f.mul(cell).add(i.mul(g));
                hidden = o.mul(cell.tanh());
                outputs[t] = hidden;
            }
            lastH[k] = hidden;
            lastC[k] = cell;
            x = Tensor.stack(1, outputs);
        }
        return new Output(x, Tensor.stack(0, lastH), Tensor.stack(0, lastC));
    }

    @Override
    public String toString() {
        return "LSTM(" + inputSize + ", " + hiddenSize + ", layers=" + layers.size() + ")";
    }
}
