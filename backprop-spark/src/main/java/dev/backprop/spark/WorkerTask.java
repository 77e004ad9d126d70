package dev.backprop.spark;

import dev.backprop.data.Dataset;
import dev.backprop.spark.ring.Ring;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The body of one barrier task: gathers its partition in index order, opens a port, learns every
 * worker's address and partition size in one {@code allGather}, joins the ring and trains. Worker 0
 * returns its outcome; the others return nothing.
 */
final class WorkerTask extends AbstractFunction1<Iterator<Example>, Iterator<byte[]>> implements Serializable {
    private final DistributedConfig config;
    /** Where worker 0 reports each epoch ("host port" of the driver), or null. */
    private final String progressAddress;

    WorkerTask(DistributedConfig config, String progressAddress) {
        this.config = config;
        this.progressAddress = progressAddress;
    }

    @Override
    public Iterator<byte[]> apply(Iterator<Example> partition) {
        BarrierTaskContext context = BarrierTaskContext.get();
        int rank = context.partitionId();
        int workers = context.getTaskInfos().length;
        List<Example> rows = new ArrayList<>();
        CollectionConverters.asJava(partition).forEachRemaining(rows::add);
        rows.sort(Comparator.comparingLong(Example::index));
        String host = SparkEnv.get().blockManager().blockManagerId().host();
        try (ServerSocket server = Ring.listen(host)) {
            // One meeting: every worker's address, partition size and the checkpoints it holds.
            String[] peers = context.allGather(host + " " + server.getLocalPort() + " " + rows.size() + " "
                    + String.join(",", DataParallelWorker.checkpoints(config, rank)));
            List<InetSocketAddress> addresses = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            List<List<String>> checkpoints = new ArrayList<>();
            for (String p : peers) {
                String[] f = p.split(" ", -1);
                addresses.add(new InetSocketAddress(f[0], Integer.parseInt(f[1])));
                sizes.add(Integer.parseInt(f[2]));
                checkpoints.add(f[3].isEmpty() ? List.of() : List.of(f[3].split(",")));
            }
            int steps = DataParallelWorker.stepsPerEpoch(sizes, config.localBatch(workers));
            String resume = DataParallelWorker.newestCommon(checkpoints);
            try (Ring ring = Ring.connect(rank, addresses, server, config.timeout())) {
                DataParallelWorker.Outcome o;
                try (ProgressSender progress = rank == 0 && progressAddress != null
                        ? new ProgressSender(progressAddress, config.timeout()) : null) {
                    o = DataParallelWorker.train(ring, shard(rows), steps, config, resume,
                            progress == null ? p -> { } : progress::send);
                }
                List<byte[]> out = rank == 0 ? List.of(SparkTrainer.encode(o)) : List.of();
                return CollectionConverters.asScala(out.iterator());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("worker " + rank + ": " + e.getMessage(), e);
        }
    }

    /** Worker 0's line to the driver: best effort, so that a lost connection never stops training. */
    private static final class ProgressSender implements AutoCloseable {
        private java.io.PrintWriter out;
        private java.net.Socket socket;

        ProgressSender(String address, java.time.Duration timeout) {
            String[] hostPort = address.split(" ");
            try {
                socket = new java.net.Socket();
                socket.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])),
                        Math.toIntExact(timeout.toMillis()));
                out = new java.io.PrintWriter(new java.io.OutputStreamWriter(socket.getOutputStream(),
                        java.nio.charset.StandardCharsets.UTF_8), true);
            } catch (IOException e) {
                out = null;   // the driver's progress is lost; training goes on
            }
        }

        void send(EpochProgress p) {
            if (out != null) {
                out.println(p.encode());
            }
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing: nothing left to report
                }
            }
        }
    }

    /** The rows as a dataset: features {@code [n, example...]} and labels {@code [n]}. */
    private Dataset shard(List<Example> rows) {
        int width = rows.isEmpty() ? 0 : rows.get(0).features().length;
        float[] x = new float[rows.size() * width];
        float[] y = new float[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i).features(), 0, x, i * width, width);
            y[i] = rows.get(i).label();
        }
        int[] shape = new int[config.example().size() + 1];
        shape[0] = rows.size();
        for (int d = 0; d < config.example().size(); d++) {
            shape[d + 1] = config.example().get(d);
        }
        List<String> classes = new ArrayList<>();
        for (int c = 0; c < (config.classification() ? config.outputs() : 0); c++) {
            classes.add(Integer.toString(c));
        }
        return new Dataset("partition", Tensor.fromArray(x, shape), Tensor.fromArray(y, rows.size()), classes);
    }
}
