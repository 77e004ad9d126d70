package dev.backprop.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.tensor.Tensor;

/** Reads the reference format's tensors: {@code {"shape": [...], "data": [...]}}, row-major. */
final class ReferenceJson {
    private ReferenceJson() {
    }

    static Tensor tensor(JsonNode node, String where) {
        if (node == null || !node.has("shape") || !node.has("data")) {
            throw new MalformedReferenceException(where + ": expected {\"shape\": [...], \"data\": [...]}");
        }
        JsonNode shapeNode = node.get("shape");
        int[] shape = new int[shapeNode.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asInt();
            n *= shape[i];
        }
        JsonNode dataNode = node.get("data");
        if (dataNode.size() != n) {
            throw new MalformedReferenceException(where + ": shape " + shapeNode + " needs " + n
                    + " values, data has " + dataNode.size());
        }
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) dataNode.get(i).asDouble();
        }
        return Tensor.fromArray(data, shape);
    }

    /** The reference values in double, to compare against without rounding them first. */
    static double[] values(JsonNode node) {
        JsonNode dataNode = node.get("data");
        double[] out = new double[dataNode.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dataNode.get(i).asDouble();
        }
        return out;
    }
}
