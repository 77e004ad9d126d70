package dev.backprop.cpu;

import dev.backprop.backend.AdamStep;
import dev.backprop.backend.Backend;
import dev.backprop.backend.AttentionGeometry;
import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.ConvGeometry;
import dev.backprop.backend.Im2colConvolution;
import dev.backprop.backend.Layout;
import dev.backprop.backend.PackedMatrix;
import dev.backprop.backend.ReduceOp;
import dev.backprop.backend.UnaryOp;
import dev.backprop.backend.reference.ReferenceBackend;

/**
 * The fast CPU backend: SIMD (Vector API) loops for contiguous data and a multi-core packed
 * SGEMM; everything it does not speed up goes to the reference loops, which also define what
 * "correct" means for the fast paths (the parity tests compare the two on random shapes).
 * Registered as a service, so it is chosen whenever this module is on the class path; run with
 * {@code -Dbackprop.backend=reference} for the plain loops.
 */
public final class CpuBackend implements Backend {
    /** What a JVM needs for this backend, and how to give it (in the message of the refusal without it). */
    static final String NEEDS_VECTOR_API = "the cpu backend needs the JDK's Vector API module, which this JVM was not"
            + " started with: add the JVM option --add-modules jdk.incubator.vector (the ./backprop launcher does;"
            + " in Maven's surefire and exec plugins, in Gradle's jvmArgs, or in JDK_JAVA_OPTIONS)";

    private final ReferenceBackend reference = new ReferenceBackend();

    /**
     * The backend, if this JVM can run it.
     *
     * @throws UnsupportedOperationException without the {@code jdk.incubator.vector} module, naming the
     *     option that adds it (the service loader then reports it, and {@code Backends} falls back to the
     *     reference loops with a warning)
     */
    public CpuBackend() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new UnsupportedOperationException(NEEDS_VECTOR_API);
        }
    }

    @Override
    public String name() {
        return "cpu";
    }

    /** Threads the kernels use. */
    public static int threads() {
        return WorkerPool.threads();
    }

    /**
     * Which matrix products skip the zeros of a mostly-zero operand ({@link ZeroSkipping}; at start, {@code
     * -Dbackprop.gemm.sparse} or this CPU's default). For the whole process, as the thread count is; meant for
     * measuring the ways against each other.
     */
    public static void skipZeros(ZeroSkipping which) {
        SparseSgemm.skipping = java.util.Objects.requireNonNull(which, "skipZeros: give OFF, IN_PLACE or ALL");
    }

    /** Which matrix products skip the zeros of a mostly-zero operand ({@link #skipZeros}). */
    public static ZeroSkipping zeroSkipping() {
        return SparseSgemm.skipping;
    }

    @Override
    public void parallel(int parts, java.util.function.IntConsumer body) {
        WorkerPool.run(parts, body);
    }

    @Override
    public int parallelism() {
        return WorkerPool.threads();
    }

    @Override
    public void copy(float[] src, Layout from, float[] dst, int dstOffset) {
        if (from.isContiguous()) {
            // A large copy (an activation made contiguous, a gradient copied into its parameter's kept buffer) in parts
            // on the workers: copying the MNIST MLP's weight gradients into their kept buffers, 269,000 values a step,
            // was 4.5% of its main thread's time on that thread alone (JFR, Zen 4, 2026-12-06), before dense and
            // convolution weights' gradients were written there in the first place (Tensor.gradientBuffer).
            inChunks(from.size(), false, (start, length) -> {
                System.arraycopy(src, from.offset() + start, dst, dstOffset + start, length);
                return true;
            });
            return;
        }
        int split = contiguousSuffix(from);
        int run = runLength(from, split);
        if (run < 8) {
            reference.copy(src, from, dst, dstOffset);
            return;
        }
        // Runs of the innermost dimensions are contiguous in the source (a permuted view moving
        // whole planes, say): copy them as blocks, walking the outer dimensions.
        int[] coord = new int[split];
        for (int out = dstOffset, end = dstOffset + from.size(); out < end; out += run) {
            System.arraycopy(src, offsetOf(from, coord), dst, out, run);
            advance(coord, from.shape());
        }
    }

    @Override
    public void map(UnaryOp op, float alpha, float beta, float[] src, Layout from, float[] dst) {
        if (!from.isContiguous() || !inChunks(from.size(), TRANSCENDENTAL_MAPS.contains(op), (start, length) ->
                VectorLoops.map(op, alpha, beta, src, from.offset() + start, dst, start, length))) {
            reference.map(op, alpha, beta, src, from, dst);
        }
    }

    @Override
    public void mapWithDerivative(UnaryOp op, float[] src, Layout from, float[] dst, float[] derivative) {
        if (!from.isContiguous() || !inChunks(from.size(), true, (start, length) ->
                VectorLoops.mapWithDerivative(op, src, from.offset() + start, dst, derivative, start, length))) {
            reference.mapWithDerivative(op, src, from, dst, derivative);
        }
    }

    /**
     * Elementwise ops that cost several nanoseconds an element (exp and what is built on it): on
     * large arrays they are split across the workers. Cheap ones (a ReLU, an addition) run at the
     * speed of the caches, so they are split only from {@link #PARALLEL_CHEAP_ELEMENTS}; below that
     * the hand-off costs about what it saves.
     */
    private static final java.util.Set<UnaryOp> TRANSCENDENTAL_MAPS = java.util.EnumSet.of(UnaryOp.EXP, UnaryOp.LOG,
            UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.SILU, UnaryOp.GELU, UnaryOp.GELU_TANH);
    /** Elements from which a transcendental op is split across the workers. */
    private static final int PARALLEL_ELEMENTS = 1 << 15;
    /**
     * Elements per part (64 KB of floats) from which a cheap elementwise op is split across the workers: from 32,768
     * elements on two threads. In a training step the other thread is mostly awake between two products (it spins
     * for a while before it parks), and an addition of two arrays the size of the GPT recipe's residual stream
     * ([768 x 128]) took 20 us rather than 25 with the arrays in the caches and 52 rather than 60-77 from beyond
     * them, split in two; 65,536 elements 12 rather than 16 and 26-32 rather than 41-54; 32,768 elements 9 rather
     * than 9.6 and 14 rather than 17 (one addition after each of 2,000 products, medians of three rounds, the AVX2
     * machine, 2026-12-05). Until then it split only from 262,144 elements, so the GPT's residual additions and
     * their gradients' sums ran on the calling thread alone while the other waited.
     */
    private static final int PARALLEL_CHEAP_ELEMENTS = 1 << 14;

    /** A contiguous loop over {@code [start, start + length)}; false when it does not handle the op. */
    private interface Chunk {
        boolean run(int start, int length);
    }

    /**
     * Runs {@code chunk} over {@code [0, n)}, split across the workers in whole cache lines when n is
     * large (for a {@code heavy} op, from a smaller n); false when the loop does not handle the op
     * (every chunk then says so, having written nothing).
     */
    private static boolean inChunks(int n, boolean heavy, Chunk chunk) {
        int parts = Math.min(WorkerPool.threads(), n / (heavy ? PARALLEL_ELEMENTS : PARALLEL_CHEAP_ELEMENTS));
        if (parts <= 1) {
            return chunk.run(0, n);
        }
        int per = (n / parts + 15) & ~15;
        boolean[] handled = {true};
        WorkerPool.run(parts, p -> {
            int start = Math.min(n, p * per);
            int end = p == parts - 1 ? n : Math.min(n, start + per);
            if (!chunk.run(start, end - start)) {
                handled[0] = false;
            }
        });
        return handled[0];
    }

    @Override
    public void zip(BinaryOp op, float[] a, Layout la, float[] b, Layout lb, float[] dst) {
        int n = la.size();
        if (la.isContiguous() && lb.isContiguous() && inChunks(n, false, (start, length) ->
                VectorLoops.zip(op, a, la.offset() + start, b, lb.offset() + start, dst, start, length))) {
            return;
        }
        if (la.isContiguous() && repeated(op, a, la, b, lb, dst, false)) {
            return;
        }
        if (lb.isContiguous() && repeated(op, b, lb, a, la, dst, true)) {
            return;
        }
        if (la.isContiguous() && broadcastRuns(op, a, la, b, lb, dst, false)) {
            return;
        }
        if (lb.isContiguous() && broadcastRuns(op, b, lb, a, la, dst, true)) {
            return;
        }
        reference.zip(op, a, la, b, lb, dst);
    }

    /**
     * The contiguous operand {@code c} against an operand {@code s} that is constant over the
     * innermost dimensions (a per-channel statistic over {@code [N, C, H, W]}): one vector loop per run.
     */
    private static boolean broadcastRuns(BinaryOp op, float[] c, Layout lc, float[] s, Layout ls, float[] dst,
                                         boolean scalarFirst) {
        int rank = ls.rank();
        int split = rank;
        while (split > 0 && ls.strides()[split - 1] == 0) {
            split--;
        }
        int run = runLength(ls, split);
        if (split == rank || run < 8) {
            return false;
        }
        int[] coord = new int[split];
        for (int out = 0, n = lc.size(); out < n; out += run) {
            float value = s[offsetOf(ls, coord)];
            if (!VectorLoops.zipScalar(op, c, lc.offset() + out, value, scalarFirst, dst, out, run)) {
                return false;
            }
            advance(coord, ls.shape());
        }
        return true;
    }

    /** Start of the dimensions, from the end, that are laid out contiguously. */
    private static int contiguousSuffix(Layout l) {
        int split = l.rank();
        int expected = 1;
        while (split > 0 && (l.strides()[split - 1] == expected || l.shape()[split - 1] == 1)) {
            expected *= l.shape()[split - 1];
            split--;
        }
        return split;
    }

    private static int runLength(Layout l, int split) {
        int run = 1;
        for (int d = split; d < l.rank(); d++) {
            run *= l.shape()[d];
        }
        return run;
    }

    private static int offsetOf(Layout l, int[] coord) {
        int at = l.offset();
        for (int d = 0; d < coord.length; d++) {
            at += coord[d] * l.strides()[d];
        }
        return at;
    }

    /** Steps an odometer over the first {@code coord.length} dimensions of {@code shape}. */
    private static void advance(int[] coord, int[] shape) {
        for (int d = coord.length - 1; d >= 0; d--) {
            if (++coord[d] < shape[d]) {
                return;
            }
            coord[d] = 0;
        }
    }

    /**
     * The contiguous operand {@code c} against an operand {@code r} that repeats one contiguous block over its
     * leading dimensions (a bias row over a batch, a position embedding {@code [T, C]} over a batch of sequences):
     * vector loops over runs that stop at the block's end, split across the workers as a contiguous pair is. False
     * when r is no such repetition (or a block of one value, which {@link #broadcastRuns} takes) or the op has no
     * vector loop.
     */
    private static boolean repeated(BinaryOp op, float[] c, Layout lc, float[] r, Layout lr, float[] dst,
                                    boolean repeatedFirst) {
        int block = repeatedBlock(lr);
        return block > 1 && inChunks(lc.size(), false, (start, length) -> {
            for (int q = start, end = start + length; q < end; ) {
                int run = Math.min(end - q, block - q % block);
                boolean done = repeatedFirst
                        ? VectorLoops.zip(op, r, lr.offset() + q % block, c, lc.offset() + q, dst, q, run)
                        : VectorLoops.zip(op, c, lc.offset() + q, r, lr.offset() + q % block, dst, q, run);
                if (!done) {
                    return false;
                }
                q += run;
            }
            return true;
        });
    }

    /**
     * Elements of the block that {@code l} repeats: its innermost dimensions laid out contiguously (row-major,
     * dimensions of size 1 aside), every dimension outside them of stride 0 or size 1; 0 when l is not such a
     * repetition. A contiguous layout is one block.
     */
    static int repeatedBlock(Layout l) {
        int block = 1;
        int d = l.rank() - 1;
        for (; d >= 0; d--) {
            if (l.shape()[d] != 1 && l.strides()[d] != block) {
                break;
            }
            block *= l.shape()[d];
        }
        for (; d >= 0; d--) {
            if (l.shape()[d] != 1 && l.strides()[d] != 0) {
                return 0;
            }
        }
        return block;
    }

    @Override
    public void select(float[] cond, Layout lc, float[] a, Layout la, float[] b, Layout lb, float[] dst) {
        reference.select(cond, lc, a, la, b, lb, dst);
    }

    @Override
    public void reduceRows(ReduceOp op, float[] src, int rows, int cols, float[] dst) {
        if (op == ReduceOp.SUM || op == ReduceOp.MAX || op == ReduceOp.MIN) {
            // Rows split across the workers from PARALLEL_CHEAP_ELEMENTS, as the cheap elementwise ops are: a
            // convolution's bias gradient reduces its whole output gradient (LeNet's first: 2.4 MB a batch),
            // 2.6% of LeNet-5's training samples on the calling thread alone while the other waited.
            int parts = (int) Math.max(1, Math.min(Math.min(WorkerPool.threads(), rows),
                    (long) rows * cols / PARALLEL_CHEAP_ELEMENTS));
            WorkerPool.run(parts, p -> {
                float[] lanes = new float[VectorLoops.lanes()];
                for (int r = rows * p / parts; r < rows * (p + 1) / parts; r++) {
                    dst[r] = VectorLoops.reduce(op, src, r * cols, cols, lanes);
                }
            });
        } else {
            reference.reduceRows(op, src, rows, cols, dst);
        }
    }

    @Override
    public void sumColumns(float[] src, int offset, int rows, int cols, float[] dst) {
        // Columns split across the workers in whole vectors of four, each with at least 2^15 elements.
        int groups = Math.max(1, cols / (4 * VectorLoops.lanes()));
        int parts = (int) Math.min(Math.min(WorkerPool.threads(), groups), (long) rows * cols / PARALLEL_ELEMENTS);
        if (parts <= 1) {
            VectorLoops.sumColumns(src, offset, rows, cols, 0, cols, dst);
            return;
        }
        WorkerPool.run(parts, p -> {
            int c0 = groups * p / parts * 4 * VectorLoops.lanes();
            int c1 = p == parts - 1 ? cols : groups * (p + 1) / parts * 4 * VectorLoops.lanes();
            VectorLoops.sumColumns(src, offset, rows, cols, c0, c1, dst);
        });
    }

    @Override
    public double sumOfSquares(float[] src, int offset, int n) {
        // Split from PARALLEL_CHEAP_ELEMENTS; each part's sum is added in part order, so the result does not
        // depend on which thread finished first.
        int parts = Math.max(1, Math.min(WorkerPool.threads(), n / PARALLEL_CHEAP_ELEMENTS));
        if (parts == 1) {
            return VectorLoops.sumOfSquares(src, offset, n);
        }
        double[] sums = new double[parts];
        WorkerPool.run(parts, p -> {
            int from = (int) ((long) n * p / parts);
            int to = (int) ((long) n * (p + 1) / parts);
            sums[p] = VectorLoops.sumOfSquares(src, offset + from, to - from);
        });
        double sum = 0;
        for (double s : sums) {
            sum += s;
        }
        return sum;
    }

    @Override
    public void softmaxCrossEntropy(float[] x, int rows, int classes, int[] targets, float smoothing,
                                    float[] probabilities, float[] loss) {
        VectorCrossEntropy.forward(x, rows, classes, targets, smoothing, probabilities, loss);
    }

    @Override
    public void softmaxCrossEntropyBackward(float[] probabilities, int rows, int classes, int[] targets, float smoothing,
                                            float[] dLoss, float[] dx) {
        VectorCrossEntropy.backward(probabilities, rows, classes, targets, smoothing, dLoss, dx);
    }

    @Override
    public void layerNorm(float[] x, int rows, int width, float[] weight, float[] bias, float eps,
                          float[] y, float[] mean, float[] invStd) {
        VectorLayerNorm.forward(x, rows, width, weight, bias, eps, y, mean, invStd);
    }

    @Override
    public void layerNormBackward(float[] dy, float[] x, float[] mean, float[] invStd, float[] weight, int rows, int width,
                                  float[] dx, float[] dWeight, float[] dBias) {
        VectorLayerNorm.backward(dy, x, mean, invStd, weight, rows, width, dx, dWeight, dBias);
    }

    @Override
    public void batchNorm(float[] x, int n, int channels, int inner, float[] weight, float[] bias, float eps,
                          boolean relu, float[] y, float[] mean, float[] variance, float[] invStd) {
        VectorBatchNorm.forward(x, n, channels, inner, weight, bias, eps, relu, y, mean, variance, invStd);
    }

    @Override
    public void maxPool2x2(float[] x, int planes, int h, int w, float[] y) {
        VectorPooling.maxPool2x2(x, planes, h, w, y);
    }

    @Override
    public void maxPool2x2Backward(float[] x, float[] y, float[] g, int planes, int h, int w, float[] dx) {
        if (VectorPooling.vectorRows(w)) {
            VectorPooling.maxPool2x2Backward(x, y, g, planes, h, w, dx);
        } else {
            reference.maxPool2x2Backward(x, y, g, planes, h, w, dx);
        }
    }

    @Override
    public void batchNormInference(float[] x, int n, int channels, int inner, float[] mean, float[] variance,
                                   float[] weight, float[] bias, float eps, float[] y) {
        VectorBatchNorm.inference(x, n, channels, inner, mean, variance, weight, bias, eps, y);
    }

    @Override
    public void batchNormBackward(float[] dy, float[] x, float[] mean, float[] invStd, float[] weight, float[] bias,
                                  boolean relu, int n, int channels, int inner, float[] dx, float[] dWeight,
                                  float[] dBias) {
        VectorBatchNorm.backward(dy, x, mean, invStd, weight, bias, relu, n, channels, inner, dx, dWeight, dBias);
    }

    @Override
    public void gemm(int m, int n, int k, float[] a, int aOffset, int aRowStride, int aColStride,
                     float[] b, int bOffset, int bRowStride, int bColStride,
                     float[] c, int cOffset, int ldc, boolean accumulate) {
        Sgemm.gemm(m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride,
                c, cOffset, ldc, accumulate);
    }

    @Override
    public void gemmBias(int m, int n, int k, float[] a, int aOffset, int aRowStride, int aColStride,
                         float[] b, int bOffset, int bRowStride, int bColStride, float[] bias,
                         float[] c, int cOffset, int ldc) {
        Sgemm.gemm(m, n, k, a, aOffset, aRowStride, aColStride, b, bOffset, bRowStride, bColStride, bias,
                c, cOffset, ldc, false);
    }

    @Override
    public PackedMatrix pack(int k, int n, float[] b, int offset, int rowStride, int colStride) {
        return DirectSgemm.pack(k, n, b, offset, rowStride, colStride);
    }

    @Override
    public void gemmPacked(int m, float[] a, int aOffset, int aRowStride, PackedMatrix b, float[] bias,
                           float[] c, int cOffset, int ldc) {
        if (!(b instanceof DirectSgemm.Panels panels)) {
            throw new IllegalArgumentException("gemmPacked: the matrix was packed by another backend ("
                    + b.getClass().getName() + "); pack it again with this one");
        }
        if (m > 0 && panels.columns() > 0
                && !SparseSgemm.gemmPacked(m, a, aOffset, aRowStride, panels, bias, c, cOffset, ldc)) {
            DirectSgemm.gemmPacked(m, a, aOffset, aRowStride, panels, bias, c, cOffset, ldc);
        }
    }

    @Override
    public void gather(float[] src, Layout from, int dim, int[] index, int[] indexShape, float[] dst) {
        reference.gather(src, from, dim, index, indexShape, dst);
    }

    @Override
    public void scatterAdd(float[] dst, int[] dstShape, int dim, int[] index, int[] indexShape,
                           float[] src, Layout from) {
        reference.scatterAdd(dst, dstShape, dim, index, indexShape, src, from);
    }

    /**
     * A vector of columns at a time; from {@link #PARALLEL_ELEMENTS} added values the threads split dst's rows into
     * ranges, each thread adding the rows of src whose index falls in its range (each entry of dst still summed over
     * the rows in order, so the same bits as the reference). Split by columns instead, the threads wrote the same
     * cache line of every row where their halves met: 768 rows of 128 into 65 took 30 us on two threads against 9 on
     * one, and ten times as many rows took longer than the reference's scalar loop. The GPT recipe's token embedding,
     * those 768 rows of 128: 33-43 us a call as that loop, which C2 did not vectorise (Intel Xeon, 2026-12-07).
     */
    @Override
    public void addRows(float[] dst, int[] rows, float[] src, int width) {
        int table = width == 0 ? 0 : dst.length / width;
        long elements = (long) rows.length * width;
        int parts = elements < PARALLEL_ELEMENTS ? 1 : Math.min(WorkerPool.threads(), table);
        WorkerPool.run(parts, part -> VectorLoops.addRows(dst, rows, src, width, table * part / parts,
                table * (part + 1) / parts));
    }

    /** A vector at a time on the calling thread; the caller (a batch being decoded) splits its rows among threads. */
    @Override
    public void bytesToFloats(byte[] src, int srcOffset, float divisor, float[] dst, int dstOffset, int length) {
        VectorLoops.bytesToFloats(src, srcOffset, divisor, dst, dstOffset, length);
    }

    @Override
    public void adam(AdamStep step, float[] param, float[] grad, float[] m, float[] v, float[] vMax, int offset, int n) {
        FusedOptimizers.adam(step, param, grad, m, v, vMax, offset, n);
    }

    /** Images are independent: each thread fills the columns of its share of the batch. */
    @Override
    public void conv2d(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        if (DirectConvolution.applies(g)) {
            DirectConvolution.forward(g, x, w, bias, y);
        } else {
            Im2colConvolution.forward(this, g, x, w, bias, y);
        }
    }

    @Override
    public void conv2dMaxPool2x2(ConvGeometry g, float[] x, float[] w, float[] bias, boolean relu, float[] y,
                                 float[] winners) {
        if (DirectConvolution.applies(g)) {
            DirectConvolution.forwardMaxPool2x2(g, x, w, bias, relu, y, winners);
        } else {
            Backend.super.conv2dMaxPool2x2(g, x, w, bias, relu, y, winners);
        }
    }

    @Override
    public void conv2dMaxPool2x2Backward(ConvGeometry g, float[] x, float[] w, float[] winners, float[] gPooled,
                                         float[] dx, float[] dw) {
        if (DirectConvolution.applies(g)) {
            DirectConvolution.backwardPooled(g, x, w, winners, gPooled, dx, dw);
        } else {
            Backend.super.conv2dMaxPool2x2Backward(g, x, w, winners, gPooled, dx, dw);
        }
    }

    @Override
    public void conv2dBackwardInput(ConvGeometry g, float[] dy, float[] w, float[] dx) {
        if (DirectConvolution.applies(g)) {
            DirectConvolution.backwardInput(g, dy, w, dx);
        } else {
            Im2colConvolution.backwardInput(this, g, dy, w, dx);
        }
    }

    @Override
    public void conv2dBackwardWeight(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        if (DirectConvolution.applies(g)) {
            DirectConvolution.backwardWeight(g, x, dy, dw);
        } else {
            Im2colConvolution.backwardWeight(this, g, x, dy, dw);
        }
    }

    @Override
    public int attentionProbabilities(AttentionGeometry g) {
        return FusedAttention.keptProbabilities(g);
    }

    @Override
    public void attention(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                          float[] logSumExp, float[] probabilities) {
        FusedAttention.forward(g, q, k, v, keyPadding, out, logSumExp, probabilities);
    }

    @Override
    public void attentionBackward(AttentionGeometry g, float[] q, float[] k, float[] v, float[] keyPadding, float[] out,
                                  float[] logSumExp, float[] probabilities, float[] dOut, float[] dq, float[] dk,
                                  float[] dv) {
        FusedAttention.backward(g, q, k, v, keyPadding, out, logSumExp, probabilities, dOut, dq, dk, dv);
    }
}
