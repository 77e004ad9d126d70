package dev.backprop.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Serves saved models over HTTP with the Open Inference Protocol (KServe V2) REST API, so that existing
 * clients and gateways work: {@code GET /v2/health/live}, {@code /v2/health/ready}, {@code GET /v2/models/{name}},
 * {@code POST /v2/models/{name}/infer}; plus {@code POST /models/{name}/predict} for curl, Prometheus metrics at
 * {@code /metrics} and an OpenAPI description at {@code /openapi.json}.
 *
 * <p>Concurrent requests for a model are gathered into one forward pass (up to {@link ServeConfig#maxBatch()} rows,
 * waiting at most {@link ServeConfig#maxDelay()}); each model queues at most {@link ServeConfig#queueCapacity()}
 * requests and answers 503 with {@code Retry-After} beyond that. Bodies are limited in size and must arrive within
 * the read timeout. {@link #close()} stops taking connections and answers the requests in flight first.
 *
 * <p>The HTTP server is Eclipse Jetty 12 (its core API, no servlets): non-blocking, with idle timeouts, graceful
 * shutdown and bounded threads, kept up to date by the Eclipse Foundation; the JDK's own {@code HttpServer} has no
 * limits, timeouts or graceful stop to speak of.
 *
 * <pre>{@code
 * try (ModelServer server = ModelServer.start(ServeConfig.defaults(),
 *         Map.of("digits", Servable.of(ModelFile.load(Path.of("digits.safetensors")))))) {
 *     server.join();
 * }
 * }</pre>
 */
public final class ModelServer implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Server server;
    private final ServerConnector connector;
    private final Routes routes;
    private final Map<String, DynamicBatcher> batchers;
    private final Map<String, ServedGenerator> generators;
    private final List<String> names;
    private final ServeConfig config;
    private boolean closed;

    private ModelServer(Server server, ServerConnector connector, Routes routes, Map<String, DynamicBatcher> batchers,
                        Map<String, ServedGenerator> generators, List<String> names, ServeConfig config) {
        this.server = server;
        this.connector = connector;
        this.routes = routes;
        this.batchers = batchers;
        this.generators = generators;
        this.names = List.copyOf(names);
        this.config = config;
    }

    /**
     * The name a model file is served under: its file name without {@code .safetensors} (or other extension).
     */
    public static String nameOf(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /**
     * Starts serving {@code models} (name to model, in the order given) and returns once the port is bound.
     *
     * @throws IllegalArgumentException when a name is not a valid model name or a model cannot be served
     * @throws IOException              when the address cannot be bound (in use, or not this machine's)
     */
    public static ModelServer start(ServeConfig config, Map<String, Servable> models) throws IOException {
        return start(config, models, UnaryOperator.identity());
    }

    /** {@link #start} with each model's forward pass wrapped (by tests, to hold a batch while others queue). */
    static ModelServer start(ServeConfig config, Map<String, Servable> models,
                             UnaryOperator<Function<List<ServedModel.Rows>, float[]>> wrap) throws IOException {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("serve: no models given; name at least one model file");
        }
        Object forwardLock = new Object();
        Map<String, ServedModel> served = new LinkedHashMap<>();
        Map<String, ServedGenerator> generators = new LinkedHashMap<>();
        for (var e : models.entrySet()) {
            if (!NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("serve: '" + e.getKey() + "' is not a model name: use letters, digits,"
                        + " '.', '_' and '-', starting with a letter or digit (NAME=FILE names a model)");
            }
            if (e.getValue() instanceof Servable.Saved saved && saved.model().spec().isLanguageModel()) {
                generators.put(e.getKey(), new ServedGenerator(e.getKey(), saved.model().languageModel(e.getKey()), config,
                        forwardLock));
            } else {
                served.put(e.getKey(), ServedModel.of(e.getKey(), e.getValue()));
            }
        }
        ServerMetrics metrics = new ServerMetrics();
        Map<String, DynamicBatcher> batchers = new LinkedHashMap<>();
        for (ServedModel m : served.values()) {
            batchers.put(m.name(), new DynamicBatcher(m.name(), wrap.apply(m::forward), m.outputs(), config, forwardLock, metrics));
        }

        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        threads.setName("backprop-http");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(config.readTimeout().toMillis());
        server.addConnector(connector);
        Routes routes = new Routes(Collections.unmodifiableMap(served), batchers, Collections.unmodifiableMap(generators),
                List.copyOf(models.keySet()), metrics, config, threads, openApi());
        server.setHandler(new GracefulHandler(routes));
        server.setStopTimeout(config.shutdownTimeout().toMillis());
        server.setStopAtShutdown(false);
        ModelServer result = new ModelServer(server, connector, routes, batchers, generators,
                new ArrayList<>(models.keySet()), config);
        try {
            server.start();
        } catch (Exception e) {
            result.stopBatchers();
            try {
                server.stop();
            } catch (Exception ignored) {
                // already failed to start
            }
            if (e instanceof IOException && (e instanceof BindException || e.getCause() instanceof BindException)) {
                throw new IOException("serve: cannot listen on " + config.host() + ":" + config.port() + " ("
                        + e.getMessage() + "); pick another --port, or --port 0 for any free one", e);
            }
            if (e instanceof IOException io) {
                throw new IOException("serve: cannot listen on " + config.host() + ":" + config.port() + ": "
                        + e.getMessage(), io);
            }
            throw new IllegalStateException("serve: the HTTP server did not start: " + e, e);
        }
        routes.ready(true);
        return result;
    }

    private static byte[] openApi() {
        try (InputStream in = ModelServer.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the backprop-serve jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port the server listens on (the one picked, when the configuration said 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port}. */
    public URI uri() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + host + ":" + port());
    }

    /** The names of the models served, in order. */
    public List<String> models() {
        return names;
    }

    /** Forward passes run so far for {@code model} (each may have answered several requests). */
    public long batches(String model) {
        DynamicBatcher b = batchers.get(model);
        if (b == null) {
            throw new IllegalArgumentException("no model named '" + model + "'; this server has " + batchers.keySet());
        }
        return b.batches();
    }

    /** Requests for {@code model} waiting for a forward pass. */
    int waiting(String model) {
        return batchers.get(model).waiting();
    }

    /** Waits until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    /**
     * Stops gracefully: readiness turns false, new connections are refused, requests in flight are answered
     * (up to {@link ServeConfig#shutdownTimeout()}), then the batchers stop.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        routes.ready(false);
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("serve: the HTTP server did not stop cleanly: " + e, e);
        } finally {
            stopBatchers();
        }
    }

    private void stopBatchers() {
        for (DynamicBatcher b : batchers.values()) {
            b.close(config.shutdownTimeout().toMillis());
        }
        for (ServedGenerator g : generators.values()) {
            g.close(config.shutdownTimeout().toMillis());
        }
    }
}
