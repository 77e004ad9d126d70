package dev.backprop.report;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.backprop.io.Json;
import dev.backprop.nn.Module;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Callback;
import dev.backprop.train.EpochResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * A live page for a training run, served on loopback while it trains: the loss of every batch,
 * validation loss and accuracy per epoch, the learning rate, each weight's gradient norm, and
 * examples per second. The page ({@code dashboard.html}, with Chart.js bundled in this jar: no
 * network) asks {@code /data} for the run's state once a second, so a reload shows everything
 * again. The training thread only appends numbers; gradient norms are sampled every
 * {@code GRADIENT_EVERY} batches, so the page costs training about nothing.
 *
 * <pre>{@code
 * try (Dashboard d = Dashboard.start(model, 0)) {        // 0: any free port
 *     System.out.println(d.url());
 *     trainer.fit(train, validation, config, d);
 * }
 * }</pre>
 */
public final class Dashboard implements Callback, AutoCloseable {
    private static final int GRADIENT_EVERY = 20;
    private static final int MAX_POINTS = 4000;

    private final Module model;
    private final HttpServer server;
    private final Object lock = new Object();
    private final List<double[]> batchLosses = new ArrayList<>();   // {step, loss}
    private final List<Map<String, Object>> epochs = new ArrayList<>();
    private final Map<String, List<double[]>> gradients = new LinkedHashMap<>();   // name -> {step, norm}
    private int totalEpochs;
    private int batchesPerEpoch;
    private long step;
    private int stride = 1;
    private double examplesPerSecond;
    private dev.backprop.data.BatchSource.Unit unit = dev.backprop.data.BatchSource.Unit.EXAMPLES;
    private long windowStart = System.nanoTime();
    private int windowExamples;
    private int lastSeen;
    private boolean finished;

    private Dashboard(Module model, HttpServer server) {
        this.model = model;
        this.server = server;
    }

    /** Serves the page on 127.0.0.1:{@code port} (0 picks a free port) until {@link #close()}. */
    public static Dashboard start(Module model, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        Dashboard d = new Dashboard(model, server);
        server.createContext("/", exchange -> d.serve(exchange));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "backprop-dashboard");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return d;
    }

    /** The page's address, such as {@code http://127.0.0.1:8123/}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @Override
    public void onTrainBegin(dev.backprop.train.TrainingPlan plan) {
        synchronized (lock) {
            totalEpochs = plan.epochs();
            batchesPerEpoch = plan.batchesPerEpoch();
            unit = plan.unit();
        }
    }

    @Override
    public void onBatchEnd(int epoch, int batch, double loss, int examplesSoFar) {
        Map<String, Double> norms = null;
        if (step % GRADIENT_EVERY == 0) {
            norms = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
                if (p.getKey().endsWith("weight") && p.getValue().grad() != null) {
                    double s = 0;
                    for (float v : p.getValue().grad().toFloatArray()) {
                        s += (double) v * v;
                    }
                    norms.put(p.getKey(), Math.sqrt(s));
                }
            }
        }
        synchronized (lock) {
            step++;
            if (step % stride == 0) {
                batchLosses.add(new double[] {step, loss});
                if (batchLosses.size() > MAX_POINTS) {   // keep every other point and halve the rate
                    List<double[]> kept = new ArrayList<>();
                    for (int i = 0; i < batchLosses.size(); i += 2) {
                        kept.add(batchLosses.get(i));
                    }
                    batchLosses.clear();
                    batchLosses.addAll(kept);
                    stride *= 2;
                }
            }
            if (norms != null) {
                long at = step;
                norms.forEach((name, n) -> gradients.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {at, n}));
            }
            windowExamples += examplesSoFar < lastSeen ? examplesSoFar : examplesSoFar - lastSeen;
            lastSeen = examplesSoFar;
            long now = System.nanoTime();
            if (now - windowStart > 1_000_000_000L) {
                examplesPerSecond = windowExamples / ((now - windowStart) / 1e9);
                windowStart = now;
                windowExamples = 0;
            }
        }
    }

    @Override
    public boolean onEpochEnd(EpochResult r) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("epoch", r.epoch());
        e.put("step", step);
        e.put("trainLoss", finite(r.trainLoss()));
        e.put("lr", r.lr());
        e.put("perSecond", r.unitsPerSecond());
        if (r.validation() != null) {
            e.put("valLoss", finite(r.validation().loss()));
            if (r.validation().classification() != null) {
                e.put("valAccuracy", r.validation().classification().accuracy());
            }
        }
        synchronized (lock) {
            epochs.add(e);
            lastSeen = 0;
        }
        return false;
    }

    @Override
    public void onTrainEnd(dev.backprop.train.History history) {
        synchronized (lock) {
            finished = true;
        }
    }

    /** JSON has no NaN: a non-finite value is written as null. */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** The run's state as the page reads it. */
    String data() {
        synchronized (lock) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epochs", totalEpochs);
            m.put("batchesPerEpoch", batchesPerEpoch);
            m.put("step", step);
            m.put("finished", finished);
            m.put("perSecond", examplesPerSecond * unit.perRow());
            m.put("unit", unit == dev.backprop.data.BatchSource.Unit.EXAMPLES ? "examples" : unit.name());
            m.put("batchLoss", points(batchLosses));
            m.put("epochResults", new ArrayList<>(epochs));
            Map<String, Object> g = new LinkedHashMap<>();
            gradients.forEach((name, list) -> g.put(name, points(list)));
            m.put("gradients", g);
            return Json.write(m);
        }
    }

    private static List<Object> points(List<double[]> list) {
        List<Object> out = new ArrayList<>(list.size());
        for (double[] p : list) {
            out.add(List.of(p[0], Double.isFinite(p[1]) ? p[1] : 0.0));
        }
        return out;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            String type;
            switch (path) {
                case "/", "/index.html" -> {
                    body = resource("dashboard.html");
                    type = "text/html; charset=utf-8";
                }
                case "/chart.umd.js" -> {
                    body = resource("chart.umd.js");
                    type = "text/javascript";
                }
                case "/data" -> {
                    body = data().getBytes(StandardCharsets.UTF_8);
                    type = "application/json";
                }
                default -> {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
            }
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the dashboard resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops serving. */
    @Override
    public void close() {
        server.stop(0);
    }
}
