package dev.backprop.compare;

import java.util.Arrays;

/** Two pieces of work timed against each other in alternating rounds. */
final class Timing {
    /**
     * Milliseconds of rest before each side's turn, so that neither side's threads are still spinning (Backprop's
     * workers spin 0.2 ms before they park; ONNX Runtime's intra-op threads spin between runs by default) when the
     * other's turn starts. With the untimed call alone, the MNIST MLP's batch of 64 measured 236-244 us a call on our
     * side in four runs of {@code compare --inference} and 351 in one of {@code bench} (where ONNX Runtime's 224 made
     * it 0.64x); with the rest, 190-258 in four runs in the same half hour (Zen 4, 2026-12-06). ONNX Runtime's own
     * medians moved from 289 to 2,020 us between runs either way.
     */
    private static final long GAP_MILLIS = 50;

    private Timing() {
    }

    /** The work timed. */
    interface Body {
        void run() throws Exception;
    }

    /**
     * Two sides' times from alternating rounds: {@code a} and {@code b} are each {median, best} seconds of a
     * call over every timed call; {@code lowest} and {@code highest} are {@link #ratio} within single rounds.
     */
    record Paired(double[] a, double[] b, double lowest, double highest) {
        /** The median time of {@code b} over that of {@code a}: how many times as fast {@code a} is. */
        double ratio() {
            return b[0] / a[0];
        }
    }

    /**
     * {@code a} and {@code b} timed in alternating rounds, after each ran for {@code warmupSeconds}: each
     * round runs one side and then the other (which goes first swaps every round), each side one untimed
     * call and then {@code calls} timed ones. Timing one side after the other lets a spell of the machine
     * (our two-core machines change speed from one second to the next) fall on one side only; alternating
     * spreads it over both, and a rest ({@link #GAP_MILLIS}) and the untimed call keep the other side's tail
     * (threads still spinning, caches holding its data) out of the figures. The warm-up is seconds, not a count
     * of calls: the JIT needs seconds to compile a small model's whole forward pass (LeNet at batch 1 took 6.7 ms
     * a call in its first second, 84 us after four).
     */
    static Paired alternate(double warmupSeconds, int rounds, int calls, Body a, Body b) throws Exception {
        for (Body side : new Body[] {a, b}) {
            long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
            while (System.nanoTime() < end) {
                side.run();
            }
        }
        double[] timesA = new double[rounds * calls];
        double[] timesB = new double[rounds * calls];
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            double medianA = 0;
            double medianB = 0;
            for (int turn = 0; turn < 2; turn++) {
                boolean sideA = (r + turn) % 2 == 0;
                Thread.sleep(GAP_MILLIS);
                double[] round = calls(sideA ? a : b, calls);
                System.arraycopy(round, 0, sideA ? timesA : timesB, r * calls, calls);
                Arrays.sort(round);
                if (sideA) {
                    medianA = round[calls / 2];
                } else {
                    medianB = round[calls / 2];
                }
            }
            ratios[r] = medianB / medianA;
        }
        Arrays.sort(timesA);
        Arrays.sort(timesB);
        Arrays.sort(ratios);
        return new Paired(new double[] {timesA[timesA.length / 2], timesA[0]},
                new double[] {timesB[timesB.length / 2], timesB[0]}, ratios[0], ratios[rounds - 1]);
    }

    /** Seconds of each of {@code calls} runs of {@code body}, after one untimed run. */
    private static double[] calls(Body body, int calls) throws Exception {
        body.run();
        double[] t = new double[calls];
        for (int i = 0; i < calls; i++) {
            long start = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        return t;
    }
}
