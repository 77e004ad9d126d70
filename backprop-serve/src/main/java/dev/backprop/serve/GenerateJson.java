package dev.backprop.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * The JSON of the protocol's generate extension for a GPT: {@code {"text_input": "ROMEO:", "parameters":
 * {"max_tokens": 100, "temperature": 0.8, "top_k": 40, "seed": 0}}} in, {@code {"model_name", "text_output"}} out (the
 * continuation alone), and the model's metadata (one BYTES input and output, its context and vocabulary).
 */
final class GenerateJson {
    private GenerateJson() {
    }

    /** Reads a generate request, or throws a 400 problem saying what was expected. */
    static ServedGenerator.Request request(byte[] body) {
        JsonNode root;
        try {
            root = InferenceProtocol.JSON.readTree(body);
        } catch (IOException e) {
            throw HttpProblem.badRequest("the body is not valid JSON: " + e.getMessage());
        }
        JsonNode text = root == null ? null : root.get(ServedGenerator.TEXT_INPUT);
        if (text == null || !text.isTextual()) {
            throw HttpProblem.badRequest("expected {\"text_input\": \"the prompt\", \"parameters\": {\"max_tokens\": 100,"
                    + " \"temperature\": 0.8, \"top_k\": 40, \"seed\": 0}}");
        }
        JsonNode params = root.path("parameters");
        return new ServedGenerator.Request(text.asText(), integer(params, "max_tokens", 100),
                (float) number(params, "temperature", 0.8), integer(params, "top_k", 40), (long) number(params, "seed", 0));
    }

    static byte[] response(ServedGenerator g, String text) {
        return InferenceProtocol.write(j -> {
            j.writeStartObject();
            j.writeStringField("model_name", g.name());
            j.writeStringField(ServedGenerator.TEXT_OUTPUT, text);
            j.writeEndObject();
        });
    }

    static byte[] metadata(ServedGenerator g) {
        return InferenceProtocol.write(j -> {
            j.writeStartObject();
            j.writeStringField("name", g.name());
            j.writeArrayFieldStart("versions");
            j.writeEndArray();
            j.writeStringField("platform", "backprop");
            j.writeArrayFieldStart("inputs");
            InferenceProtocol.writeSpec(j, text(ServedGenerator.TEXT_INPUT));
            j.writeEndArray();
            j.writeArrayFieldStart("outputs");
            InferenceProtocol.writeSpec(j, text(ServedGenerator.TEXT_OUTPUT));
            j.writeEndArray();
            j.writeNumberField("parameters_context", g.context());
            j.writeStringField("parameters_vocabulary", g.vocabulary());
            j.writeEndObject();
        });
    }

    /** One BYTES tensor of shape [1]. */
    private static ServedModel.TensorSpec text(String name) {
        return new ServedModel.TensorSpec(name, "BYTES", new long[] {1});
    }

    private static int integer(JsonNode params, String name, int fallback) {
        JsonNode v = params.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw HttpProblem.badRequest("parameters." + name + " is " + v + "; give a whole number");
        }
        return v.asInt();
    }

    private static double number(JsonNode params, String name, double fallback) {
        JsonNode v = params.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw HttpProblem.badRequest("parameters." + name + " is " + v + "; give a number");
        }
        return v.asDouble();
    }
}
