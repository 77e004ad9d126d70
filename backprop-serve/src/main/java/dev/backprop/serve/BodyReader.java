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
 *
 * <p>A body over the limit is answered 413, but only after the rest of it, up to {@link #DRAIN_BYTES}, has been read
 * and dropped: a server that closes a connection with request bytes still unread makes the kernel reset it, and the
 * client, still sending, then loses the answer (the JDK's client reported "header parser received no bytes" for a
 * 70 KB body against a 64 KB limit in one of four runs of the test suite on 2026-12-04).
 */
final class BodyReader implements Runnable {
    /** How far past the limit a body is read and dropped before its 413; one declared larger is refused at once. */
    static final int DRAIN_BYTES = 1 << 20;
    private final Exchange ex;
    private final int maxBytes;
    private final long timeoutMillis;
    private final long deadline;
    private final Consumer<byte[]> then;
    private byte[] bytes;
    private int size;
    /** The 413 to answer once the body is drained; null while the body is within the limit. */
    private HttpProblem rejected;
    private long dropped;

    private BodyReader(Exchange ex, long length, int maxBytes, long timeoutMillis, Consumer<byte[]> then) {
        // The declared length (-1 when chunked), but no more than 64 KB up front: a client that declares a large
        // body and sends nothing holds no large buffer. A body declared too large is only drained.
        this.bytes = new byte[length > maxBytes ? 0 : (int) Math.min(length >= 0 ? length : 4096, 65_536)];
        this.rejected = length > maxBytes ? tooLarge("the body is " + length + " bytes", maxBytes) : null;
        this.ex = ex;
        this.maxBytes = maxBytes;
        this.timeoutMillis = timeoutMillis;
        this.deadline = ex.start + timeoutMillis * 1_000_000L;
        this.then = then;
    }

    /** Starts reading the exchange's body; {@code then} runs with the whole body, or the exchange is answered. */
    static void read(Exchange ex, int maxBytes, long timeoutMillis, Consumer<byte[]> then) {
        long length = ex.request.getLength();
        if (length > (long) maxBytes + DRAIN_BYTES) {
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
                    take(chunk.getByteBuffer());
                } finally {
                    chunk.release();   // back to Jetty's pool, also when the body is being dropped
                }
                if (rejected != null && (last || dropped > DRAIN_BYTES)) {
                    throw rejected;
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

    /** Appends a chunk to the body, or drops it once the body is over the limit. */
    private void take(ByteBuffer buffer) {
        int n = buffer.remaining();
        if (rejected == null && (long) size + n > maxBytes) {
            rejected = tooLarge("the body is larger than " + maxBytes + " bytes", maxBytes);
        }
        if (rejected != null) {
            dropped += n;
            return;
        }
        if (size + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(maxBytes, Math.max(size + n, 2L * bytes.length + 1)));
        }
        buffer.get(bytes, size, n);
        size += n;
    }

    private HttpProblem problem(Throwable failure) {
        if (rejected != null) {
            return rejected;
        }
        if (failure instanceof TimeoutException) {
            return late();
        }
        return HttpProblem.badRequest("the request body could not be read: " + failure);
    }

    private HttpProblem late() {
        if (rejected != null) {
            return rejected;
        }
        return new HttpProblem(408, "the request body did not arrive within " + timeoutMillis + " ms (--read-timeout);"
                + " " + size + " bytes of it came");
    }

    private static HttpProblem tooLarge(String what, int maxBytes) {
        return new HttpProblem(413, what + "; this server takes at most " + maxBytes + " (--max-request-bytes)");
    }
}
