package dev.backprop.testing;

import dev.backprop.nn.GPT;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;

/** The reference a decoder is checked against: the tensor forward pass over a whole sequence. */
public final class GptLogits {
    private GptLogits() {
    }

    /** The last position's logits of {@code gpt}'s full forward pass over {@code tokens}, in eval mode. */
    public static float[] last(GPT gpt, int[] tokens) {
        gpt.eval();
        float[] t = new float[tokens.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = tokens[i];
        }
        try (var off = GradMode.noGrad()) {
            return gpt.forward(Tensor.fromArray(t, 1, t.length)).select(1, t.length - 1).reshape(-1).toFloatArray();
        }
    }
}
