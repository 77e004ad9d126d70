package dev.backprop.onnx.load;

import dev.backprop.nn.Module;
import dev.backprop.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A group of imported weights that share a prefix: a weight named {@code layers.0.linear1.weight}
 * is parameter {@code weight} of the group at {@code layers.0.linear1}, so the model's state dict
 * names it exactly as the ONNX file (and PyTorch before it) did.
 */
final class ParameterTree extends Module {

    /** One weight: a trainable parameter, or a buffer (running statistics). */
    record Weight(Tensor tensor, boolean buffer) {
    }

    /** Weights split at their first dot: this level's own, and the groups below by their first part. */
    static final class Level {
        final Map<String, Weight> own = new LinkedHashMap<>();
        final Map<String, Level> groups = new LinkedHashMap<>();

        void place(String full, String rest, Weight w) {
            int dot = rest.indexOf('.');
            String head = dot < 0 ? rest : rest.substring(0, dot);
            boolean clash = dot < 0 ? groups.containsKey(head) || own.containsKey(head) : own.containsKey(head);
            if (head.isEmpty() || clash) {
                throw new IllegalArgumentException("weight '" + full + "' cannot be placed by its dotted name (an empty"
                        + " part, or a part that is also another weight's name)");
            }
            if (dot < 0) {
                own.put(head, w);
            } else {
                groups.computeIfAbsent(head, h -> new Level()).place(full, rest.substring(dot + 1), w);
            }
        }
    }

    /** The levels of {@code weights}' names. */
    static Level levels(Map<String, Weight> weights) {
        Level root = new Level();
        weights.forEach((name, w) -> root.place(name, name, w));
        return root;
    }

    ParameterTree(Level level) {
        level.own.forEach((name, w) -> {
            if (w.buffer()) {
                registerBuffer(name, w.tensor());
            } else {
                registerParameter(name, w.tensor());
            }
        });
        level.groups.forEach((name, g) -> registerModule(name, new ParameterTree(g)));
    }

    @Override
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException("a group of imported weights is not a layer; run the OnnxModel");
    }
}
