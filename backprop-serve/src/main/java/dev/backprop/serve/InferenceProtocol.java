package dev.backprop.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.backprop.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The Open Inference Protocol's (KServe V2) JSON: reading an inference request, checking it against the
 * model, and writing responses, metadata and errors. A request names one input tensor with its shape,
 * datatype and data (flat in row-major order, or nested); numbers of any of the protocol's numeric types
 * are accepted and read as 32-bit floats, texts as BYTES.
 */
final class InferenceProtocol {
    /** The protocol's numeric datatypes this server reads (all as FP32). */
    static final Set<String> NUMERIC = Set.of("FP32", "FP64", "FP16", "INT8", "INT16", "INT32", "INT64",
            "UINT8", "UINT16", "UINT32", "UINT64");
    private static final int MAX_NESTING = 8;

    /** NaN and Infinity are read (then refused with a message), not treated as malformed JSON. */
    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private static final JsonFactory FACTORY = JSON.getFactory();

    /** A decoded input tensor: numbers for a numeric datatype, texts for BYTES; {@code rows} is its first dimension. */
    record Input(String name, long[] shape, String datatype, float[] numbers, List<String> texts) {
        int rows() {
            return (int) shape[0];
        }
    }

    /** An inference request: its id (may be null), its inputs, and the outputs asked for (empty: all). */
    record Request(String id, List<Input> inputs, Set<String> outputs) {
    }

    private InferenceProtocol() {
    }

    /**
     * Reads a request body, or throws a 400 problem saying what is wrong and what was expected. The body is read
     * as a stream: the values of {@code data} go straight into a float array (a tree of nodes, one object per
     * number, was a third of the server's time for one MNIST image).
     */
    static Request parse(byte[] body) {
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw HttpProblem.badRequest("the body must be a JSON object {\"inputs\": [{\"name\", \"shape\","
                        + " \"datatype\", \"data\"}]}");
            }
            String id = null;
            List<Input> inputs = null;
            Set<String> outputs = new LinkedHashSet<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = value == JsonToken.VALUE_NULL ? null
                            : value.isScalarValue() ? p.getText() : p.readValueAsTree().toString();
                    case "inputs" -> inputs = inputs(p);
                    case "outputs" -> outputs = outputs(p.readValueAsTree());
                    default -> p.skipChildren();
                }
            }
            if (inputs == null || inputs.isEmpty()) {
                throw HttpProblem.badRequest("the request has no \"inputs\": expected an array of input tensors, each"
                        + " {\"name\", \"shape\", \"datatype\", \"data\"}");
            }
            return new Request(id, inputs, outputs);
        } catch (JsonProcessingException e) {
            throw HttpProblem.badRequest("the body is not valid JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Input> inputs(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        List<Input> inputs = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String where = "inputs[" + inputs.size() + "]";
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw HttpProblem.badRequest(where + " must be an object {\"name\", \"shape\", \"datatype\", \"data\"}");
            }
            JsonNode name = null;
            JsonNode shape = null;
            JsonNode datatype = null;
            Leaves data = null;
            boolean dataSeen = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "name" -> name = p.readValueAsTree();
                    case "shape" -> shape = p.readValueAsTree();
                    case "datatype" -> datatype = p.readValueAsTree();
                    case "data" -> {
                        dataSeen = p.currentToken() != JsonToken.VALUE_NULL;
                        data = dataSeen ? Leaves.read(p, where) : null;
                    }
                    default -> p.skipChildren();
                }
            }
            inputs.add(input(name, shape, datatype, dataSeen ? data : null, where));
        }
        return inputs;
    }

    private static Set<String> outputs(JsonNode wanted) {
        Set<String> outputs = new LinkedHashSet<>();
        if (wanted == null || wanted.isNull()) {
            return outputs;
        }
        if (!wanted.isArray()) {
            throw HttpProblem.badRequest("\"outputs\" must be an array of {\"name\"}, got " + wanted.getNodeType());
        }
        for (int i = 0; i < wanted.size(); i++) {
            JsonNode name = wanted.get(i).get("name");
            if (name == null || !name.isTextual()) {
                throw HttpProblem.badRequest("outputs[" + i + "] has no \"name\" string");
            }
            outputs.add(name.asText());
        }
        return outputs;
    }

    private static Input input(JsonNode name, JsonNode shapeNode, JsonNode type, Leaves data, String where) {
        if (name == null || !name.isTextual()) {
            throw HttpProblem.badRequest(where + " has no \"name\" string");
        }
        where = where + " (\"" + name.asText() + "\")";
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.isEmpty()) {
            throw HttpProblem.badRequest(where + " has no \"shape\": expected an array of sizes, such as [1, 4]");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int d = 0; d < shape.length; d++) {
            JsonNode size = shapeNode.get(d);
            if (!size.canConvertToLong() || !size.isIntegralNumber() || size.asLong() < 0) {
                throw HttpProblem.badRequest(where + ": shape[" + d + "] is " + size + "; sizes are whole numbers >= 0");
            }
            shape[d] = size.asLong();
            try {
                count = Math.multiplyExact(count, shape[d]);
            } catch (ArithmeticException e) {
                throw HttpProblem.badRequest(where + ": shape " + shapeNode + " holds too many values");
            }
        }
        if (shape[0] < 1 || shape[0] > Integer.MAX_VALUE) {
            throw HttpProblem.badRequest(where + ": the first dimension (rows) is " + shape[0] + "; at least 1 row is needed");
        }
        if (type == null || !type.isTextual()) {
            throw HttpProblem.badRequest(where + " has no \"datatype\": expected FP32 (or another numeric type) or BYTES");
        }
        if (data == null) {
            throw HttpProblem.badRequest(where + " has no \"data\"");
        }
        return decode(name.asText(), shape, count, type.asText(), data, where);
    }

    /** The values of a {@code data} array (flat or nested) held in a tree, as {@link #decode(String, long[], long, String, Leaves, String)} takes them. */
    static Input decode(String name, long[] shape, long count, String datatype, JsonNode data, String where) {
        try (JsonParser p = JSON.treeAsTokens(data)) {
            p.nextToken();
            return decode(name, shape, count, datatype, Leaves.read(p, where), where);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The values of a {@code data} array as a tensor of {@code shape} holding {@code count} values, checked against the datatype. */
    static Input decode(String name, long[] shape, long count, String datatype, Leaves data, String where) {
        if (datatype.equals("BYTES")) {
            if (data.firstNumber != null) {
                throw HttpProblem.badRequest(where + ": BYTES data must be strings, found " + data.firstNumber);
            }
            if (data.firstOther != null) {
                throw HttpProblem.badRequest(where + ": BYTES data must be strings, found " + data.firstOther);
            }
            checkCount(where, shape, count, data.texts.size());
            return new Input(name, shape, datatype, null, data.texts);
        }
        if (!NUMERIC.contains(datatype)) {
            throw HttpProblem.badRequest(where + ": datatype " + datatype + " is not one of the protocol's; expected FP32"
                    + " (or FP64, INT32, ...) for numbers, BYTES for texts");
        }
        if (data.firstOtherAt >= 0 || !data.texts.isEmpty()) {
            int at = data.firstOtherAt >= 0 ? data.firstOtherAt : data.firstTextAt;
            String value = data.firstOtherAt >= 0 ? data.firstOther : "\"" + data.texts.get(0) + "\"";
            throw HttpProblem.badRequest(where + ": value " + at + " is " + value + "; " + datatype + " data must be numbers");
        }
        boolean integral = datatype.startsWith("INT") || datatype.startsWith("UINT");
        if (integral && data.firstFractionAt >= 0) {
            throw HttpProblem.badRequest(where + ": value " + data.firstFractionAt + " is " + data.firstFraction + "; "
                    + datatype + " data must be whole numbers");
        }
        checkCount(where, shape, count, data.count);   // then count is no more than the body's size
        return new Input(name, shape, datatype, Arrays.copyOf(data.numbers, data.count), null);
    }

    private static void checkCount(String where, long[] shape, long expected, long found) {
        if (found != expected) {
            throw HttpProblem.badRequest(where + ": shape " + Arrays.toString(shape) + " holds " + expected
                    + " values but \"data\" has " + found);
        }
    }

    /** The leaves of a {@code data} array, read from a stream: numbers as floats, texts, and the first leaf of another kind. */
    static final class Leaves {
        float[] numbers = new float[1024];
        int count;
        final List<String> texts = new ArrayList<>();
        int firstTextAt = -1;
        String firstNumber;
        String firstOther;
        int firstOtherAt = -1;
        String firstFraction;
        int firstFractionAt = -1;

        /** Reads the array the parser stands on, to its end. */
        static Leaves read(JsonParser p, String where) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw HttpProblem.badRequest(where + ": \"data\" must be an array (flat in row-major order, or nested)");
            }
            Leaves leaves = new Leaves();
            int depth = 0;
            int index = 0;
            for (JsonToken t = p.currentToken(); t != null; t = p.nextToken()) {
                switch (t) {
                    case START_ARRAY -> {
                        if (++depth > MAX_NESTING) {
                            throw HttpProblem.badRequest(where + ": \"data\" is nested deeper than " + MAX_NESTING + " levels");
                        }
                    }
                    case END_ARRAY -> depth--;
                    case VALUE_NUMBER_INT -> {
                        leaves.number(p.getNumberType() == JsonParser.NumberType.INT
                                ? p.getIntValue() : (float) p.getDoubleValue(), p);
                        index++;
                    }
                    case VALUE_NUMBER_FLOAT -> {
                        float v = p.getFloatValue();
                        if (leaves.firstFractionAt < 0 && v != Math.rint(v)) {
                            leaves.firstFraction = p.getText();
                            leaves.firstFractionAt = index;
                        }
                        leaves.number(v, p);
                        index++;
                    }
                    case VALUE_STRING -> {
                        if (leaves.firstTextAt < 0) {
                            leaves.firstTextAt = index;
                        }
                        leaves.texts.add(p.getText());
                        index++;
                    }
                    default -> {
                        if (leaves.firstOtherAt < 0) {
                            leaves.firstOther = t.isStructStart() ? p.readValueAsTree().toString() : p.getText();
                            leaves.firstOtherAt = index;
                        } else {
                            p.skipChildren();
                        }
                        index++;
                    }
                }
                if (depth == 0) {
                    break;
                }
            }
            return leaves;
        }

        private void number(float v, JsonParser p) throws IOException {
            if (firstNumber == null) {
                firstNumber = p.getText();
            }
            if (count == numbers.length) {
                numbers = Arrays.copyOf(numbers, numbers.length * 2);
            }
            numbers[count++] = v;
        }
    }

    /** The response to an inference: the outputs asked for (all when none was named), each for every row. */
    static byte[] response(ServedModel model, String id, Set<String> wanted, float[] logits, int rows) {
        int k = model.outputs();
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("model_name", model.name());
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeArrayFieldStart("outputs");
            for (ServedModel.TensorSpec spec : model.outputSpecs()) {
                if (!wanted.isEmpty() && !wanted.contains(spec.name())) {
                    continue;
                }
                g.writeStartObject();
                g.writeStringField("name", spec.name());
                g.writeStringField("datatype", spec.datatype());
                g.writeArrayFieldStart("shape");
                g.writeNumber(rows);
                if (spec.shape().length > 1) {
                    g.writeNumber(k);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data");
                switch (spec.name()) {
                    case ServedModel.LOGITS, ServedModel.EMBEDDING -> {
                        for (float v : logits) {
                            g.writeNumber(v);
                        }
                    }
                    case ServedModel.PROBABILITIES -> {
                        for (int r = 0; r < rows; r++) {
                            for (float p : softmax(logits, r, k)) {
                                g.writeNumber(p);
                            }
                        }
                    }
                    case ServedModel.LABEL -> {
                        for (int r = 0; r < rows; r++) {
                            g.writeString(model.classNames().get(argmax(logits, r, k)));
                        }
                    }
                    default -> throw new IllegalStateException("output " + spec.name());
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** Softmax of row {@code r} of {@code [rows, k]} logits, by the tensor library's own {@code softmax}. */
    static float[] softmax(float[] logits, int r, int k) {
        return Tensor.fromArray(Arrays.copyOfRange(logits, r * k, (r + 1) * k), k).softmax(0).toFloatArray();
    }

    static int argmax(float[] logits, int r, int k) {
        int best = 0;
        for (int j = 1; j < k; j++) {
            if (logits[r * k + j] > logits[r * k + best]) {
                best = j;
            }
        }
        return best;
    }

    /** The model's metadata: name, platform, and its input and outputs with datatypes and shapes (-1: any rows). */
    static byte[] metadata(ServedModel model) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("name", model.name());
            g.writeArrayFieldStart("versions");
            g.writeEndArray();
            g.writeStringField("platform", "backprop");
            g.writeArrayFieldStart("inputs");
            writeSpec(g, model.input());
            g.writeEndArray();
            g.writeArrayFieldStart("outputs");
            for (ServedModel.TensorSpec spec : model.outputSpecs()) {
                writeSpec(g, spec);
            }
            g.writeEndArray();
            if (model.classifies()) {
                g.writeArrayFieldStart("parameters_classes");
                for (String c : model.classNames()) {
                    g.writeString(c);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        });
    }

    /** One tensor's name, datatype and shape, as the protocol's metadata lists them. */
    static void writeSpec(JsonGenerator g, ServedModel.TensorSpec spec) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", spec.name());
        g.writeStringField("datatype", spec.datatype());
        g.writeArrayFieldStart("shape");
        for (long d : spec.shape()) {
            g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** {@code {"error": message}}, the protocol's error body. */
    static byte[] error(String message) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        });
    }

    /** Writes JSON through a streaming generator. */
    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] write(Writer writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
