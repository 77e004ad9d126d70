package dev.backprop.spark.ring;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One worker's place in a ring of N over TCP: a connection to the next rank, on which it sends,
 * and one from the previous rank, on which it receives. Sends run on a thread of their own while
 * the caller receives, so two neighbours sending large blocks at once never wait on each other's
 * buffers. Every connect and every read has a finite timeout, after which the ring fails with a
 * message naming the worker it was waiting for.
 *
 * <pre>{@code
 * try (ServerSocket server = Ring.listen("127.0.0.1");
 *      Ring ring = Ring.connect(rank, addresses, server, Duration.ofSeconds(60))) { ... }
 * }</pre>
 */
public final class Ring implements AutoCloseable {
    private static final int HELLO = 0x42505247;   // "BPRG": a ring connection, and the sender's rank follows

    private final int rank;
    private final int size;
    private final Socket next;
    private final Socket previous;
    private final OutputStream out;
    private final InputStream in;
    private final ExecutorService sender;
    private final Duration timeout;
    // Floats travel little-endian through byte arrays: one native write or read per call for the whole
    // block (a channel adapter over the socket's streams would copy through 8 KB pieces).
    private byte[] sendBytes = new byte[0];
    private byte[] receiveBytes = new byte[0];

    private Ring(int rank, int size, Socket next, Socket previous, Duration timeout) throws IOException {
        this.rank = rank;
        this.size = size;
        this.next = next;
        this.previous = previous;
        this.out = next.getOutputStream();
        this.in = previous.getInputStream();
        this.timeout = timeout;
        this.sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "backprop-ring-send-" + rank);
            t.setDaemon(true);
            return t;
        });
    }

    /** A server socket on an ephemeral port of {@code host}, for the previous rank to connect to. */
    public static ServerSocket listen(String host) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(host, 0), 4);
        return server;
    }

    /**
     * Joins the ring: connects to rank {@code rank + 1}'s address and accepts rank {@code rank - 1}'s
     * connection on {@code server} (both modulo the ring's size, the number of addresses).
     */
    public static Ring connect(int rank, List<InetSocketAddress> addresses, ServerSocket server, Duration timeout)
            throws IOException {
        int size = addresses.size();
        if (size < 2 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("Ring: rank " + rank + " of " + size + " workers; a ring needs 2 or more"
                    + " and a rank among them");
        }
        int millis = Math.toIntExact(timeout.toMillis());
        InetSocketAddress target = addresses.get((rank + 1) % size);
        Socket next = new Socket();
        next.setTcpNoDelay(true);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {   // the next worker may not be listening yet: retry until the deadline
            try {
                next.connect(target, millis);
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("worker " + rank + ": could not connect to worker " + (rank + 1) % size + " at "
                            + target + " within " + timeout.toSeconds() + " s: " + e.getMessage(), e);
                }
                next.close();
                next = new Socket();
                next.setTcpNoDelay(true);
                sleep(50);
            }
        }
        ByteBuffer hello = ByteBuffer.allocate(8).putInt(HELLO).putInt(rank).flip();
        next.getOutputStream().write(hello.array());
        next.getOutputStream().flush();
        server.setSoTimeout(millis);
        Socket previous;
        try {
            previous = server.accept();
        } catch (SocketTimeoutException e) {
            next.close();
            throw new IOException("worker " + rank + ": worker " + Math.floorMod(rank - 1, size) + " did not connect within "
                    + timeout.toSeconds() + " s", e);
        }
        previous.setSoTimeout(millis);
        previous.setTcpNoDelay(true);
        byte[] greeting = previous.getInputStream().readNBytes(8);
        ByteBuffer g = ByteBuffer.wrap(greeting);
        int expected = Math.floorMod(rank - 1, size);
        if (greeting.length != 8 || g.getInt() != HELLO || g.getInt() != expected) {
            previous.close();
            next.close();
            throw new IOException("worker " + rank + ": the connection on " + server.getLocalSocketAddress()
                    + " is not from ring worker " + expected);
        }
        return new Ring(rank, size, next, previous, timeout);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining the ring", e);
        }
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /**
     * Sends {@code data[sendFrom, sendFrom + sendLength)} to the next rank while receiving
     * {@code receiveLength} floats from the previous rank, returned in a buffer valid until the
     * next exchange.
     */
    java.nio.FloatBuffer exchange(float[] data, int sendFrom, int sendLength, int receiveLength) {
        if (sendBytes.length < sendLength * 4) {
            sendBytes = new byte[sendLength * 4];
        }
        if (receiveBytes.length < receiveLength * 4) {
            receiveBytes = new byte[receiveLength * 4];
        }
        byte[] send = sendBytes;
        ByteBuffer.wrap(send).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(data, sendFrom, sendLength);
        Future<?> sent = sender.submit(() -> {
            try {
                out.write(send, 0, sendLength * 4);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("worker " + rank + ": sending to worker " + (rank + 1) % size
                        + " failed: " + e.getMessage(), e);
            }
        });
        try {
            int read = in.readNBytes(receiveBytes, 0, receiveLength * 4);
            if (read < receiveLength * 4) {
                throw new IOException("worker " + Math.floorMod(rank - 1, size) + " closed the connection");
            }
            sent.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (SocketTimeoutException | java.util.concurrent.TimeoutException e) {
            throw new RingException("worker " + rank + ": no data from worker " + Math.floorMod(rank - 1, size) + " within "
                    + timeout.toSeconds() + " s; a worker may have died or be stuck", e);
        } catch (IOException e) {
            throw new RingException("worker " + rank + ": receiving from worker " + Math.floorMod(rank - 1, size)
                    + " failed: " + e.getMessage(), e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new RingException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RingException("worker " + rank + ": interrupted in the ring", e);
        }
        return ByteBuffer.wrap(receiveBytes, 0, receiveLength * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    @Override
    public void close() {
        sender.shutdownNow();
        try {
            next.close();
        } catch (IOException ignored) {
            // closing: nothing left to tell
        }
        try {
            previous.close();
        } catch (IOException ignored) {
            // closing: nothing left to tell
        }
    }
}
