package dev.backprop.spark.ring;

import java.nio.FloatBuffer;

/**
 * Sums an array across the workers of a {@link Ring}, every worker ending with the total (Patarasuk
 * and Yuan 2009): the array is cut into N chunks; in N - 1 reduce-scatter steps each worker sends one
 * chunk to the next and adds the one it receives, so that worker r ends holding the whole sum of
 * chunk r + 1; in N - 1 all-gather steps the sums travel on round the ring. Each worker sends
 * 2 (N - 1) / N of the array in all, whatever N, and the time is about
 * {@code 2 (N - 1) alpha + 2 (N - 1) / N * bytes / bandwidth}.
 *
 * <p>The order of the additions is fixed: chunk k is summed as
 * {@code ((g_k + g_{k+1}) + g_{k+2}) + ... + g_{k+N-1}} (ranks modulo N), which
 * {@link #referenceSum} computes in one process, so a run is bit for bit reproducible and checkable.
 */
public final class RingAllReduce {
    private RingAllReduce() {
    }

    /** Chunk k of an array of {@code length} cut in {@code n}: {@code [start(k), start(k + 1))}. */
    static int start(int k, int n, int length) {
        return (int) ((long) length * k / n);
    }

    /** Replaces {@code data} with its sum over every worker of the ring. */
    public static void sum(Ring ring, float[] data) {
        sum(ring, data, new long[1]);
    }

    /**
     * {@link #sum(Ring, float[])}, adding to {@code waited[0]} the nanoseconds of the first exchange:
     * the time this worker waited for its neighbour to arrive, and one chunk's transfer.
     */
    public static void sum(Ring ring, float[] data, long[] waited) {
        int n = ring.size();
        int r = ring.rank();
        int length = data.length;
        for (int s = 0; s < n - 1; s++) {   // reduce-scatter
            int send = Math.floorMod(r - s, n);
            int receive = Math.floorMod(r - s - 1, n);
            long before = System.nanoTime();
            FloatBuffer in = ring.exchange(data, start(send, n, length), start(send + 1, n, length) - start(send, n, length),
                    start(receive + 1, n, length) - start(receive, n, length));
            if (s == 0) {
                waited[0] += System.nanoTime() - before;
            }
            for (int i = start(receive, n, length), j = 0; i < start(receive + 1, n, length); i++, j++) {
                data[i] = in.get(j) + data[i];   // the running sum, then this worker's own term
            }
        }
        for (int s = 0; s < n - 1; s++) {   // all-gather
            int send = Math.floorMod(r + 1 - s, n);
            int receive = Math.floorMod(r - s, n);
            FloatBuffer in = ring.exchange(data, start(send, n, length), start(send + 1, n, length) - start(send, n, length),
                    start(receive + 1, n, length) - start(receive, n, length));
            in.get(0, data, start(receive, n, length), start(receive + 1, n, length) - start(receive, n, length));
        }
    }

    /** The sum {@link #sum} computes, in one process, in the same order: {@code parts[w]} is worker w's array. */
    public static float[] referenceSum(float[][] parts) {
        int n = parts.length;
        int length = parts[0].length;
        float[] out = new float[length];
        for (int k = 0; k < n; k++) {
            for (int i = start(k, n, length); i < start(k + 1, n, length); i++) {
                float acc = parts[k][i];
                for (int j = 1; j < n; j++) {
                    acc = acc + parts[(k + j) % n][i];
                }
                out[i] = acc;
            }
        }
        return out;
    }
}
