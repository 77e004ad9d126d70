package dev.backprop.conformance;

import com.fasterxml.jackson.databind.JsonNode;

/** Typed reads of a case's {@code attrs} object, with the PyTorch default when a key is absent. */
final class Attributes {
    private final JsonNode node;
    private final String where;

    Attributes(JsonNode node, String where) {
        this.node = node == null || node.isNull() ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : node;
        this.where = where;
    }

    boolean has(String key) {
        return node.has(key) && !node.get(key).isNull();
    }

    /** An int list; a single int is read as a one-element list. */
    int[] ints(String key) {
        JsonNode v = require(key);
        if (v.isArray()) {
            int[] out = new int[v.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = v.get(i).asInt();
            }
            return out;
        }
        return new int[] {v.asInt()};
    }

    /** A number list as doubles. */
    double[] doubles(String key) {
        JsonNode v = require(key);
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).asDouble();
        }
        return out;
    }

    /** A number at double precision (hyper-parameters such as 1e-8 stay exact). */
    double real(String key, double fallback) {
        return has(key) ? require(key).asDouble() : fallback;
    }

    int integer(String key, int fallback) {
        return has(key) ? require(key).asInt() : fallback;
    }

    int integer(String key) {
        return require(key).asInt();
    }

    float number(String key, float fallback) {
        return has(key) ? (float) require(key).asDouble() : fallback;
    }

    boolean bool(String key, boolean fallback) {
        return has(key) ? require(key).asBoolean() : fallback;
    }

    String text(String key, String fallback) {
        return has(key) ? require(key).asText() : fallback;
    }

    String note() {
        return text("note", "");
    }

    private JsonNode require(String key) {
        if (!has(key)) {
            throw new MalformedReferenceException(where + ": attribute '" + key + "' is missing");
        }
        return node.get(key);
    }
}
