package dev.backprop.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The driver's end of worker 0's progress reports: a port on the driver's host, read by a daemon
 * thread that hands each epoch to the listener as it arrives. A retried stage's worker 0 connects
 * again; the port closes with the training.
 */
final class ProgressListener implements AutoCloseable {
    private final ServerSocket server;
    private final String host;
    private final Thread reader;

    ProgressListener(JavaSparkContext sc, Consumer<EpochProgress> listener) {
        host = sc.getConf().get("spark.driver.host", "127.0.0.1");
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(host, 0));
        } catch (IOException e) {
            throw new UncheckedIOException("could not open a port on " + host + " for training progress", e);
        }
        reader = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept(); BufferedReader in = new BufferedReader(
                        new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        listener.accept(EpochProgress.decode(line));
                    }
                } catch (IOException e) {
                    // the port closed (training ended) or worker 0 went away: a retried one connects again
                }
            }
        }, "backprop-spark-progress");
        reader.setDaemon(true);
        reader.start();
    }

    /** "host port", for worker 0. */
    String address() {
        return host + " " + server.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.close();
            reader.join(2000);
        } catch (IOException ignored) {
            // closing: nothing left to read
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
