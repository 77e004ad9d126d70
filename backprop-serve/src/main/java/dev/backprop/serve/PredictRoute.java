package dev.backprop.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.data.CsvReader;
import dev.backprop.data.DataFormatException;
import dev.backprop.text.mail.MailText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;

/**
 * {@code POST /models/{name}/predict}, the route for people with curl: JSON {@code {"instances": [row, ...]}} (a row:
 * numbers, nested or flat, or a text), CSV rows of raw features ({@code text/csv}, a header line recognised), an
 * image ({@code image/*}: PNG, JPEG, BMP, GIF, PGM) for a model of greyscale images, or one text or e-mail for a text
 * model (any other type). Answers each input's label, probability and top classes ({@code ?top=K}, 3 by default), a
 * regressor's values, or a sentence encoder's embedding.
 */
final class PredictRoute {
    /** The request's rows, ready for the model, how many, and how many classes to list. */
    record Input(ServedModel.Rows rows, int count, int top) {
    }

    private PredictRoute() {
    }

    static Input read(Exchange ex, ServedModel model, byte[] body) {
        String type = String.valueOf(ex.request.getHeaders().get(HttpHeader.CONTENT_TYPE)).toLowerCase(Locale.ROOT);
        ServedModel.Rows rows;
        int n;
        if (type.startsWith("application/json")) {
            JsonNode instances;
            try {
                JsonNode root = InferenceProtocol.JSON.readTree(body);
                instances = root == null ? null : root.get("instances");
            } catch (IOException e) {
                throw HttpProblem.badRequest("the body is not valid JSON: " + e.getMessage());
            }
            if (instances == null || !instances.isArray() || instances.isEmpty()) {
                throw HttpProblem.badRequest("expected {\"instances\": [...]}, one entry per input: "
                        + (model.takesText() ? "a text" : "an array of " + model.features() + " numbers"));
            }
            n = instances.size();
            if (model.takesText()) {
                List<String> texts = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (!instances.get(i).isTextual()) {
                        throw HttpProblem.badRequest("instances[" + i + "] is not a text; model '" + model.name()
                                + "' takes texts");
                    }
                    texts.add(instances.get(i).asText());
                }
                rows = model.textRows(texts);
            } else {
                int f = model.features();
                for (int i = 0; i < n; i++) {
                    int values = instances.get(i).isArray() ? countLeaves(instances.get(i)) : 1;
                    if (values != f) {
                        throw HttpProblem.badRequest("instances[" + i + "] has " + values + " values; model '" + model.name()
                                + "' takes " + f + " per instance (flat or nested)");
                    }
                }
                InferenceProtocol.Input in = InferenceProtocol.decode(ServedModel.INPUT, new long[] {n, f}, (long) n * f,
                        "FP32", instances, "instances");
                rows = model.numberRows(in.numbers(), n, "instances");
            }
        } else if (type.startsWith("text/csv")) {
            if (model.takesText()) {
                throw HttpProblem.badRequest("model '" + model.name() + "' takes a text (text/plain), not CSV rows");
            }
            float[] values = csv(body, model.features());
            n = values.length / model.features();
            rows = model.numberRows(values, n, "CSV");
        } else if (type.startsWith("image/")) {
            rows = model.imageRows(body);
            n = 1;
        } else if (model.takesText()) {
            String text = MailText.looksLikeMail(body) ? MailText.of(body) : new String(body, StandardCharsets.UTF_8);
            rows = model.textRows(List.of(text));
            n = 1;
        } else {
            throw new HttpProblem(415, "Content-Type " + type + " is not taken here; send application/json"
                    + " {\"instances\": [...]}, text/csv rows of " + model.features() + " raw features"
                    + (model.imageSide() > 0 ? ", or an image (image/png, image/jpeg, ...)" : ""));
        }
        return new Input(rows, n, top(ex));
    }

    private static int countLeaves(JsonNode node) {
        if (!node.isArray()) {
            return 1;
        }
        int n = 0;
        for (JsonNode child : node) {
            n += countLeaves(child);
        }
        return n;
    }

    private static float[] csv(byte[] body, int features) {
        try {
            return CsvReader.featureRows(body, "the CSV body", features);
        } catch (DataFormatException e) {
            throw HttpProblem.badRequest(e.getMessage());
        } catch (IOException e) {
            throw HttpProblem.badRequest("the CSV body could not be read: " + e.getMessage());
        }
    }

    private static int top(Exchange ex) {
        String query = ex.request.getHttpURI().getQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("top=")) {
                    try {
                        int k = Integer.parseInt(pair.substring(4));
                        if (k >= 1) {
                            return k;
                        }
                    } catch (NumberFormatException e) {
                        // refused below
                    }
                    throw HttpProblem.badRequest("top=" + pair.substring(4) + ": give a whole number of classes >= 1");
                }
            }
        }
        return 3;
    }

    /** Each input's label, probability and top classes, or a regressor's values. */
    static byte[] answer(ServedModel model, float[] out, Input in) {
        int n = in.count();
        int top = in.top();
        int k = model.outputs();
        return InferenceProtocol.write(g -> {
            g.writeStartObject();
            g.writeStringField("model", model.name());
            g.writeArrayFieldStart("predictions");
            for (int r = 0; r < n; r++) {
                g.writeStartObject();
                if (model.classifies()) {
                    float[] p = InferenceProtocol.softmax(out, r, k);
                    List<Integer> order = new ArrayList<>();
                    for (int j = 0; j < k; j++) {
                        order.add(j);
                    }
                    order.sort(Comparator.comparingDouble(j -> -p[j]));
                    g.writeStringField("label", model.classNames().get(order.get(0)));
                    g.writeNumberField("probability", p[order.get(0)]);
                    g.writeArrayFieldStart("top");
                    for (int j : order.subList(0, Math.min(top, k))) {
                        g.writeStartObject();
                        g.writeStringField("label", model.classNames().get(j));
                        g.writeNumberField("probability", p[j]);
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                } else {
                    g.writeArrayFieldStart(model.embeds() ? "embedding" : "values");
                    for (int j = 0; j < k; j++) {
                        g.writeNumber(out[r * k + j]);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }
}
