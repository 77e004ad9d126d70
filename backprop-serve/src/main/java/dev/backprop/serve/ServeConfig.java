package dev.backprop.serve;

import java.time.Duration;

/**
 * How a {@link ModelServer} listens and batches.
 *
 * @param host            the address to bind; loopback ({@code 127.0.0.1}) unless the server is meant to be reached from elsewhere
 * @param port            the TCP port; 0 picks a free one ({@link ModelServer#port()} says which)
 * @param maxBatch        the most input rows one forward pass takes; concurrent requests for a model are gathered up to it
 *                        (a single request with more rows runs alone)
 * @param maxDelay        how long the first request of a batch waits for others to join it
 * @param queueCapacity   requests a model holds waiting for a forward pass; one more is answered at once with 503 and
 *                        {@code Retry-After}, so an overload costs no memory
 * @param maxRequestBytes the largest request body accepted (413 beyond it)
 * @param readTimeout     the longest a client may take to send its request, and the longest a connection may sit idle
 *                        (408, then the connection is closed), so slow clients cannot hold the server
 * @param shutdownTimeout how long {@link ModelServer#close()} waits for requests in flight to be answered
 */
public record ServeConfig(String host, int port, int maxBatch, Duration maxDelay, int queueCapacity,
                          int maxRequestBytes, Duration readTimeout, Duration shutdownTimeout) {

    /** Loopback, port 8080, batches of up to 64 rows gathered for 2 ms, 256 waiting requests, 16 MiB bodies, 30 s timeouts. */
    public static ServeConfig defaults() {
        return new ServeConfig("127.0.0.1", 8080, 64, Duration.ofMillis(2), 256, 16 << 20,
                Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    public ServeConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("serve: the host to bind is empty; give an address such as 127.0.0.1");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("serve: port " + port + " is not a TCP port (0-65535; 0 picks a free one)");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("serve: the maximum batch must be at least 1 row, got " + maxBatch);
        }
        if (maxDelay == null || maxDelay.isNegative()) {
            throw new IllegalArgumentException("serve: the batching delay must be zero or more, got " + maxDelay);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("serve: the queue must hold at least 1 request, got " + queueCapacity);
        }
        if (maxRequestBytes < 1024) {
            throw new IllegalArgumentException("serve: the request size limit must be at least 1024 bytes, got "
                    + maxRequestBytes);
        }
        if (readTimeout == null || readTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("serve: the read timeout must be at least 1 ms, got " + readTimeout);
        }
        if (shutdownTimeout == null || shutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("serve: the shutdown timeout must be zero or more, got " + shutdownTimeout);
        }
    }

    /** This configuration on another address and port. */
    public ServeConfig withAddress(String newHost, int newPort) {
        return new ServeConfig(newHost, newPort, maxBatch, maxDelay, queueCapacity, maxRequestBytes, readTimeout, shutdownTimeout);
    }

    /** This configuration with other batching limits. */
    public ServeConfig withBatching(int newMaxBatch, Duration newMaxDelay, int newQueueCapacity) {
        return new ServeConfig(host, port, newMaxBatch, newMaxDelay, newQueueCapacity, maxRequestBytes, readTimeout,
                shutdownTimeout);
    }

    /** This configuration with other request limits. */
    public ServeConfig withLimits(int newMaxRequestBytes, Duration newReadTimeout, Duration newShutdownTimeout) {
        return new ServeConfig(host, port, maxBatch, maxDelay, queueCapacity, newMaxRequestBytes, newReadTimeout,
                newShutdownTimeout);
    }
}
