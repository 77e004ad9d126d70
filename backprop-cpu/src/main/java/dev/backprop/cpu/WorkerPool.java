package dev.backprop.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads that kernels split their work across: one set per process, sized to the available
 * processors or to the system property {@code backprop.threads}. The calling thread takes parts
 * too, so n threads keep exactly n cores busy and never oversubscribe. Workers spin briefly
 * between jobs before they park, because a training step issues many small kernels back to back
 * and waking a parked thread costs more than a small GEMM; the calling thread, at a region's end,
 * spins for the workers' last parts and parks if they take long ({@link #SPIN_BEFORE_PARK_NANOS}).
 */
final class WorkerPool {
    private static final int THREADS = configuredThreads();
    /** How long an idle worker spins for the next region before it parks. */
    private static final long SPIN_NANOS = 200_000;
    /**
     * How long the calling thread spins at a region's end before it parks until the last part is done. A longer wait
     * is mostly a worker that lost its core in the middle of a part (to the JIT's compiler threads, the garbage
     * collector's, the kernel's): the spin held the caller's core while the worker waited a time slice for the other.
     * Parked, the caller leaves its core idle, and the kernel can move the worker there. The GPT recipe on two cores
     * of an Intel Xeon (2026-12-07): in a profiled run from its 300th step, with 50 us here, the caller's waits at
     * regions' ends fell from 2.1-3.0 ms a step to 0.7-1.0 (those over a millisecond from 1.6-2.3 ms to 0.07-0.14);
     * its rounds, alternating with a spin-only wait in one JVM, ran faster in 12 of 14 (median +2.4%), and with 200 us
     * in 8 of 12 (median +2.8%). A 1024 product lost 2% with 50 us (a woken caller is late) and 0.4-0.8% with 200
     * (2048: 1% and 0.3%); the MNIST MLP's epochs took the same either way (medians 0.392-0.394 s).
     */
    private static final long SPIN_BEFORE_PARK_NANOS = 200_000;
    private static final Worker[] WORKERS = startWorkers(THREADS - 1);
    private static final Object REGION = new Object();

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

    private static Worker[] startWorkers(int count) {
        Worker[] workers = new Worker[count];
        for (int i = 0; i < count; i++) {
            workers[i] = new Worker(i);
            workers[i].start();
        }
        return workers;
    }

    /**
     * Runs {@code part.accept(i)} for every i in {@code [0, parts)}, spread over the threads; returns
     * when all are done. Parts must touch disjoint memory. Nested inside another region (from a worker
     * thread or from the caller's own part) it runs inline.
     */
    static void run(int parts, IntConsumer part) {
        if (parts <= 1 || WORKERS.length == 0 || Thread.currentThread() instanceof Worker || Thread.holdsLock(REGION)) {
            for (int i = 0; i < parts; i++) {
                part.accept(i);
            }
            return;
        }
        synchronized (REGION) {
            Job job = new Job(parts, part);
            for (int w = 0; w < Math.min(parts - 1, WORKERS.length); w++) {
                WORKERS[w].submit(job);
            }
            job.work();
            job.awaitParts();
            if (job.failure != null) {
                throw job.failure instanceof RuntimeException r ? r : new IllegalStateException(job.failure);
            }
        }
    }

    /** One parallel region: participants claim part indices until none are left. */
    private static final class Job {
        final int parts;
        final IntConsumer part;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;
        /** The calling thread once it parks to wait for the last part. */
        volatile Thread waiter;

        Job(int parts, IntConsumer part) {
            this.parts = parts;
            this.part = part;
        }

        void work() {
            int i;
            while ((i = next.getAndIncrement()) < parts) {
                try {
                    part.accept(i);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    if (done.incrementAndGet() == parts) {
                        Thread w = waiter;
                        if (w != null) {
                            LockSupport.unpark(w);
                        }
                    }
                }
            }
        }

        /**
         * The calling thread's wait for the parts the workers took: a spin, then, past {@link #SPIN_BEFORE_PARK_NANOS},
         * parked until the last part's thread wakes it (or a millisecond passes).
         */
        void awaitParts() {
            long start = System.nanoTime();
            int spins = 0;
            while (done.get() < parts) {
                if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_BEFORE_PARK_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                waiter = Thread.currentThread();
                if (done.get() < parts) {
                    LockSupport.parkNanos(1_000_000);
                }
            }
        }
    }

    /** A daemon thread that runs the jobs handed to it. */
    private static final class Worker extends Thread {
        private final AtomicReference<Job> job = new AtomicReference<>();

        Worker(int index) {
            super("backprop-kernel-" + index);
            setDaemon(true);
        }

        void submit(Job j) {
            job.set(j);
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (true) {
                Job j = awaitJob();
                job.compareAndSet(j, null);   // a newer job submitted meanwhile stays for the next turn
                j.work();
            }
        }

        private Job awaitJob() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            Job j;
            while ((j = job.get()) == null) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            return j;
        }
    }
}
