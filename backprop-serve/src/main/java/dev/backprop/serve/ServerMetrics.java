package dev.backprop.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The server's Prometheus metrics, at {@code /metrics}: requests by model, route and status; request
 * latency; rows per forward pass and its duration; requests waiting per model. Routes and models are
 * the server's own names (an unknown model counts as {@code -}), so a client cannot grow the label sets.
 */
final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests = Counter.builder().name("backprop_requests_total")
            .help("HTTP requests answered, by model, route and status code")
            .labelNames("model", "route", "code").register(registry);
    private final Histogram latency = Histogram.builder().name("backprop_request_duration_seconds")
            .help("Time from a request's arrival to its answer")
            .labelNames("model", "route").classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10)
            .register(registry);
    private final Histogram batchRows = Histogram.builder().name("backprop_batch_rows")
            .help("Input rows per forward pass").labelNames("model").classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024).register(registry);
    private final Histogram forwardSeconds = Histogram.builder().name("backprop_forward_duration_seconds")
            .help("Time of one batched forward pass").labelNames("model").classicOnly()
            .classicUpperBounds(0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1)
            .register(registry);
    private final Gauge queueDepth = Gauge.builder().name("backprop_queue_depth")
            .help("Requests waiting for a forward pass").labelNames("model").register(registry);

    void request(String model, String route, int status, double seconds) {
        requests.labelValues(model, route, Integer.toString(status)).inc();
        latency.labelValues(model, route).observe(seconds);
    }

    void batch(String model, int rows, double seconds) {
        batchRows.labelValues(model).observe(rows);
        forwardSeconds.labelValues(model).observe(seconds);
    }

    void queueDepth(String model, int waiting) {
        queueDepth.labelValues(model).set(waiting);
    }

    /** The text exposition format, version 0.0.4. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    String contentType() {
        return writer.getContentType();
    }
}
