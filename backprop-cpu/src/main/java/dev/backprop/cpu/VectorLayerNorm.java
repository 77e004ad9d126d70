package dev.backprop.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Layer normalisation a row at a time in float32 vectors, rows split across the workers: forward
 * takes the mean and the biased variance in two passes over the row and writes y in a third
 * (keeping only the row's mean and 1/std); backward recomputes the row's xhat into a scratch row
 * while it forms {@code dh = dy w} and its two row sums, and writes dx in a second pass,
 * while each worker sums its rows' weight and bias gradients, added afterwards in a fixed order.
 * Lane sums are added in a fixed order too, so results do not depend on thread timing. Same
 * formulas as {@code ReferenceLayerNorm}.
 */
final class VectorLayerNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /** Elements per worker below which a normalisation is not split. */
    private static final int PART_ELEMENTS = 16_384;

    private VectorLayerNorm() {
    }

    static void forward(float[] x, int rows, int width, float[] weight, float[] bias, float eps,
                        float[] y, float[] means, float[] invStd) {
        int parts = parts(rows, width);
        WorkerPool.run(parts, part -> {
            int upper = S.loopBound(width);
            for (int r = rows * part / parts, end = rows * (part + 1) / parts; r < end; r++) {
                int base = r * width;
                FloatVector acc = FloatVector.zero(S);
                for (int j = 0; j < upper; j += V) {
                    acc = acc.add(FloatVector.fromArray(S, x, base + j));
                }
                float sum = VectorLoops.laneSum(acc);
                for (int j = upper; j < width; j++) {
                    sum += x[base + j];
                }
                float mean = sum / width;
                acc = FloatVector.zero(S);
                for (int j = 0; j < upper; j += V) {
                    FloatVector d = FloatVector.fromArray(S, x, base + j).sub(mean);
                    acc = d.fma(d, acc);
                }
                float sq = VectorLoops.laneSum(acc);
                for (int j = upper; j < width; j++) {
                    float d = x[base + j] - mean;
                    sq += d * d;
                }
                float rstd = (float) (1 / Math.sqrt((double) sq / width + eps));
                means[r] = mean;
                invStd[r] = rstd;
                for (int j = 0; j < upper; j += V) {
                    FloatVector h = FloatVector.fromArray(S, x, base + j).sub(mean).mul(rstd);
                    FloatVector out = weight == null ? h : h.mul(FloatVector.fromArray(S, weight, j));
                    (bias == null ? out : out.add(FloatVector.fromArray(S, bias, j))).intoArray(y, base + j);
                }
                for (int j = upper; j < width; j++) {
                    float h = (x[base + j] - mean) * rstd;
                    y[base + j] = h * (weight == null ? 1f : weight[j]) + (bias == null ? 0f : bias[j]);
                }
            }
        });
    }

    static void backward(float[] dy, float[] x, float[] means, float[] invStd, float[] weight, int rows, int width,
                         float[] dx, float[] dWeight, float[] dBias) {
        int parts = parts(rows, width);
        // Each part's sums of the weight's gradient (from 0) and the bias's (from width), in the scratch of the thread
        // that adds to them every row: made by the calling thread, side by side, the parts' arrays shared cache lines,
        // and the two cores handed those lines back and forth at every row. The GPT recipe's [768 x 128] took 70-86 us
        // on two threads that way, against 27 on one (a harness, the arrays in the caches; Intel Xeon, 2026-12-07).
        float[][] sums = new float[parts][];
        WorkerPool.run(parts, part -> {
            Scratch s = SCRATCH.get().fit(width);
            float[] partSums = s.sums(part, width);
            sums[part] = partSums;
            float[] dh = s.dh;
            float[] xhat = s.xhat;
            int upper = S.loopBound(width);
            for (int r = rows * part / parts, end = rows * (part + 1) / parts; r < end; r++) {
                int base = r * width;
                float mean = means[r];
                float rstd = invStd[r];
                FloatVector sumDh = FloatVector.zero(S);
                FloatVector sumDhXhat = FloatVector.zero(S);
                for (int j = 0; j < upper; j += V) {
                    FloatVector g = FloatVector.fromArray(S, dy, base + j);
                    FloatVector h = FloatVector.fromArray(S, x, base + j).sub(mean).mul(rstd);
                    h.intoArray(xhat, j);
                    FloatVector d = weight == null ? g : g.mul(FloatVector.fromArray(S, weight, j));
                    d.intoArray(dh, j);
                    sumDh = sumDh.add(d);
                    sumDhXhat = d.fma(h, sumDhXhat);
                    if (dWeight != null) {
                        g.fma(h, FloatVector.fromArray(S, partSums, j)).intoArray(partSums, j);
                    }
                    if (dBias != null) {
                        g.add(FloatVector.fromArray(S, partSums, width + j)).intoArray(partSums, width + j);
                    }
                }
                float sDh = VectorLoops.laneSum(sumDh);
                float sDhXhat = VectorLoops.laneSum(sumDhXhat);
                for (int j = upper; j < width; j++) {
                    float g = dy[base + j];
                    xhat[j] = (x[base + j] - mean) * rstd;
                    dh[j] = weight == null ? g : g * weight[j];
                    sDh += dh[j];
                    sDhXhat += dh[j] * xhat[j];
                    if (dWeight != null) {
                        partSums[j] += g * xhat[j];
                    }
                    if (dBias != null) {
                        partSums[width + j] += g;
                    }
                }
                if (dx == null) {
                    continue;
                }
                float meanDh = sDh / width;
                float meanDhXhat = sDhXhat / width;
                for (int j = 0; j < upper; j += V) {
                    FloatVector h = FloatVector.fromArray(S, xhat, j);
                    FloatVector.fromArray(S, dh, j).sub(meanDh).sub(h.mul(meanDhXhat)).mul(rstd).intoArray(dx, base + j);
                }
                for (int j = upper; j < width; j++) {
                    dx[base + j] = (dh[j] - meanDh - xhat[j] * meanDhXhat) * rstd;
                }
            }
        });
        addParts(sums, 0, dWeight);
        addParts(sums, width, dBias);
    }

    /** Worker count: one per thread, each with at least {@link #PART_ELEMENTS} elements. */
    private static int parts(int rows, int width) {
        long elements = (long) rows * width;
        return (int) Math.max(1, Math.min(Math.min(WorkerPool.threads(), rows), elements / PART_ELEMENTS));
    }

    /** {@code into = parts[0] + parts[1] + ...} from {@code at} of each, in that order; nothing when into is null. */
    private static void addParts(float[][] parts, int at, float[] into) {
        if (into == null) {
            return;
        }
        System.arraycopy(parts[0], at, into, 0, into.length);
        for (int p = 1; p < parts.length; p++) {
            for (int j = 0; j < into.length; j++) {
                into[j] += parts[p][at + j];
            }
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * One thread's arrays for {@link #backward}, made by that thread and kept, so that a training step allocates
     * nothing here: a row's dh and xhat, and for each part index it has run, that part's gradient sums (a region nested
     * in another runs its parts one after another on one thread, and they still keep apart).
     */
    private static final class Scratch {
        private float[] dh = new float[0];
        private float[] xhat = new float[0];
        private float[][] sums = new float[0][];

        Scratch fit(int width) {
            if (dh.length < width) {
                dh = new float[width];
                xhat = new float[width];
            }
            return this;
        }

        /** Part's sums, zeroed: the weight's gradient at {@code [0, width)}, the bias's at {@code [width, 2 width)}. */
        float[] sums(int part, int width) {
            if (sums.length <= part) {
                sums = java.util.Arrays.copyOf(sums, part + 1);
            }
            if (sums[part] == null || sums[part].length < 2 * width) {
                sums[part] = new float[2 * width];
            } else {
                java.util.Arrays.fill(sums[part], 0, 2 * width, 0f);
            }
            return sums[part];
        }
    }
}
