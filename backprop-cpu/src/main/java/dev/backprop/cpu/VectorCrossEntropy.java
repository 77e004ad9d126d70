package dev.backprop.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax cross-entropy a row at a time in float32 vectors, rows split across the workers: forward takes the
 * row's maximum and its sum (for label smoothing) in one pass, writes the exponentials of the shifted logits
 * (the backend's vector exp) while summing them, and scales them into probabilities in a third; backward writes
 * {@code dLoss (p - eps / C)} and corrects the target's entry. Lane sums are added in a fixed order, so
 * results do not depend on thread timing. Same formulas as {@code ReferenceCrossEntropy}, whose sums are in
 * double: the GPT recipe's vocabulary loss ([768, 65], forward and backward inside a step's memory) took
 * 59-116 us a step against 265-297 us for the reference's loops on the calling thread (the AVX2 machine,
 * 2026-12-05, one JVM, old and new code alternating).
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
            int upper = S.loopBound(classes);
            for (int r = rows * part / parts, end = rows * (part + 1) / parts; r < end; r++) {
                int base = r * classes;
                FloatVector maxV = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                FloatVector sumV = FloatVector.zero(S);
                for (int j = 0; j < upper; j += V) {
                    FloatVector v = FloatVector.fromArray(S, x, base + j);
                    maxV = maxV.max(v);
                    sumV = sumV.add(v);
                }
                float m = upper == 0 ? Float.NEGATIVE_INFINITY : maxV.reduceLanes(VectorOperators.MAX);
                float sumX = VectorLoops.laneSum(sumV);
                for (int j = upper; j < classes; j++) {
                    m = Math.max(m, x[base + j]);
                    sumX += x[base + j];
                }
                FloatVector sumE = FloatVector.zero(S);
                for (int j = 0; j < upper; j += V) {
                    FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, base + j).sub(m));
                    e.intoArray(probabilities, base + j);
                    sumE = sumE.add(e);
                }
                float sumExp = VectorLoops.laneSum(sumE);
                for (int j = upper; j < classes; j++) {
                    float e = (float) Math.exp(x[base + j] - m);
                    probabilities[base + j] = e;
                    sumExp += e;
                }
                float inverse = 1f / sumExp;
                for (int j = 0; j < upper; j += V) {
                    FloatVector.fromArray(S, probabilities, base + j).mul(inverse).intoArray(probabilities, base + j);
                }
                for (int j = upper; j < classes; j++) {
                    probabilities[base + j] *= inverse;
                }
                double picked = (1 - smoothing) * x[base + targets[r]] + smoothing * (double) sumX / classes;
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
            int upper = S.loopBound(classes);
            for (int r = rows * part / parts, end = rows * (part + 1) / parts; r < end; r++) {
                int base = r * classes;
                float up = dLoss[r];
                for (int j = 0; j < upper; j += V) {
                    FloatVector.fromArray(S, probabilities, base + j).sub(spread).mul(up).intoArray(dx, base + j);
                }
                for (int j = upper; j < classes; j++) {
                    dx[base + j] = up * (probabilities[base + j] - spread);
                }
                int t = base + targets[r];
                dx[t] = up * (probabilities[t] - onTarget);
            }
        });
    }

    /** Worker count: one per thread, each with at least {@link #PART_ELEMENTS} elements. */
    private static int parts(int rows, int classes) {
        long elements = (long) rows * classes;
        return (int) Math.max(1, Math.min(Math.min(WorkerPool.threads(), rows), elements / PART_ELEMENTS));
    }
}
