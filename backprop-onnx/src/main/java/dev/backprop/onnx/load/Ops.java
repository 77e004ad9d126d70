package dev.backprop.onnx.load;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** Every ONNX op type the importer runs, by name (the default {@code ai.onnx} domain). */
final class Ops {
    private static final Map<String, Op.Definition> ALL = build();

    private Ops() {
    }

    private static Map<String, Op.Definition> build() {
        Map<String, Op.Definition> ops = new TreeMap<>();
        ElementwiseOps.register(ops);
        ShapeOps.register(ops);
        LayerOps.register(ops);
        return Collections.unmodifiableMap(ops);
    }

    /** The definition of {@code type}, or null when it is not supported. */
    static Op.Definition get(String type) {
        return ALL.get(type);
    }

    /** The supported op types, sorted. */
    static java.util.Set<String> types() {
        return ALL.keySet();
    }
}
