package dev.backprop.compare;

import java.util.Arrays;

/** Repeated timing of one piece of work: the median and the best of several rounds after a warm-up. */
final class Timing {
    private Timing() {
    }

    /** The work timed. */
    interface Body {
        void run() throws Exception;
    }

    /**
     * {median, best} seconds of {@code rounds} runs after running it for {@code warmupSeconds}: the JIT
     * needs seconds, not a count of calls, to compile a small model's whole forward pass (LeNet at batch
     * 1 took 6.7 ms a call in its first second, 84 us after four).
     */
    static double[] timeWarm(double warmupSeconds, int rounds, Body body) throws Exception {
        long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
        while (System.nanoTime() < end) {
            body.run();
        }
        return time(0, rounds, body);
    }

    /** {median, best} seconds of {@code rounds} runs after {@code warmup}. */
    static double[] time(int warmup, int rounds, Body body) throws Exception {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double[] t = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(t);
        return new double[] {t[rounds / 2], t[0]};
    }
}
