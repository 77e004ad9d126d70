package dev.backprop.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Gathers the concurrent requests for one model into batches and runs one forward pass per batch, on a
 * thread of its own. A batch starts with the oldest waiting request and takes every request already queued;
 * while more requests for the model are on their way in (arrived, body still being read or decoded), it
 * waits for them, up to the configured delay; it closes when it holds the maximum rows (a request that would
 * overflow it opens the next one). So a lone request runs at once, and under load, batches fill from what
 * queues during the previous forward pass. At most {@code queueCapacity} requests wait: the next is refused
 * at once with 503, so an overload costs neither memory nor time. Closing refuses new requests and answers
 * every accepted one first.
 */
final class DynamicBatcher {
    private record Job(ServedModel.Rows rows, CompletableFuture<float[]> result) {
    }

    private final String model;
    private final Function<List<ServedModel.Rows>, float[]> forward;
    private final int width;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final int capacity;
    private final Semaphore admission;
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Object forwardLock;
    private final ServerMetrics metrics;
    private final Thread worker;
    private final java.util.concurrent.atomic.AtomicInteger arriving = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closing;
    private long batches;

    /**
     * @param forward     the model's forward pass: requests' rows in, {@code [rows, width]} row-major out
     * @param forwardLock held around every forward pass, shared by the batchers of one server, so that models
     *                    take turns on the cores rather than fight over them
     */
    DynamicBatcher(String model, Function<List<ServedModel.Rows>, float[]> forward, int width, ServeConfig config, Object forwardLock,
                   ServerMetrics metrics) {
        this.model = model;
        this.forward = forward;
        this.width = width;
        this.maxBatch = config.maxBatch();
        this.maxDelayNanos = config.maxDelay().toNanos();
        this.capacity = config.queueCapacity();
        this.admission = new Semaphore(capacity);
        this.forwardLock = forwardLock;
        this.metrics = metrics;
        this.worker = Thread.ofPlatform().name("backprop-batcher-" + model).daemon().start(this::run);
    }

    /** A request for this model has arrived; {@link #submit} or {@link #gone} follows. */
    void arriving() {
        arriving.incrementAndGet();
    }

    /** A request that {@link #arriving} announced ended without being submitted (bad input, say). */
    void gone() {
        arriving.decrementAndGet();
    }

    /**
     * Queues {@code rows} (one request's) for the next batch; the future gives their outputs. Throws a 503 problem
     * when the queue is full or the batcher is closing.
     */
    CompletableFuture<float[]> submit(ServedModel.Rows rows) {
        arriving.decrementAndGet();
        if (closing) {
            throw HttpProblem.unavailable("model '" + model + "' is shutting down", 1);
        }
        if (!admission.tryAcquire()) {
            throw HttpProblem.unavailable("model '" + model + "' already has " + capacity + " requests waiting, the most"
                    + " it queues; try again shortly", 1);
        }
        Job job = new Job(rows, new CompletableFuture<>());
        queue.add(job);
        if (closing && !worker.isAlive() && queue.remove(job)) {   // closed between the check and the add
            admission.release();
            throw HttpProblem.unavailable("model '" + model + "' is shutting down", 1);
        }
        metrics.queueDepth(model, waiting());
        return job.result();
    }

    /** Requests queued, waiting for a forward pass. */
    int waiting() {
        return capacity - admission.availablePermits();
    }

    /** Forward passes run so far. */
    synchronized long batches() {
        return batches;
    }

    private void run() {
        Job carried = null;
        while (true) {
            Job first;
            try {
                first = carried != null ? carried : queue.poll(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            carried = null;
            if (first == null) {
                if (closing && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            List<Job> batch = new ArrayList<>();
            batch.add(first);
            int rows = first.rows().count();
            long deadline = System.nanoTime() + maxDelayNanos;
            while (rows < maxBatch) {
                long wait = arriving.get() > 0 ? deadline - System.nanoTime() : 0;
                Job next;
                try {
                    next = wait > 0 ? queue.poll(Math.min(wait, 100_000), TimeUnit.NANOSECONDS) : queue.poll();
                } catch (InterruptedException e) {
                    next = null;
                }
                if (next == null) {
                    if (arriving.get() > 0 && deadline - System.nanoTime() > 0) {
                        continue;   // more are on their way: look again (every 0.1 ms) until the delay is up
                    }
                    break;
                }
                if (rows + next.rows().count() > maxBatch) {
                    carried = next;
                    break;
                }
                batch.add(next);
                rows += next.rows().count();
            }
            // The requests of this batch no longer wait in the queue; the carried one still does.
            admission.release(batch.size());
            metrics.queueDepth(model, waiting());
            execute(batch, rows);
        }
    }

    private void execute(List<Job> batch, int rows) {
        float[] out;
        long start = System.nanoTime();
        try {
            List<ServedModel.Rows> input = batch.stream().map(Job::rows).toList();
            synchronized (forwardLock) {
                out = forward.apply(input);
            }
        } catch (Throwable t) {
            for (Job job : batch) {
                job.result().completeExceptionally(t);
            }
            return;
        }
        metrics.batch(model, rows, (System.nanoTime() - start) / 1e9);
        synchronized (this) {
            batches++;
        }
        int at = 0;
        for (Job job : batch) {
            int n = job.rows().count();
            job.result().complete(Arrays.copyOfRange(out, at * width, (at + n) * width));
            at += n;
        }
    }

    /** Refuses new requests, answers the queued ones, and waits up to {@code timeoutMillis} for the last batch. */
    void close(long timeoutMillis) {
        closing = true;
        try {
            worker.join(Math.max(1, timeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
