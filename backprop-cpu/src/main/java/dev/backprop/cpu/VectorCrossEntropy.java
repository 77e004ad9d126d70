package dev.backprop.cpu;

import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.ReduceOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax cross-entropy a row at a time in float32 vectors, rows split across the workers: forward takes the
 * row's maximum, writes the exponentials of the shifted logits (the backend's vector exp) while summing them,
 * scales them into probabilities, and sums the logits for label smoothing; backward writes
 * {@code dLoss (p - eps / C)} and corrects the target's entry. Lane sums are added in a fixed order, so
 * results do not depend on thread timing. Same formulas as {@code ReferenceCrossEntropy}, whose sums are in
 * double: the GPT recipe's vocabulary loss ([768, 65], forward and backward inside a step's memory) took
 * 59-116 us a step against 265-297 us for the reference's loops on the calling thread (the AVX2 machine,
 * 2026-12-05, one JVM, old and new code alternating). Rows of fewer classes than a vector's lanes go a float at a time
 * ({@link #narrowRows}); every exponential, in a vector or alone, is {@link VectorMath}'s, bit for bit the same.
 */
final class VectorCrossEntropy {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** Elements per worker below which a loss is not split. */
    private static final int PART_ELEMENTS = 16_384;

    private VectorCrossEntropy() {
    }

    static void forward(float[] x, int rows, int classes, int[] targets, float smoothing, float[] probabilities,
                        float[] loss) {
        int parts = parts(rows, classes);
        WorkerPool.run(parts, part -> {
            if (classes < V) {
                narrowRows(x, rows * part / parts, rows * (part + 1) / parts, classes, targets, smoothing,
                        probabilities, loss);
                return;
            }
            float[] lanes = new float[V];
            for (int r = rows * part / parts, end = rows * (part + 1) / parts; r < end; r++) {
                int base = r * classes;
                float m = VectorLoops.reduce(ReduceOp.MAX, x, base, classes, lanes);
                float sumExp = exponentials(x, base, classes, m, probabilities);
                VectorLoops.zipScalar(BinaryOp.MUL, probabilities, base, 1f / sumExp, false, probabilities, base, classes);
                double sumX = smoothing == 0f ? 0 : VectorLoops.reduce(ReduceOp.SUM, x, base, classes, lanes);
                double picked = (1 - smoothing) * x[base + targets[r]] + smoothing * sumX / classes;
                loss[r] = (float) (m + Math.log(sumExp) - picked);
            }
        });
    }

    static void backward(float[] probabilities, int rows, int classes, int[] targets, float smoothing, float[] dLoss,
                         float[] dx) {
        float spread = smoothing / classes;
        float onTarget = spread + (1 - smoothing);
        int parts = parts(rows, classes);
        WorkerPool.run(parts, part -> {
            for (int r = rows * part / parts, end = rows * (part + 1) / parts; r < end; r++) {
                int base = r * classes;
                float up = dLoss[r];
                shiftAndScale(probabilities, base, classes, spread, up, dx);
                int t = base + targets[r];
                dx[t] = up * (probabilities[t] - onTarget);
            }
        });
    }

    // Each loop over a row is a small method (the row's maximum, sum and scaling are VectorLoops'), so that C2
    // compiles it with its vector operations as instructions whether or not it inlines it: in one larger loop body
    // it declined to inline the lane sums and the vector exp (its node budget), which boxes every vector passed.

    /** {@code out[at + j] = exp(x[at + j] - shift)} for j below n; returns their sum. */
    private static float exponentials(float[] x, int at, int n, float shift, float[] out) {
        int upper = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        for (int j = 0; j < upper; j += V) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, at + j).sub(shift));
            e.intoArray(out, at + j);
            acc = acc.add(e);
        }
        float s = VectorLoops.laneSum(acc);
        for (int j = upper; j < n; j++) {
            float e = VectorMath.exp(x[at + j] - shift);
            out[at + j] = e;
            s += e;
        }
        return s;
    }

    /**
     * Rows {@code [from, to)} of fewer classes than a vector has lanes (a classifier's ten digits), a float at a time in
     * one loop per row: the vector path's calls per row (its maximum, exponentials and scaling, each with a loop of no
     * whole vector) cost more than the row's arithmetic. In the MNIST MLP's training (128 rows of 10, a scratch clock
     * over the steps after the 3,000th, Intel Xeon, 2026-12-07) the backend's call took 18.7-20.4 us a step through the
     * vector path with {@link VectorMath#exp(float)} for every logit and 13.3-14.4 this way, the loss's whole forward
     * (with its mean) 24.1-27.3 and 19.8-21.2; with {@code Math.exp}'s call per logit, 27.7. A harness with the logits
     * hot ran this loop in 6.4-6.8 us, and in 9.5-9.8 with {@code Math.exp}.
     */
    private static void narrowRows(float[] x, int from, int to, int classes, int[] targets, float smoothing,
                                   float[] probabilities, float[] loss) {
        for (int r = from; r < to; r++) {
            int base = r * classes;
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                m = Math.max(m, x[base + j]);   // NaN stays NaN, as in the vector path
            }
            float sumExp = 0f;
            for (int j = 0; j < classes; j++) {
                float e = VectorMath.exp(x[base + j] - m);
                probabilities[base + j] = e;
                sumExp += e;
            }
            float inv = 1f / sumExp;
            for (int j = 0; j < classes; j++) {
                probabilities[base + j] *= inv;
            }
            double sumX = 0;
            for (int j = 0; smoothing != 0f && j < classes; j++) {
                sumX += x[base + j];   // only with smoothing: a masked class's -infinity times 0 would be NaN
            }
            double picked = (1 - smoothing) * x[base + targets[r]] + smoothing * sumX / classes;
            loss[r] = (float) (m + Math.log(sumExp) - picked);
        }
    }

    /** {@code dx[at + j] = factor (p[at + j] - shift)} for j below n. */
    private static void shiftAndScale(float[] p, int at, int n, float shift, float factor, float[] dx) {
        int upper = S.loopBound(n);
        for (int j = 0; j < upper; j += V) {
            FloatVector.fromArray(S, p, at + j).sub(shift).mul(factor).intoArray(dx, at + j);
        }
        for (int j = upper; j < n; j++) {
            dx[at + j] = factor * (p[at + j] - shift);
        }
    }

    /** Worker count: one per thread, each with at least {@link #PART_ELEMENTS} elements. */
    private static int parts(int rows, int classes) {
        long elements = (long) rows * classes;
        return (int) Math.max(1, Math.min(Math.min(WorkerPool.threads(), rows), elements / PART_ELEMENTS));
    }
}
