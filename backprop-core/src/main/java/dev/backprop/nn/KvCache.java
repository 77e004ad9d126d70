package dev.backprop.nn;

import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * The keys and values a {@link GPT} has computed for the tokens it has seen, one block per layer,
 * so that each new token costs one row of every layer instead of a pass over the whole context.
 * Each layer holds {@code [1, heads, block, head width]} buffers filled from position 0; attention
 * reads their filled part in place. Positions are absolute, so the cache holds at most the model's
 * context length; {@link GPT#decoder} decides what to do when it is full.
 */
final class KvCache {
    private final Layer[] layers;
    private int length;

    KvCache(int layers, int heads, int block, int headWidth) {
        this.layers = new Layer[layers];
        for (int i = 0; i < layers; i++) {
            this.layers[i] = new Layer(this, Tensor.zeros(1, heads, block, headWidth), Tensor.zeros(1, heads, block, headWidth));
        }
    }

    Layer layer(int i) {
        return layers[i];
    }

    /** Positions cached so far. */
    int length() {
        return length;
    }

    void clear() {
        length = 0;
    }

    /** Counts {@code n} more positions as cached, once every layer has appended them. */
    void advance(int n) {
        length += n;
    }

    /** One layer's buffers. */
    static final class Layer {
        private final KvCache owner;
        private final Tensor keys;
        private final Tensor values;

        private Layer(KvCache owner, Tensor keys, Tensor values) {
            this.owner = owner;
            this.keys = keys;
            this.values = values;
        }

        int length() {
            return owner.length;
        }

        /** Writes {@code n} new positions' keys and values {@code [1, heads, n, d]} and returns views of all filled ones. */
        Tensor[] append(Tensor k, Tensor v, int n) {
            int start = owner.length;
            if (start > 0 && n != 1) {
                throw new ShapeException("KV cache: after the prompt, tokens are added one at a time, got " + n);
            }
            if (start + n > keys.size(2)) {
                throw new ShapeException("KV cache: " + (start + n) + " positions exceed the model's context of " + keys.size(2));
            }
            try (var off = GradMode.noGrad()) {
                keys.narrow(2, start, n).copyInPlace(k);
                values.narrow(2, start, n).copyInPlace(v);
            }
            return new Tensor[] {keys.narrow(2, 0, start + n), values.narrow(2, 0, start + n)};
        }
    }
}
