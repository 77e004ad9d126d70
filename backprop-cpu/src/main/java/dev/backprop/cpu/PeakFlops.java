package dev.backprop.cpu;

import java.util.concurrent.atomic.AtomicLong;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures this machine's float32 peak: every kernel thread runs a loop of independent fused
 * multiply-adds on vector registers (no memory traffic), and the total rate is reported. SGEMM
 * efficiency is quoted against this figure.
 */
public final class PeakFlops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private PeakFlops() {
    }

    /** GFLOP/s of all kernel threads together, over about {@code millis} of measurement. */
    public static double measure(long millis) {
        float[] warm = new float[12 * S.length()];
        for (int i = 0; i < 20_000; i++) {
            chunk(warm);   // enough calls for a normal (not on-stack-replacement) compilation
        }
        int threads = WorkerPool.threads();
        long chunks = 1;
        long elapsed;
        AtomicLong sink = new AtomicLong();
        do {
            chunks *= 2;
            long count = chunks;
            long start = System.nanoTime();
            WorkerPool.run(threads, t -> {
                float[] state = new float[12 * S.length()];
                for (long c = 0; c < count; c++) {
                    chunk(state);
                }
                sink.addAndGet(Float.floatToIntBits(state[0]));
            });
            elapsed = System.nanoTime() - start;
        } while (elapsed < millis * 1_000_000L);
        double flops = (double) chunks * CHUNK * threads * 12 * S.length() * 2;
        return flops / elapsed + (sink.get() == 42 ? 1e-9 : 0);
    }

    private static final int CHUNK = 4096;

    /**
     * 12 independent FMA chains over {@value #CHUNK} steps, enough to hide the FMA latency on two
     * pipes; the chains live in {@code state} between calls. Each chain is an accumulator,
     * {@code x += m a}, the form a GEMM kernel has and one instruction each; written {@code x = x m + a},
     * C2 copied {@code a} into a fresh register before every FMA and spilled chains on AVX2, and
     * the "peak" came out 15-30% under the C program's ({@code backprop-bench/native/peak}).
     */
    private static void chunk(float[] state) {
        int v = S.length();
        FloatVector m = FloatVector.broadcast(S, 0.001f);
        FloatVector a = FloatVector.broadcast(S, 0.001f);
        FloatVector x0 = FloatVector.fromArray(S, state, 0), x1 = FloatVector.fromArray(S, state, v);
        FloatVector x2 = FloatVector.fromArray(S, state, 2 * v), x3 = FloatVector.fromArray(S, state, 3 * v);
        FloatVector x4 = FloatVector.fromArray(S, state, 4 * v), x5 = FloatVector.fromArray(S, state, 5 * v);
        FloatVector x6 = FloatVector.fromArray(S, state, 6 * v), x7 = FloatVector.fromArray(S, state, 7 * v);
        FloatVector x8 = FloatVector.fromArray(S, state, 8 * v), x9 = FloatVector.fromArray(S, state, 9 * v);
        FloatVector x10 = FloatVector.fromArray(S, state, 10 * v), x11 = FloatVector.fromArray(S, state, 11 * v);
        for (int i = 0; i < CHUNK; i++) {
            x0 = m.fma(a, x0);
            x1 = m.fma(a, x1);
            x2 = m.fma(a, x2);
            x3 = m.fma(a, x3);
            x4 = m.fma(a, x4);
            x5 = m.fma(a, x5);
            x6 = m.fma(a, x6);
            x7 = m.fma(a, x7);
            x8 = m.fma(a, x8);
            x9 = m.fma(a, x9);
            x10 = m.fma(a, x10);
            x11 = m.fma(a, x11);
        }
        x0.intoArray(state, 0);
        x1.intoArray(state, v);
        x2.intoArray(state, 2 * v);
        x3.intoArray(state, 3 * v);
        x4.intoArray(state, 4 * v);
        x5.intoArray(state, 5 * v);
        x6.intoArray(state, 6 * v);
        x7.intoArray(state, 7 * v);
        x8.intoArray(state, 8 * v);
        x9.intoArray(state, 9 * v);
        x10.intoArray(state, 10 * v);
        x11.intoArray(state, 11 * v);
    }
}
