package dev.backprop.serve;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;

/**
 * Reads a request's body chunk by chunk, at most a size, within a deadline, and hands the bytes on, or answers the
 * exchange with 400, 408 or 413.
 *
 * <p>Everything happens on the thread that handles the request or in Jetty's own demand callbacks, never on a timer
 * thread: the body is answered only when no read is pending, so Jetty never delivers content to a request that is
 * already answered. A silent client is woken by the connector's idle timeout (the read timeout), which Jetty
 * delivers as a transient failure; one that dribbles bytes is stopped at the first chunk past the deadline.
 */
final class BodyReader implements Runnable {
    private final Exchange ex;
    private final int maxBytes;
    private final long timeoutMillis;
    private final long deadline;
    private final Consumer<byte[]> then;
    private byte[] bytes;
    private int size;

    private BodyReader(Exchange ex, long length, int maxBytes, long timeoutMillis, Consumer<byte[]> then) {
        // The declared length (-1 when chunked), but no more than 64 KB up front: a client that declares a large
        // body and sends nothing holds no large buffer.
        this.bytes = new byte[(int) Math.min(length >= 0 ? length : 4096, 65_536)];
        this.ex = ex;
        this.maxBytes = maxBytes;
        this.timeoutMillis = timeoutMillis;
        this.deadline = ex.start + timeoutMillis * 1_000_000L;
        this.then = then;
    }

    /** Starts reading the exchange's body; {@code then} runs with the whole body, or the exchange is answered. */
    static void read(Exchange ex, int maxBytes, long timeoutMillis, Consumer<byte[]> then) {
        long length = ex.request.getLength();
        if (length > maxBytes) {
            throw tooLarge("the body is " + length + " bytes", maxBytes);
        }
        new BodyReader(ex, length, maxBytes, timeoutMillis, then).run();
    }

    @Override
    public void run() {
        try {
            while (true) {
                Content.Chunk chunk = ex.request.read();
                if (chunk == null) {
                    if (pastDeadline()) {
                        throw late();
                    }
                    ex.request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    throw problem(chunk.getFailure());
                }
                boolean last = chunk.isLast();
                try {
                    append(chunk.getByteBuffer());
                } finally {
                    chunk.release();   // back to Jetty's pool, also when the body has grown too large
                }
                if (last) {
                    then.accept(size == bytes.length ? bytes : Arrays.copyOf(bytes, size));
                    return;
                }
                if (pastDeadline()) {
                    throw late();
                }
            }
        } catch (HttpProblem p) {
            ex.fail(p);
        } catch (RuntimeException | Error e) {
            ex.internal(e);
        }
    }

    private boolean pastDeadline() {
        return System.nanoTime() - deadline > 0;
    }

    private void append(ByteBuffer buffer) {
        int n = buffer.remaining();
        if ((long) size + n > maxBytes) {
            throw tooLarge("the body is larger than " + maxBytes + " bytes", maxBytes);
        }
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(maxBytes, Math.max(size + n, 2L * bytes.length + 1)));
        }
        buffer.get(bytes, size, n);
        size += n;
    }

    private HttpProblem problem(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return late();
        }
        return HttpProblem.badRequest("the request body could not be read: " + failure);
    }

    private HttpProblem late() {
        return new HttpProblem(408, "the request body did not arrive within " + timeoutMillis + " ms (--read-timeout);"
                + " " + size + " bytes of it came");
    }

    private static HttpProblem tooLarge(String what, int maxBytes) {
        return new HttpProblem(413, what + "; this server takes at most " + maxBytes + " (--max-request-bytes)");
    }
}
