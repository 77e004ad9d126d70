package dev.backprop.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The server's routes: the Open Inference Protocol's (health, server and model metadata, inference, and for a GPT
 * the generate extension, whose JSON is {@link GenerateJson}'s), the route for people with curl ({@link PredictRoute}),
 * the model list, Prometheus metrics and the OpenAPI description. Nothing here blocks a thread: bodies are read
 * chunk by chunk with a deadline ({@link BodyReader}), and an answer is written when its batch (or generation) completes.
 */
final class Routes extends Handler.Abstract.NonBlocking {
    static final String JSON = "application/json";

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
        Exchange ex = new Exchange(request, response, callback, metrics);
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
                modelReady(ex, method, model.name());
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
            get(ex, method, () -> ex.send(200, JSON, GenerateJson.metadata(g)));
        } else if (parts.size() == 4 && parts.get(3).equals("ready")) {
            modelReady(ex, method, g.name());
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
        g.submit(GenerateJson.request(body)).whenCompleteAsync((out, err) -> {
            try {
                if (err != null) {
                    ex.internal(cause(err));
                    return;
                }
                ex.send(200, JSON, GenerateJson.response(g, out));
            } catch (RuntimeException | Error e) {
                ex.internal(e);
            }
        }, executor);
    }

    /** {@code GET /v2/models/{name}/ready}: the server's readiness, for any model it serves. */
    private void modelReady(Exchange ex, String method, String name) {
        ex.route = "model_ready";
        get(ex, method, () -> ex.json(200, "{\"name\":\"" + name + "\",\"ready\":" + ready + "}"));
    }

    /** What failed, unwrapped from the future's {@link CompletionException}. */
    private static Throwable cause(Throwable err) {
        return err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
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
        BodyReader.read(ex, config.maxRequestBytes(), config.readTimeout().toMillis(), then);
    }

    private void infer(Exchange ex, ServedModel model, byte[] body) {
        InferenceProtocol.Request req = InferenceProtocol.parse(body);
        String expected = model.input().name();
        if (req.inputs().size() != 1 || !req.inputs().get(0).name().equals(expected)) {
            throw HttpProblem.badRequest("model '" + model.name() + "' takes one input named '" + expected + "' ("
                    + model.input().datatype() + ", shape " + Arrays.toString(model.input().shape())
                    + "); the request has " + req.inputs().stream().map(InferenceProtocol.Input::name).toList());
        }
        Set<String> known = new LinkedHashSet<>();
        model.outputSpecs().forEach(s -> known.add(s.name()));
        for (String name : req.outputs()) {
            if (!known.contains(name)) {
                throw HttpProblem.badRequest("model '" + model.name() + "' has no output '" + name + "'; it has " + known);
            }
        }
        InferenceProtocol.Input in = req.inputs().get(0);
        ServedModel.Rows rows = rows(model, in);
        run(ex, model, rows, out -> ex.send(200, JSON,
                InferenceProtocol.response(model, req.id(), req.outputs(), out, in.rows())));
    }

    private static ServedModel.Rows rows(ServedModel model, InferenceProtocol.Input in) {
        String where = "input '" + in.name() + "'";
        long[] expected = model.input().shape();
        if (model.takesText()) {
            if (!in.datatype().equals("BYTES")) {
                throw HttpProblem.badRequest(where + " is " + in.datatype() + "; model '" + model.name()
                        + "' takes texts, datatype BYTES, shape [-1]");
            }
            if (in.shape().length != 1) {
                throw HttpProblem.badRequest(where + " has shape " + Arrays.toString(in.shape())
                        + "; expected [rows], one text per row");
            }
            return model.textRows(in.texts());
        }
        if (in.numbers() == null) {
            throw HttpProblem.badRequest(where + " is BYTES; model '" + model.name() + "' takes numbers (FP32, shape "
                    + Arrays.toString(expected) + ")");
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
            throw HttpProblem.badRequest(where + " has shape " + Arrays.toString(in.shape()) + "; model '"
                    + model.name() + "' takes " + Arrays.toString(expected)
                    + (expected.length > 2 ? " (or [-1, " + features + "], each row flattened)" : "")
                    + ", -1 being any number of rows");
        }
        return model.numberRows(in.numbers(), in.rows(), where);
    }

    /** Queues rows on the model's batcher; writes the answer (or the failure) when the batch has run. */
    private void run(Exchange ex, ServedModel model, ServedModel.Rows rows, Consumer<float[]> answer) {
        ex.expecting = null;   // submit counts it as arrived
        CompletableFuture<float[]> result = batchers.get(model.name()).submit(rows);
        result.whenCompleteAsync((out, err) -> {
            try {
                if (err != null) {
                    ex.internal(cause(err));
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

    /** {@code POST /models/{name}/predict}: see {@link PredictRoute}. */
    private void predict(Exchange ex, ServedModel model, byte[] body) {
        PredictRoute.Input in = PredictRoute.read(ex, model, body);
        run(ex, model, in.rows(), out -> ex.send(200, JSON, PredictRoute.answer(model, out, in)));
    }

    private static String version() {
        String v = Routes.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }
}
