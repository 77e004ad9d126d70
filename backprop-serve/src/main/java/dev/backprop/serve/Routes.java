package dev.backprop.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.data.CsvReader;
import dev.backprop.data.DataFormatException;
import dev.backprop.tensor.Tensor;
import dev.backprop.text.mail.MailText;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The server's routes: the Open Inference Protocol's (health, server and model metadata, inference), a
 * convenience route for people with curl ({@code POST /models/{name}/predict} with JSON instances, CSV rows
 * or a text), the model list, Prometheus metrics and the OpenAPI description. Nothing here blocks a
 * thread: bodies are read asynchronously with a deadline, and an inference's answer is written when its
 * batch completes.
 */
final class Routes extends Handler.Abstract.NonBlocking {
    private static final String JSON = "application/json";

    private final Map<String, ServedModel> models;
    private final Map<String, DynamicBatcher> batchers;
    private final Map<String, ServedGenerator> generators;
    private final List<String> names;
    private final ServerMetrics metrics;
    private final ServeConfig config;
    private final Executor executor;
    private final byte[] openApi;
    private volatile boolean ready;

    Routes(Map<String, ServedModel> models, Map<String, DynamicBatcher> batchers, Map<String, ServedGenerator> generators,
           List<String> names, ServerMetrics metrics, ServeConfig config, Executor executor, byte[] openApi) {
        this.models = models;
        this.batchers = batchers;
        this.generators = generators;
        this.names = names;
        this.metrics = metrics;
        this.config = config;
        this.executor = executor;
        this.openApi = openApi;
    }

    /** Whether {@code /v2/health/ready} says ready: after start, until shutdown begins. */
    void ready(boolean value) {
        ready = value;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange ex = new Exchange(request, response, callback);
        try {
            route(ex, request.getMethod(), Request.getPathInContext(request));
        } catch (HttpProblem p) {
            ex.fail(p);
        } catch (RuntimeException | Error e) {
            ex.internal(e);
        }
        return true;
    }

    private void route(Exchange ex, String method, String path) {
        List<String> parts = segments(path);
        if (parts.size() >= 3 && parts.get(0).equals("v2") && parts.get(1).equals("models")
                && generators.containsKey(parts.get(2))) {
            generatorRoute(ex, method, path, parts, generators.get(parts.get(2)));
            return;
        }
        if (parts.size() >= 3 && parts.get(0).equals("v2") && parts.get(1).equals("models")) {
            ServedModel model = model(ex, parts.get(2));
            if (parts.size() == 3) {
                ex.route = "metadata";
                get(ex, method, () -> ex.send(200, JSON, InferenceProtocol.metadata(model)));
            } else if (parts.size() == 4 && parts.get(3).equals("ready")) {
                ex.route = "model_ready";
                get(ex, method, () -> ex.json(200, "{\"name\":\"" + model.name() + "\",\"ready\":" + ready + "}"));
            } else if (parts.size() == 4 && parts.get(3).equals("infer")) {
                ex.route = "infer";
                post(ex, method, () -> {
                    ex.expect(batchers.get(model.name()));
                    readBody(ex, body -> infer(ex, model, body));
                });
            } else if (parts.size() >= 4 && parts.get(3).equals("versions")) {
                throw new HttpProblem(404, "model versions are not kept: each model has one; use /v2/models/"
                        + model.name() + "/infer");
            } else {
                notFound(path);
            }
            return;
        }
        if (parts.size() == 3 && parts.get(0).equals("models") && parts.get(2).equals("predict")) {
            if (generators.containsKey(parts.get(1))) {
                throw HttpProblem.badRequest("model '" + parts.get(1) + "' generates text: POST /v2/models/" + parts.get(1)
                        + "/generate {\"text_input\": \"...\", \"parameters\": {\"max_tokens\": 100}}");
            }
            ServedModel model = model(ex, parts.get(1));
            ex.route = "predict";
            post(ex, method, () -> {
                ex.expect(batchers.get(model.name()));
                readBody(ex, body -> predict(ex, model, body));
            });
            return;
        }
        String joined = String.join("/", parts);
        switch (joined) {
            case "v2/health/live" -> {
                ex.route = "live";
                get(ex, method, () -> ex.json(200, "{\"live\":true}"));
            }
            case "v2/health/ready" -> {
                ex.route = "ready";
                get(ex, method, () -> ex.json(ready ? 200 : 503, "{\"ready\":" + ready + "}"));
            }
            case "v2" -> {
                ex.route = "server_metadata";
                get(ex, method, () -> ex.send(200, JSON, InferenceProtocol.write(g -> {
                    g.writeStartObject();
                    g.writeStringField("name", "backprop");
                    g.writeStringField("version", version());
                    g.writeArrayFieldStart("extensions");
                    g.writeEndArray();
                    g.writeEndObject();
                })));
            }
            case "models" -> {
                ex.route = "models";
                get(ex, method, () -> ex.send(200, JSON, InferenceProtocol.write(g -> {
                    g.writeStartObject();
                    g.writeArrayFieldStart("models");
                    for (String name : names) {
                        g.writeString(name);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                })));
            }
            case "metrics" -> {
                ex.route = "metrics";
                get(ex, method, () -> ex.send(200, metrics.contentType(), metrics.scrape()));
            }
            case "openapi.json" -> {
                ex.route = "openapi";
                get(ex, method, () -> ex.send(200, JSON, openApi));
            }
            default -> notFound(path);
        }
    }

    /**
     * A GPT's routes: its metadata and readiness, and {@code POST /v2/models/{name}/generate} (the protocol's generate
     * extension): {@code {"text_input": "ROMEO:", "parameters": {"max_tokens": 100, "temperature": 0.8, "top_k": 40,
     * "seed": 0}}} gives {@code {"model_name", "text_output"}}, the continuation alone.
     */
    private void generatorRoute(Exchange ex, String method, String path, List<String> parts, ServedGenerator g) {
        ex.model = g.name();
        if (parts.size() == 3) {
            ex.route = "metadata";
            get(ex, method, () -> ex.send(200, JSON, InferenceProtocol.write(j -> {
                j.writeStartObject();
                j.writeStringField("name", g.name());
                j.writeArrayFieldStart("versions");
                j.writeEndArray();
                j.writeStringField("platform", "backprop");
                j.writeArrayFieldStart("inputs");
                j.writeStartObject();
                j.writeStringField("name", ServedGenerator.TEXT_INPUT);
                j.writeStringField("datatype", "BYTES");
                j.writeArrayFieldStart("shape");
                j.writeNumber(1);
                j.writeEndArray();
                j.writeEndObject();
                j.writeEndArray();
                j.writeArrayFieldStart("outputs");
                j.writeStartObject();
                j.writeStringField("name", ServedGenerator.TEXT_OUTPUT);
                j.writeStringField("datatype", "BYTES");
                j.writeArrayFieldStart("shape");
                j.writeNumber(1);
                j.writeEndArray();
                j.writeEndObject();
                j.writeEndArray();
                j.writeNumberField("parameters_context", g.context());
                j.writeStringField("parameters_vocabulary", g.vocabulary());
                j.writeEndObject();
            })));
        } else if (parts.size() == 4 && parts.get(3).equals("ready")) {
            ex.route = "model_ready";
            get(ex, method, () -> ex.json(200, "{\"name\":\"" + g.name() + "\",\"ready\":" + ready + "}"));
        } else if (parts.size() == 4 && parts.get(3).equals("generate")) {
            ex.route = "generate";
            post(ex, method, () -> readBody(ex, body -> generate(ex, g, body)));
        } else if (parts.size() == 4 && parts.get(3).equals("infer")) {
            throw HttpProblem.badRequest("model '" + g.name() + "' generates text: POST /v2/models/" + g.name()
                    + "/generate {\"text_input\": \"...\", \"parameters\": {\"max_tokens\": 100}}");
        } else {
            notFound(path);
        }
    }

    private void generate(Exchange ex, ServedGenerator g, byte[] body) {
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
        ServedGenerator.Request request = new ServedGenerator.Request(text.asText(),
                integer(params, "max_tokens", 100), (float) number(params, "temperature", 0.8),
                integer(params, "top_k", 40), (long) number(params, "seed", 0));
        g.submit(request).whenCompleteAsync((out, err) -> {
            try {
                if (err != null) {
                    ex.internal(err instanceof CompletionException && err.getCause() != null ? err.getCause() : err);
                    return;
                }
                ex.send(200, JSON, InferenceProtocol.write(j -> {
                    j.writeStartObject();
                    j.writeStringField("model_name", g.name());
                    j.writeStringField(ServedGenerator.TEXT_OUTPUT, out);
                    j.writeEndObject();
                }));
            } catch (RuntimeException | Error e) {
                ex.internal(e);
            }
        }, executor);
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

    private static void notFound(String path) {
        throw new HttpProblem(404, "no route " + path + "; the routes are GET /v2, /v2/health/live, /v2/health/ready,"
                + " /v2/models/{name}, /v2/models/{name}/ready, POST /v2/models/{name}/infer, POST /models/{name}/predict,"
                + " POST /v2/models/{name}/generate (a GPT), GET /models, /metrics, /openapi.json");
    }

    private static List<String> segments(String path) {
        List<String> parts = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                parts.add(s);
            }
        }
        return parts;
    }

    private ServedModel model(Exchange ex, String name) {
        ServedModel model = models.get(name);
        if (model == null) {
            throw new HttpProblem(404, "no model named '" + name + "'; this server has " + names);
        }
        ex.model = name;
        return model;
    }

    private static void get(Exchange ex, String method, Runnable then) {
        allow(ex, method, "GET", then);
    }

    private static void post(Exchange ex, String method, Runnable then) {
        allow(ex, method, "POST", then);
    }

    private static void allow(Exchange ex, String method, String allowed, Runnable then) {
        if (method.equals(allowed) || (allowed.equals("GET") && method.equals("HEAD"))) {
            then.run();
            return;
        }
        ex.response.getHeaders().put(HttpHeader.ALLOW, allowed);
        throw new HttpProblem(405, method + " is not allowed here; use " + allowed);
    }

    /** Reads the whole body, at most the configured size, within the read timeout; then hands it on. */
    private void readBody(Exchange ex, Consumer<byte[]> then) {
        long length = ex.request.getLength();
        if (length > config.maxRequestBytes()) {
            throw new HttpProblem(413, "the body is " + length + " bytes; this server takes at most "
                    + config.maxRequestBytes() + " (--max-request-bytes)");
        }
        Content.Source.asByteArrayAsync(ex.request, config.maxRequestBytes())
                .orTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((body, err) -> {
                    try {
                        if (err != null) {
                            throw readProblem(err);
                        }
                        then.accept(body);
                    } catch (HttpProblem p) {
                        ex.fail(p);
                    } catch (RuntimeException | Error e) {
                        ex.internal(e);
                    }
                });
    }

    private HttpProblem readProblem(Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause instanceof TimeoutException) {
            return new HttpProblem(408, "the request body did not arrive within " + config.readTimeout().toMillis()
                    + " ms (--read-timeout)");
        }
        String message = String.valueOf(cause.getMessage());
        if (message.toLowerCase(Locale.ROOT).contains("max size")) {   // Jetty's words when a body outgrows the limit
            return new HttpProblem(413, "the body is larger than this server takes, " + config.maxRequestBytes()
                    + " bytes (--max-request-bytes)");
        }
        return new HttpProblem(400, "the request body could not be read: " + message);
    }

    private void infer(Exchange ex, ServedModel model, byte[] body) {
        InferenceProtocol.Request req = InferenceProtocol.parse(body);
        String expected = model.input().name();
        if (req.inputs().size() != 1 || !req.inputs().get(0).name().equals(expected)) {
            throw HttpProblem.badRequest("model '" + model.name() + "' takes one input named '" + expected + "' ("
                    + model.input().datatype() + ", shape " + java.util.Arrays.toString(model.input().shape())
                    + "); the request has " + req.inputs().stream().map(InferenceProtocol.Input::name).toList());
        }
        Set<String> known = new java.util.LinkedHashSet<>();
        model.outputSpecs().forEach(s -> known.add(s.name()));
        for (String name : req.outputs()) {
            if (!known.contains(name)) {
                throw HttpProblem.badRequest("model '" + model.name() + "' has no output '" + name + "'; it has " + known);
            }
        }
        InferenceProtocol.Input in = req.inputs().get(0);
        Tensor rows = rows(model, in);
        run(ex, model, rows, in.rows(), out -> ex.send(200, JSON,
                InferenceProtocol.response(model, req.id(), req.outputs(), out, in.rows())));
    }

    private static Tensor rows(ServedModel model, InferenceProtocol.Input in) {
        String where = "input '" + in.name() + "'";
        long[] expected = model.input().shape();
        if (model.takesText()) {
            if (!in.datatype().equals("BYTES")) {
                throw HttpProblem.badRequest(where + " is " + in.datatype() + "; model '" + model.name()
                        + "' takes texts, datatype BYTES, shape [-1]");
            }
            if (in.shape().length != 1) {
                throw HttpProblem.badRequest(where + " has shape " + java.util.Arrays.toString(in.shape())
                        + "; expected [rows], one text per row");
            }
            return model.textRows(in.texts());
        }
        if (in.numbers() == null) {
            throw HttpProblem.badRequest(where + " is BYTES; model '" + model.name() + "' takes numbers (FP32, shape "
                    + java.util.Arrays.toString(expected) + ")");
        }
        // [rows, ...] exactly as the metadata says, or each row flattened to [rows, features]
        boolean exact = in.shape().length == expected.length;
        for (int d = 1; exact && d < expected.length; d++) {
            exact = in.shape()[d] == expected[d];
        }
        long features = 1;
        for (int d = 1; d < expected.length; d++) {
            features *= expected[d];
        }
        boolean flat = in.shape().length == 2 && in.shape()[1] == features;
        if (!exact && !flat) {
            throw HttpProblem.badRequest(where + " has shape " + java.util.Arrays.toString(in.shape()) + "; model '"
                    + model.name() + "' takes " + java.util.Arrays.toString(expected)
                    + (expected.length > 2 ? " (or [-1, " + features + "], each row flattened)" : "")
                    + ", -1 being any number of rows");
        }
        return model.numberRows(in.numbers(), in.rows(), where);
    }

    /** Queues rows on the model's batcher; writes the answer (or the failure) when the batch has run. */
    private void run(Exchange ex, ServedModel model, Tensor rows, int n, Consumer<float[]> answer) {
        ex.expecting = null;   // submit counts it as arrived
        CompletableFuture<float[]> result = batchers.get(model.name()).submit(rows);
        result.whenCompleteAsync((out, err) -> {
            try {
                if (err != null) {
                    Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                    ex.internal(cause);
                    return;
                }
                answer.accept(out);
            } catch (HttpProblem p) {
                ex.fail(p);
            } catch (RuntimeException | Error e) {
                ex.internal(e);
            }
        }, executor);
    }

    /**
     * {@code POST /models/{name}/predict}: JSON {@code {"instances": [row, ...]}} (a row: numbers, nested or flat,
     * or a text), CSV rows of raw features ({@code text/csv}), or one text or e-mail for a text model (any other type).
     * Answers classes with probabilities, or the regressed values.
     */
    private void predict(Exchange ex, ServedModel model, byte[] body) {
        String type = String.valueOf(ex.request.getHeaders().get(HttpHeader.CONTENT_TYPE)).toLowerCase(Locale.ROOT);
        Tensor rows;
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
                        + (model.takesText() ? "a text" : "an array of " + features(model) + " numbers"));
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
                int f = features(model);
                InferenceProtocol.Input in = InferenceProtocol.decode(ServedModel.INPUT, new long[] {n, f}, (long) n * f,
                        "FP32", instances, "instances");
                rows = model.numberRows(in.numbers(), n, "instances");
            }
        } else if (type.startsWith("text/csv")) {
            if (model.takesText()) {
                throw HttpProblem.badRequest("model '" + model.name() + "' takes a text (text/plain), not CSV rows");
            }
            float[] values = csv(body, features(model));
            n = values.length / features(model);
            rows = model.numberRows(values, n, "CSV");
        } else if (model.takesText()) {
            String text = MailText.looksLikeMail(body) ? MailText.of(body) : new String(body, StandardCharsets.UTF_8);
            rows = model.textRows(List.of(text));
            n = 1;
        } else {
            throw new HttpProblem(415, "Content-Type " + type + " is not taken here; send application/json"
                    + " {\"instances\": [...]} or text/csv rows of " + features(model) + " raw features");
        }
        int top = top(ex);
        run(ex, model, rows, n, out -> ex.send(200, JSON, predictions(model, out, n, top)));
    }

    private static int features(ServedModel model) {
        int f = 1;
        for (int d : model.featureShape()) {
            f *= d;
        }
        return f;
    }

    private static float[] csv(byte[] body, int features) {
        String first = new String(body, 0, Math.min(body.length, 4096), StandardCharsets.UTF_8).lines().findFirst().orElse("");
        boolean header = first.chars().anyMatch(Character::isLetter)
                && !first.toLowerCase(Locale.ROOT).matches("[-+0-9.e,\\s]*");
        CsvReader.Table t;
        try {
            t = CsvReader.read(new ByteArrayInputStream(body), "the CSV body", CsvReader.Format.DEFAULT.withHeader(header));
        } catch (DataFormatException e) {
            throw HttpProblem.badRequest(e.getMessage());
        } catch (IOException e) {
            throw HttpProblem.badRequest("the CSV body could not be read: " + e.getMessage());
        }
        if (t.rows().length == 0) {
            throw HttpProblem.badRequest("the CSV body has no rows");
        }
        if (t.width() != features) {
            throw HttpProblem.badRequest("the CSV rows have " + t.width() + " values; the model takes " + features);
        }
        float[] flat = new float[t.rows().length * features];
        for (int r = 0; r < t.rows().length; r++) {
            System.arraycopy(t.rows()[r], 0, flat, r * features, features);
        }
        return flat;
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

    private static byte[] predictions(ServedModel model, float[] out, int n, int top) {
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
                    g.writeArrayFieldStart("values");
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

    private static String version() {
        String v = Routes.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    /** One request and its answer; records the metrics once, when the answer is written. */
    private final class Exchange {
        final Request request;
        final Response response;
        final Callback callback;
        final long start = System.nanoTime();
        String model = "-";
        String route = "unknown";
        /** The batcher told that this request is on its way, until it is submitted or answered. */
        DynamicBatcher expecting;

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        void expect(DynamicBatcher batcher) {
            batcher.arriving();
            expecting = batcher;
        }

        void json(int status, String body) {
            send(status, JSON, body.getBytes(StandardCharsets.UTF_8));
        }

        void send(int status, String contentType, byte[] body) {
            if (expecting != null) {
                expecting.gone();
                expecting = null;
            }
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            metrics.request(model, route, status, (System.nanoTime() - start) / 1e9);
            response.write(true, request.getMethod().equals("HEAD") ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body),
                    callback);
        }

        void fail(HttpProblem p) {
            if (p.retryAfterSeconds() > 0) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, p.retryAfterSeconds());
            }
            send(p.status(), JSON, InferenceProtocol.error(p.getMessage()));
        }

        void internal(Throwable t) {
            String what = t instanceof OutOfMemoryError
                    ? "the server ran out of memory answering this request (" + t.getMessage() + "); send fewer rows per"
                    + " request, or give the server more with BACKPROP_JVM_OPTS=-Xmx..."
                    : "the server failed on this request: " + t;
            send(500, JSON, InferenceProtocol.error(what));
        }
    }
}
