package dev.backprop.serve;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request and its answer: the status, headers and body written once, the request's metrics recorded then, and
 * the model's batcher told when a request it was expecting will not come.
 */
final class Exchange {
    final Request request;
    final Response response;
    final Callback callback;
    private final ServerMetrics metrics;
    final long start = System.nanoTime();
    String model = "-";
    String route = "unknown";
    /** The batcher told that this request is on its way, until it is submitted or answered. */
    DynamicBatcher expecting;

    Exchange(Request request, Response response, Callback callback, ServerMetrics metrics) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.metrics = metrics;
    }

    void expect(DynamicBatcher batcher) {
        batcher.arriving();
        expecting = batcher;
    }

    void json(int status, String body) {
        send(status, Routes.JSON, body.getBytes(StandardCharsets.UTF_8));
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
        if (p.status() == 408 || p.status() == 413) {
            // The body was not read to its end: the connection cannot carry another request, so say it closes
            // (a client that reused it sent its next request into the rest of this one's body).
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        send(p.status(), Routes.JSON, InferenceProtocol.error(p.getMessage()));
    }

    void internal(Throwable t) {
        String what = t instanceof OutOfMemoryError
                ? "the server ran out of memory answering this request (" + t.getMessage() + "); send fewer rows per"
                + " request, or give the server more with BACKPROP_JVM_OPTS=-Xmx..."
                : "the server failed on this request: " + t;
        send(500, Routes.JSON, InferenceProtocol.error(what));
    }
}
