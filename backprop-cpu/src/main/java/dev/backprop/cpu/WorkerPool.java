package dev.backprop.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The threads that kernels split their work across: one pool per process, sized to the available
 * processors or to the system property {@code backprop.threads}. The calling thread runs the first
 * part itself, so a pool of n threads keeps exactly n cores busy and never oversubscribes.
 */
final class WorkerPool {
    private static final int THREADS = configuredThreads();
    private static final ExecutorService POOL = THREADS > 1
            ? Executors.newFixedThreadPool(THREADS - 1, r -> {
                Thread t = new Thread(r, "backprop-kernel");
                t.setDaemon(true);
                return t;
            })
            : null;

    private WorkerPool() {
    }

    /** Number of threads kernels use (including the caller's). */
    static int threads() {
        return THREADS;
    }

    private static int configuredThreads() {
        String p = System.getProperty("backprop.threads");
        int n = Runtime.getRuntime().availableProcessors();
        if (p != null) {
            try {
                n = Integer.parseInt(p.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("backprop.threads: '" + p + "' is not a number of threads");
            }
            if (n < 1) {
                throw new IllegalArgumentException("backprop.threads: must be at least 1, got " + n);
            }
        }
        return n;
    }

    /**
     * Runs {@code part.accept(i)} for i in {@code [0, parts)}, spread over the pool; returns when
     * all are done. Parts must touch disjoint memory. Called from a pool thread, it runs inline.
     */
    static void run(int parts, IntConsumer part) {
        if (parts <= 1 || POOL == null || Thread.currentThread().getName().equals("backprop-kernel")) {
            for (int i = 0; i < parts; i++) {
                part.accept(i);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int i = 1; i < parts; i++) {
            int index = i;
            futures.add(POOL.submit(() -> part.accept(index)));
        }
        part.accept(0);
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("kernel interrupted", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }
}
