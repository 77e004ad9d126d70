package dev.backprop.cpu;

import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.ReduceOp;
import dev.backprop.backend.UnaryOp;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise and reduction loops over contiguous runs, a vector at a time with a scalar tail.
 * Each returns false for an op it does not vectorise, and the caller falls back to the reference
 * loop. The transcendental functions they apply are {@link VectorMath}'s.
 */
final class VectorLoops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private VectorLoops() {
    }

    /**
     * The sum of v's lanes in a fixed order: {@code reduceLanes(ADD)} may associate differently once
     * compiled than interpreted, which would make results depend on JIT timing.
     */
    static float laneSum(FloatVector v) {
        // Halves folded onto each other (lane i += lane i + half), a fixed order in vector registers.
        // One statement per fold with the shuffles in constant fields: C2 keeps the vector in a
        // register only when the shuffle is a constant (a loop over an array of them boxed a vector
        // per fold, 12 MB a step of the GPT recipe).
        if (V > 16) {
            return wideLaneSum(v);
        }
        if (V == 16) {
            v = v.add(v.rearrange(FOLD_8));
        }
        if (V >= 8) {
            v = v.add(v.rearrange(FOLD_4));
        }
        if (V >= 4) {
            v = v.add(v.rearrange(FOLD_2));
        }
        if (V >= 2) {
            v = v.add(v.rearrange(FOLD_1));
        }
        return v.lane(0);
    }

    /** Values whose squares are summed in float32 lanes before the block's sum joins the double total. */
    private static final int SQUARES_BLOCK = 1024;

    /**
     * The sum of the squares of {@code src[offset .. offset + n)}: in float32 vectors a block of
     * {@link #SQUARES_BLOCK} values at a time (two accumulators, so the adds overlap), each block's lane sum
     * added to a double, as {@code ReferenceBackend}'s double loop within float32 rounding of a block.
     */
    static double sumOfSquares(float[] src, int offset, int n) {
        double total = 0;
        for (int start = 0; start < n; start += SQUARES_BLOCK) {
            int len = Math.min(SQUARES_BLOCK, n - start);
            int at = offset + start;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            int i = 0;
            for (int upper = len & -(2 * V); i < upper; i += 2 * V) {
                FloatVector x0 = FloatVector.fromArray(S, src, at + i);
                FloatVector x1 = FloatVector.fromArray(S, src, at + i + V);
                a0 = x0.fma(x0, a0);
                a1 = x1.fma(x1, a1);
            }
            float block = laneSum(a0.add(a1));
            for (; i < len; i++) {
                block += src[at + i] * src[at + i];
            }
            total += block;
        }
        return total;
    }

    /** Rotations by 8, 4, 2 and 1 lanes, for {@link #laneSum}; those wider than half a vector unused. */
    private static final VectorShuffle<Float> FOLD_8 = rotation(8);
    private static final VectorShuffle<Float> FOLD_4 = rotation(4);
    private static final VectorShuffle<Float> FOLD_2 = rotation(2);
    private static final VectorShuffle<Float> FOLD_1 = rotation(1);

    private static VectorShuffle<Float> rotation(int lanes) {
        return VectorShuffle.iota(S, lanes % V, 1, true);
    }

    /** {@link #laneSum} for vectors of more than 16 lanes (SVE), with the folds in a loop. */
    private static float wideLaneSum(FloatVector v) {
        for (int half = V / 2; half >= 1; half /= 2) {
            v = v.add(v.rearrange(VectorShuffle.iota(S, half, 1, true)));
        }
        return v.lane(0);
    }

    /** Floats per vector on this machine. */
    static int lanes() {
        return V;
    }

    /**
     * {@code dst[dOff + i] = op(src[off + i])} for i below n; false (nothing written) for an op without a vector
     * loop here. One loop per op, chosen outside it (the Vector API compiles to SIMD instructions only when the
     * operation is a constant at each call site), each in a small method of its own, as {@link #zip}'s are.
     */
    static boolean map(UnaryOp op, float alpha, float beta, float[] src, int off, float[] dst, int dOff, int n) {
        int upper = S.loopBound(n);
        switch (op) {
            case AFFINE -> affine(alpha, beta, src, off, dst, dOff, upper);
            case NEG -> neg(src, off, dst, dOff, upper);
            case ABS -> abs(src, off, dst, dOff, upper);
            case RELU -> relu(src, off, dst, dOff, upper);
            case STEP -> step(alpha, src, off, dst, dOff, upper);
            case SQRT -> sqrt(src, off, dst, dOff, upper);
            case EXP -> VectorMath.exp(src, off, dst, dOff, upper);
            case LOG -> log(src, off, dst, dOff, upper);
            case TANH -> tanh(src, off, dst, dOff, upper);
            case SIGMOID -> sigmoid(src, off, dst, dOff, upper);
            case SILU -> silu(src, off, dst, dOff, upper);
            case GELU -> VectorMath.gelu(src, off, dst, null, dOff, upper);
            case GELU_TANH -> geluTanh(src, off, dst, dOff, upper);
            default -> {
                return false;
            }
        }
        for (int i = upper; i < n; i++) {
            dst[dOff + i] = op.apply(src[off + i], alpha, beta);
        }
        return true;
    }

    private static void affine(float alpha, float beta, float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, src, off + i).mul(alpha).add(beta).intoArray(dst, dOff + i);
        }
    }

    private static void neg(float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, src, off + i).neg().intoArray(dst, dOff + i);
        }
    }

    private static void abs(float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, src, off + i).abs().intoArray(dst, dOff + i);
        }
    }

    private static void relu(float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, src, off + i).max(0f).intoArray(dst, dOff + i);
        }
    }

    private static void step(float threshold, float[] src, int off, float[] dst, int dOff, int upper) {
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < upper; i += V) {
            FloatVector x = FloatVector.fromArray(S, src, off + i);
            zero.blend(1f, x.compare(VectorOperators.GT, threshold)).intoArray(dst, dOff + i);
        }
    }

    private static void sqrt(float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, src, off + i).sqrt().intoArray(dst, dOff + i);
        }
    }

    private static void log(float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            VectorMath.log(FloatVector.fromArray(S, src, off + i)).intoArray(dst, dOff + i);
        }
    }

    private static void tanh(float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            VectorMath.tanh(FloatVector.fromArray(S, src, off + i)).intoArray(dst, dOff + i);
        }
    }

    private static void sigmoid(float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            VectorMath.sigmoid(FloatVector.fromArray(S, src, off + i)).intoArray(dst, dOff + i);
        }
    }

    private static void silu(float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector x = FloatVector.fromArray(S, src, off + i);
            x.mul(VectorMath.sigmoid(x)).intoArray(dst, dOff + i);
        }
    }

    private static void geluTanh(float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector x = FloatVector.fromArray(S, src, off + i);
            x.mul(VectorMath.geluTanhGate(x)).intoArray(dst, dOff + i);
        }
    }

    /**
     * {@code dst[dOff + i] = a[aOff + i] op b[bOff + i]} for i below n. Each op's vector loop is a small method of its
     * own: with all of them in this method, C2 (JDK 25) compiled it on the ops seen first and left a later case's
     * Vector API calls out of line, where they run in Java and allocate an array per operation (the GPT's
     * multiplications after the MLP and LeNet had compiled this method in the same JVM: 10.8 MB a step in
     * {@code bench --quick}, 2026-12-05).
     */
    static boolean zip(BinaryOp op, float[] a, int aOff, float[] b, int bOff, float[] dst, int dOff, int n) {
        int upper = S.loopBound(n);
        switch (op) {
            case ADD -> add(a, aOff, b, bOff, dst, dOff, upper);
            case SUB -> sub(a, aOff, b, bOff, dst, dOff, upper);
            case MUL -> mul(a, aOff, b, bOff, dst, dOff, upper);
            case DIV -> div(a, aOff, b, bOff, dst, dOff, upper);
            case MAXIMUM -> maximum(a, aOff, b, bOff, dst, dOff, upper);
            case MINIMUM -> minimum(a, aOff, b, bOff, dst, dOff, upper);
            case PASS_IF_POSITIVE -> passIfPositive(a, aOff, b, bOff, dst, dOff, upper);
            default -> {
                return false;
            }
        }
        for (int i = upper; i < n; i++) {
            dst[dOff + i] = op.apply(a[aOff + i], b[bOff + i]);
        }
        return true;
    }

    private static void add(float[] a, int aOff, float[] b, int bOff, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(dst, dOff + i);
        }
    }

    private static void sub(float[] a, int aOff, float[] b, int bOff, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, a, aOff + i).sub(FloatVector.fromArray(S, b, bOff + i)).intoArray(dst, dOff + i);
        }
    }

    private static void mul(float[] a, int aOff, float[] b, int bOff, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, a, aOff + i).mul(FloatVector.fromArray(S, b, bOff + i)).intoArray(dst, dOff + i);
        }
    }

    private static void div(float[] a, int aOff, float[] b, int bOff, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, a, aOff + i).div(FloatVector.fromArray(S, b, bOff + i)).intoArray(dst, dOff + i);
        }
    }

    private static void maximum(float[] a, int aOff, float[] b, int bOff, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, a, aOff + i).max(FloatVector.fromArray(S, b, bOff + i)).intoArray(dst, dOff + i);
        }
    }

    private static void minimum(float[] a, int aOff, float[] b, int bOff, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, a, aOff + i).min(FloatVector.fromArray(S, b, bOff + i)).intoArray(dst, dOff + i);
        }
    }

    private static void passIfPositive(float[] a, int aOff, float[] b, int bOff, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            VectorMask<Float> blocked = FloatVector.fromArray(S, b, bOff + i).compare(VectorOperators.LE, 0f);
            FloatVector.fromArray(S, a, aOff + i).blend(0f, blocked).intoArray(dst, dOff + i);
        }
    }

    /**
     * {@code dst[dOff + i] = a[aOff + i] op s} (or {@code s op a[aOff + i]} when {@code scalarFirst})
     * for i below n: one operand broadcast over a contiguous run of the other.
     */
    static boolean zipScalar(BinaryOp op, float[] a, int aOff, float s, boolean scalarFirst, float[] dst, int dOff, int n) {
        int upper = S.loopBound(n);
        switch (op) {
            case ADD -> addScalar(a, aOff, s, dst, dOff, upper);
            case MUL -> mulScalar(a, aOff, s, dst, dOff, upper);
            case SUB -> subScalar(a, aOff, s, scalarFirst, dst, dOff, upper);
            case DIV -> divScalar(a, aOff, s, scalarFirst, dst, dOff, upper);
            default -> {
                return false;
            }
        }
        for (int i = upper; i < n; i++) {
            dst[dOff + i] = scalarFirst ? op.apply(s, a[aOff + i]) : op.apply(a[aOff + i], s);
        }
        return true;
    }

    private static void addScalar(float[] a, int aOff, float s, float[] dst, int dOff, int upper) {
        FloatVector sv = FloatVector.broadcast(S, s);
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, a, aOff + i).add(sv).intoArray(dst, dOff + i);
        }
    }

    private static void mulScalar(float[] a, int aOff, float s, float[] dst, int dOff, int upper) {
        FloatVector sv = FloatVector.broadcast(S, s);
        for (int i = 0; i < upper; i += V) {
            FloatVector.fromArray(S, a, aOff + i).mul(sv).intoArray(dst, dOff + i);
        }
    }

    private static void subScalar(float[] a, int aOff, float s, boolean scalarFirst, float[] dst, int dOff, int upper) {
        FloatVector sv = FloatVector.broadcast(S, s);
        for (int i = 0; i < upper; i += V) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            (scalarFirst ? sv.sub(x) : x.sub(sv)).intoArray(dst, dOff + i);
        }
    }

    private static void divScalar(float[] a, int aOff, float s, boolean scalarFirst, float[] dst, int dOff, int upper) {
        FloatVector sv = FloatVector.broadcast(S, s);
        for (int i = 0; i < upper; i += V) {
            FloatVector x = FloatVector.fromArray(S, a, aOff + i);
            (scalarFirst ? sv.div(x) : x.div(sv)).intoArray(dst, dOff + i);
        }
    }

    /**
     * GELU and its derivative in one pass over contiguous runs: {@code dst[dOff + i] = op(x)},
     * {@code derivative[dOff + i] = op'(x)} for {@code x = src[off + i]}, i below n; false (nothing
     * written) for an op other than GELU and GELU_TANH.
     */
    static boolean mapWithDerivative(UnaryOp op, float[] src, int off, float[] dst, float[] derivative, int dOff, int n) {
        int upper = S.loopBound(n);
        switch (op) {
            case GELU -> VectorMath.gelu(src, off, dst, derivative, dOff, upper);
            case GELU_TANH -> geluTanhWithDerivative(src, off, dst, derivative, dOff, upper);
            default -> {
                return false;
            }
        }
        for (int i = upper; i < n; i++) {
            dst[dOff + i] = op.apply(src[off + i], 0f, 0f);
            derivative[dOff + i] = op.derivative(src[off + i], 0f, 0f);
        }
        return true;
    }

    /** GELU's tanh form and its derivative: with {@code s = sigmoid(2u)}, {@code x s} and {@code s + 2 x s (1 - s) du/dx}. */
    private static void geluTanhWithDerivative(float[] src, int off, float[] dst, float[] derivative, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector x = FloatVector.fromArray(S, src, off + i);
            FloatVector gate = VectorMath.geluTanhGate(x);
            FloatVector du = x.mul(x).mul(3 * 0.044715f).add(1f).mul(SQRT_2_OVER_PI);
            x.mul(gate).intoArray(dst, dOff + i);
            gate.neg().add(1f).mul(gate).mul(du).mul(x).mul(2f).add(gate).intoArray(derivative, dOff + i);
        }
    }

    /**
     * {@code dst[rows[i] * width + j] += src[i * width + j]} for i in order, j below width, and only the i whose
     * {@code rows[i]} lies in {@code [from, to)}: {@link CpuBackend#addRows}' share of dst's rows, {@link #zip}'s
     * vector addition over each, the last few columns a float at a time.
     */
    static void addRows(float[] dst, int[] rows, float[] src, int width, int from, int to) {
        int upper = S.loopBound(width);
        for (int i = 0; i < rows.length; i++) {
            int row = rows[i];
            if (row < from || row >= to) {
                continue;
            }
            int at = row * width;
            int in = i * width;
            add(dst, at, src, in, dst, at, upper);
            for (int j = upper; j < width; j++) {
                dst[at + j] += src[in + j];
            }
        }
    }

    /**
     * Bytes in vectors of the preferred shape, as every constant here must be ({@code SpeciesTest}): four float
     * vectors' worth (64 bytes with 512-bit vectors), widened a quarter at a time.
     */
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, S.vectorShape());
    /**
     * V ints, a constant: {@code S.withLanes(int.class)} written in the loop is not one to C2, which then ran the
     * Vector API's Java code (400 us for 128 rows of 784 bytes against 11).
     */
    private static final VectorSpecies<Integer> INTS = S.withLanes(int.class);

    /**
     * {@code dst[dstOffset + i] = (src[srcOffset + i] & 0xff) / divisor}, four float vectors at a time: a vector of
     * bytes, each quarter zero-extended to ints, converted to floats (exact below 2^24) and divided, the same IEEE
     * division as the reference's, so the same bits; the last bytes of a run (fewer than a vector's worth: 16 of an
     * MNIST image's 784) one at a time.
     *
     * <p>A batch of 128 MNIST images on one thread, hot: 13.7 us against 35 through a 256-entry table a byte at a time
     * (a scratch harness, Zen 4, 2026-12-08). In the MNIST MLP's training (epochs 6-8, every op clocked, two runs each
     * way) the batch's decoding took 41-43 us a step against 48-63 in calm minutes, 98-105 against 129-133 in a slow
     * spell. Bytes loaded 16 at a time, a 128-bit vector, were faster alone (10.4 us), but a second shape breaks the
     * rule above. The price is paid once, before C2 compiles this loop: the Vector API's own Java code runs it at
     * 10-100 us a vector, so a fresh JVM's first ten batches took 190-360 ms against 31-56 with the table (the
     * harness). The time-to-99% command's noise hides those 0.15-0.3 s: 15 runs with the 128-bit version of this loop
     * and 16 with the table, alternating, averaged 8.17 and 8.20 s.
     */
    static void bytesToFloats(byte[] src, int srcOffset, float divisor, float[] dst, int dstOffset, int length) {
        FloatVector d = FloatVector.broadcast(S, divisor);
        int i = 0;
        for (int upper = BYTES.loopBound(length); i < upper; i += BYTES.length()) {
            ByteVector bytes = ByteVector.fromArray(BYTES, src, srcOffset + i);
            widenedQuarter(bytes, 0).div(d).intoArray(dst, dstOffset + i);
            widenedQuarter(bytes, 1).div(d).intoArray(dst, dstOffset + i + V);
            widenedQuarter(bytes, 2).div(d).intoArray(dst, dstOffset + i + 2 * V);
            widenedQuarter(bytes, 3).div(d).intoArray(dst, dstOffset + i + 3 * V);
        }
        for (; i < length; i++) {
            dst[dstOffset + i] = (src[srcOffset + i] & 0xff) / divisor;
        }
    }

    /** Quarter {@code part} of a vector of bytes as floats, each byte read unsigned. */
    private static FloatVector widenedQuarter(ByteVector bytes, int part) {
        return (FloatVector) bytes.convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, part)
                .convert(VectorOperators.I2F, 0);
    }

    /** Rows summed in vector registers before their block's sums are added to the double totals. */
    private static final int COLUMN_SUM_BLOCK = 128;

    /**
     * A thread's scratch for {@link #sumColumns}, kept between calls: the double totals and a block of four vectors.
     * New arrays on every call were most of what the MNIST MLP's step still allocated (its bias gradients; JFR's
     * allocation samples, 2026-12-07).
     */
    private static final class ColumnSums {
        private double[] totals = new double[0];
        final float[] block = new float[4 * V];

        /** The first n totals, zeroed. */
        double[] totals(int n) {
            if (totals.length < n) {
                totals = new double[n];
            } else {
                java.util.Arrays.fill(totals, 0, n, 0.0);
            }
            return totals;
        }
    }

    private static final ThreadLocal<ColumnSums> COLUMN_SUMS = ThreadLocal.withInitial(ColumnSums::new);

    /**
     * Sums of columns {@code [c0, c1)} of the row-major block {@code [rows, cols]} at {@code off}
     * into {@code dst}: blocks of rows are summed in float vectors, four vectors of columns at a
     * time, and each block's sums added into double totals, so long columns keep their accuracy.
     */
    static void sumColumns(float[] src, int off, int rows, int cols, int c0, int c1, float[] dst) {
        ColumnSums sums = COLUMN_SUMS.get();
        double[] total = sums.totals(c1 - c0);
        float[] block = sums.block;
        for (int r0 = 0; r0 < rows; r0 += COLUMN_SUM_BLOCK) {
            int r1 = Math.min(rows, r0 + COLUMN_SUM_BLOCK);
            int c = c0;
            for (; c + 4 * V <= c1; c += 4 * V) {
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int r = r0; r < r1; r++) {
                    int at = off + r * cols + c;
                    a0 = a0.add(FloatVector.fromArray(S, src, at));
                    a1 = a1.add(FloatVector.fromArray(S, src, at + V));
                    a2 = a2.add(FloatVector.fromArray(S, src, at + 2 * V));
                    a3 = a3.add(FloatVector.fromArray(S, src, at + 3 * V));
                }
                a0.intoArray(block, 0);
                a1.intoArray(block, V);
                a2.intoArray(block, 2 * V);
                a3.intoArray(block, 3 * V);
                for (int j = 0; j < 4 * V; j++) {
                    total[c - c0 + j] += block[j];
                }
            }
            for (; c < c1; c++) {
                float s = 0f;
                for (int r = r0; r < r1; r++) {
                    s += src[off + r * cols + c];
                }
                total[c - c0] += s;
            }
        }
        for (int c = c0; c < c1; c++) {
            dst[c] = (float) total[c - c0];
        }
    }

    /**
     * Sum, max or min of {@code src[off .. off+n)}; NaN propagates for max and min, as in the reference. {@code lanes}
     * is V floats of scratch for the sum's lane totals, which a caller reducing row after row allocates once (a new
     * array each call showed in JFR's allocation samples of LeNet-5's training: its bias gradients' rows).
     */
    static float reduce(ReduceOp op, float[] src, int off, int n, float[] lanes) {
        if (op == ReduceOp.SUM) {
            FloatVector acc = FloatVector.zero(S);
            int i = 0;
            for (int upper = S.loopBound(n); i < upper; i += V) {
                acc = acc.add(FloatVector.fromArray(S, src, off + i));
            }
            // Lanes are added in a fixed order: reduceLanes(ADD) may associate differently once
            // compiled, which would make training results depend on JIT timing.
            acc.intoArray(lanes, 0);
            double s = 0;
            for (float lane : lanes) {
                s += lane;
            }
            for (; i < n; i++) {
                s += src[off + i];
            }
            return (float) s;
        }
        boolean max = op == ReduceOp.MAX;
        float best = src[off];
        int i = 0;
        if (n >= V) {
            FloatVector acc = FloatVector.fromArray(S, src, off);
            for (i = V; i + V <= n; i += V) {
                FloatVector x = FloatVector.fromArray(S, src, off + i);
                acc = max ? acc.max(x) : acc.min(x);
            }
            best = acc.reduceLanes(max ? VectorOperators.MAX : VectorOperators.MIN);
        }
        for (; i < n; i++) {
            float v = src[off + i];
            best = Float.isNaN(v) || Float.isNaN(best) ? Float.NaN : max ? Math.max(best, v) : Math.min(best, v);
        }
        return best;
    }
}
