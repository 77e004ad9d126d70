package dev.backprop.onnx.load;

import dev.backprop.onnx.proto.OnnxProto.AttributeProto;
import dev.backprop.onnx.proto.OnnxProto.TensorProto;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node's attributes by name, read with the default the ONNX specification gives when one is
 * absent. An op names the attributes it understands; any other is refused at import.
 */
final class Attributes {
    private final Map<String, AttributeProto> byName;

    private Attributes(Map<String, AttributeProto> byName) {
        this.byName = byName;
    }

    static Attributes of(List<AttributeProto> list) {
        Map<String, AttributeProto> map = new LinkedHashMap<>();
        for (AttributeProto a : list) {
            if (map.put(a.getName(), a) != null) {
                throw new IllegalArgumentException("attribute '" + a.getName() + "' is given twice");
            }
            if (a.hasRefAttrName() && !a.getRefAttrName().isEmpty()) {
                throw new IllegalArgumentException("attribute '" + a.getName() + "' refers to a function's attribute '"
                        + a.getRefAttrName() + "'; only graphs without functions are imported");
            }
        }
        return new Attributes(map);
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    /** Refuses an attribute outside {@code known}, naming it. */
    void allowOnly(Set<String> known) {
        for (String name : byName.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("attribute '" + name + "' is not supported (supported: "
                        + (known.isEmpty() ? "none" : String.join(", ", known)) + ")");
            }
        }
    }

    long getInt(String name, long fallback) {
        AttributeProto a = byName.get(name);
        if (a == null) {
            return fallback;
        }
        expect(a, AttributeProto.AttributeType.INT);
        return a.getI();
    }

    float getFloat(String name, float fallback) {
        AttributeProto a = byName.get(name);
        if (a == null) {
            return fallback;
        }
        expect(a, AttributeProto.AttributeType.FLOAT);
        return a.getF();
    }

    String getString(String name, String fallback) {
        AttributeProto a = byName.get(name);
        if (a == null) {
            return fallback;
        }
        expect(a, AttributeProto.AttributeType.STRING);
        return a.getS().toString(StandardCharsets.UTF_8);
    }

    /** The list, or null when absent. */
    long[] getInts(String name) {
        AttributeProto a = byName.get(name);
        if (a == null) {
            return null;
        }
        expect(a, AttributeProto.AttributeType.INTS);
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** The list, or null when absent. */
    float[] getFloats(String name) {
        AttributeProto a = byName.get(name);
        if (a == null) {
            return null;
        }
        expect(a, AttributeProto.AttributeType.FLOATS);
        float[] out = new float[a.getFloatsCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.getFloats(i);
        }
        return out;
    }

    /** The tensor, or null when absent. */
    TensorProto getTensor(String name) {
        AttributeProto a = byName.get(name);
        if (a == null) {
            return null;
        }
        expect(a, AttributeProto.AttributeType.TENSOR);
        return a.getT();
    }

    private static void expect(AttributeProto a, AttributeProto.AttributeType type) {
        // Files written before IR version 2 leave the type out; the field that is set then says it.
        if (a.hasType() && a.getType() != type) {
            throw new IllegalArgumentException("attribute '" + a.getName() + "' is " + a.getType() + ", expected " + type);
        }
    }
}
