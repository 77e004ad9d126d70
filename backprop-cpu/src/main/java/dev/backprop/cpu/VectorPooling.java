package dev.backprop.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max pooling over 2 x 2 windows with stride 2 in the Vector API (training and evaluation: backward
 * finds the maxima again, so no positions are recorded here; the fused convolutional block records them,
 * see {@link #winners}). Output rows are
 * taken a chunk at a time, in two passes. First each window row pair is reduced to its elementwise
 * maximum, a vector at a time along the row (the last vector overlapping the one before, so LeNet's 28-
 * and 10-wide rows cost two loads per row; only rows shorter than a vector are masked), into a scratch
 * buffer: a chunk's reduced rows then lie end to end, every window a pair of neighbours, whatever the
 * width. Then that buffer is read two vectors at a time, V outputs per step: with 512-bit vectors split
 * into even and odd elements ({@code selectFrom} over the pair) and the two maxed; with 256-bit ones
 * (AVX2) each pair maxed with its partner in place, then the even lanes of the two vectors gathered into
 * one (one permute each and a blend), which pooled LeNet's planes 2.1-3.0 times as fast as the scalar
 * loop over the pairs and the masked first pass it replaced (one thread, the AVX2 machine, 2026-12-04,
 * medians of 15 rounds, outputs identical). The scalar loop it replaces was 26%
 * of LeNet-5's batch-64 forward pass in evaluation (JFR, Intel Xeon, 2026-12-02). The same passes pool
 * a convolution's output as {@link DirectConvolution} leaves it, rows wider than the output and
 * planes further apart, adding each plane's bias and applying ReLU on the way. The gradient
 * ({@link #maxPool2x2Backward}) finds each window's maximum again from the input and the pooled output.
 */
final class VectorPooling {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    private static final FloatVector EVEN = FloatVector.fromArray(S, lanes(0), 0);
    private static final FloatVector ODD = FloatVector.fromArray(S, lanes(1), 0);
    /** Whether the second pass splits vectors into even and odd elements (512-bit vectors). */
    private static final boolean WIDE = V >= 16;
    /** Output rows per chunk: the reduced rows of a chunk stay in L1 for the second pass. */
    private static final int CHUNK = 64;
    /** Floats of input from which the planes are split across the threads. */
    private static final long SPLIT = 1 << 16;
    private static final ThreadLocal<float[]> REDUCED = ThreadLocal.withInitial(() -> new float[0]);
    /** Each of a vector's first V / 2 outputs twice, one per element of its window's row. */
    private static final VectorShuffle<Float> PAIRED = VectorShuffle.fromOp(S, i -> i / 2);
    /** Each lane's neighbour in its pair: the other element of the same window's row. */
    private static final VectorShuffle<Float> PARTNER = VectorShuffle.fromOp(S, i -> i ^ 1);
    private static final VectorMask<Float> RIGHT = VectorMask.fromValues(S, lanesOdd());
    /** Lane i takes lane 2i, wrapped: the even lanes gathered into each half of the vector. */
    private static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(S, i -> 2 * i % V);
    /** The upper half's lanes. */
    private static final VectorMask<Float> UPPER = VectorMask.fromLong(S, (1L << V) - (1L << (V / 2)));
    private static final FloatVector ZERO = FloatVector.zero(S);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector TWO = FloatVector.broadcast(S, 2f);
    private static final FloatVector FOUR = FloatVector.broadcast(S, 4f);
    /** Each lane's place in its window's order when it is in the window's upper row: 0 left, 1 right. */
    private static final FloatVector ABOVE = FloatVector.fromArray(S, places(0), 0);
    /** The same in the lower row: 2 left, 3 right. */
    private static final FloatVector BELOW = FloatVector.fromArray(S, places(2), 0);

    private VectorPooling() {
    }

    private static float[] lanes(int first) {
        float[] v = new float[V];
        for (int i = 0; i < V; i++) {
            v[i] = first + 2 * i;
        }
        return v;
    }

    private static float[] places(int first) {
        float[] v = new float[V];
        for (int i = 0; i < V; i++) {
            v[i] = first + i % 2;
        }
        return v;
    }

    private static boolean[] lanesOdd() {
        boolean[] odd = new boolean[V];
        for (int i = 0; i < V; i++) {
            odd[i] = i % 2 == 1;
        }
        return odd;
    }

    /**
     * See {@code Backend.maxPool2x2Backward}. Two input rows at a time, a vector of each: the maxima and
     * gradients of its V / 2 windows are spread to both elements of each window's row ({@link #PAIRED});
     * which element holds the maximum is a comparison, and "the first of the window's elements that does" is
     * settled with each lane's partner ({@link #PARTNER}): the left element of a row wins over the right, the
     * upper row over the lower, and the lower right takes the gradient when nothing else does, as the
     * reference's order has it. Every element of dx is written. Planes whose rows are at least a vector wide
     * ({@link #vectorRows}). One thread, on the AVX2 machine (2026-12-04,
     * medians of 15 rounds, two runs): 2.7-4.1x as fast as the reference's scalar loop on 28 x 28 planes,
     * 2.5-3.0x on 14 x 14, 1.6x on LeNet's 10 x 10.
     */
    static void maxPool2x2Backward(float[] x, float[] y, float[] g, int planes, int h, int w, float[] dx) {
        if (!vectorRows(w)) {
            throw new IllegalArgumentException("max pooling's gradient in vectors needs rows of at least "
                    + (V >= 16 ? 2 : V) + " pooled columns' inputs, got width " + w);
        }
        int ho = h / 2;
        int rows = planes * ho;
        if (h % 2 == 1 || w % 2 == 1 || ho == 0) {
            java.util.Arrays.fill(dx, 0, planes * h * w, 0f);   // the row and column no window covers
        }
        if (rows == 0 || w / 2 == 0) {
            return;
        }
        // Every output row but the last in vectors; the last one's windows read y up to its end, so it takes
        // the scalar loop, on every call. (A branch in the vector step for that one row was never taken while
        // C2 compiled the step, so its first use threw the compiled step away: 0.5 s of both cores in uncompiled
        // vector code in the time-to-99% command, perf on the AVX2 machine, 2026-12-05.)
        int vectorRows = rows - 1;
        int parts = (long) planes * h * w >= SPLIT ? Math.max(1, Math.min(WorkerPool.threads(), vectorRows)) : 1;
        WorkerPool.run(parts, p -> {
            for (int r = vectorRows * p / parts; r < vectorRows * (p + 1) / parts; r++) {
                backwardRows(x, y, g, h, w, ho, r, dx);
            }
        });
        lastRow(x, y, g, h, w, ho, rows - 1, dx);
    }

    /** Output row r's windows, one element at a time, as the vector steps write them. */
    private static void lastRow(float[] x, float[] y, float[] g, int h, int w, int ho, int r, float[] dx) {
        int wo = w / 2;
        int top = r / ho * h * w + 2 * (r % ho) * w;
        for (int ow = 0; ow < wo; ow++) {
            int i = top + 2 * ow;
            float max = y[r * wo + ow];
            int where = holdsMax(x[i], max) ? i
                    : holdsMax(x[i + 1], max) ? i + 1
                    : holdsMax(x[i + w], max) ? i + w
                    : i + w + 1;
            dx[i] = 0f;
            dx[i + 1] = 0f;
            dx[i + w] = 0f;
            dx[i + w + 1] = 0f;
            dx[where] = g[r * wo + ow];
        }
    }

    /** Whether a window's element is its maximum: equal to it, or NaN where the maximum is NaN. */
    private static boolean holdsMax(float v, float max) {
        return v == max || (Float.isNaN(v) && Float.isNaN(max));
    }

    /**
     * Output row r's windows ({@code r = plane * ho + oh}): two rows of dx, a vector of each at a time, the
     * last ending where the row does, overlapping the one before (it writes the same values again), as
     * DirectConvolution.copyRows's rows do: masked moves are slow on AMD cores, and LeNet's 10-wide rows would be half masked.
     *
     * <p>The vector steps are methods of their own, each small: as one method of 596 bytes this loop failed
     * C1's profiling compile ("out of virtual registers in linear scan"), stayed at the tier that does not
     * intrinsify the Vector API, and never reached C2, so in some runs LeNet-5's epoch took 18-26 s instead
     * of 4 (the AVX2 machine, 2026-12-04, {@code -XX:+PrintCompilation}).
     */
    private static void backwardRows(float[] x, float[] y, float[] g, int h, int w, int ho, int r, float[] dx) {
        int wo = w / 2;
        int width = 2 * wo;
        int top = r / ho * h * w + 2 * (r % ho) * w;
        int o = r * wo;
        if (width < V) {
            backwardMasked(x, y, g, top, w, o, width, dx);
            return;
        }
        for (int at = 0; at < width; at += V) {
            int from = Math.min(at, width - V);
            backwardVector(x, y, g, top + from, w, o + from / 2, dx);
        }
    }

    /**
     * One whole vector of each of two rows of dx from {@code at} (rows {@code w} apart): the maxima and
     * gradients of its V / 2 windows from {@code y} and {@code g} at {@code yAt} (a whole vector read there,
     * of which the lower half is used: never the last output row, so it stays inside y). Arrays and indices in,
     * nothing out: a helper C2 does not inline would box vectors passed to it.
     */
    private static void backwardVector(float[] x, float[] y, float[] g, int at, int w, int yAt, float[] dx) {
        FloatVector m = FloatVector.fromArray(S, y, yAt).rearrange(PAIRED);
        FloatVector gm = FloatVector.fromArray(S, g, yAt).rearrange(PAIRED);
        FloatVector upper = FloatVector.fromArray(S, x, at);
        FloatVector lower = FloatVector.fromArray(S, x, at + w);
        // A NaN maximum is matched by the NaNs of its window. No branch on whether there is one: a mask that is one
        // value or another after an if was boxed by C2 on AVX-512 (an array a call, 2.4 GB in a bench's LeNet-5 run).
        VectorMask<Float> nan = m.test(VectorOperators.IS_NAN);
        VectorMask<Float> up = upper.compare(VectorOperators.EQ, m).or(upper.test(VectorOperators.IS_NAN).and(nan));
        VectorMask<Float> low = lower.compare(VectorOperators.EQ, m).or(lower.test(VectorOperators.IS_NAN).and(nan));
        VectorMask<Float> upPartner = ZERO.blend(ONE, up).rearrange(PARTNER).compare(VectorOperators.NE, 0f);
        VectorMask<Float> lowPartner = ZERO.blend(ONE, low).rearrange(PARTNER).compare(VectorOperators.NE, 0f);
        // Upper row: the left element when it holds the maximum, the right when it does and the left not.
        VectorMask<Float> upperWins = up.andNot(RIGHT.and(upPartner));
        // Lower row, when neither upper element holds it: the left when it does, else the right.
        VectorMask<Float> lowerWins = up.or(upPartner).not().and(low.andNot(RIGHT).or(RIGHT.andNot(lowPartner)));
        ZERO.blend(gm, upperWins).intoArray(dx, at);
        ZERO.blend(gm, lowerWins).intoArray(dx, at + w);
    }

    /**
     * {@link #backwardVector} for a row pair narrower than a vector (with AVX-512 only, whose masked moves are as
     * fast as whole ones): the first {@code width} lanes of both rows, the others neither read nor written. The
     * same steps, spelt out again rather than shared through a helper that takes vectors, which C2 may leave out
     * of line and then box what it is passed. LeNet-5's 10 x 10 planes, which took the reference's loop before: 2,048
     * planes in 84-106 us against 567-650 (Zen 4, 2026-12-05, scratch harness, two threads against the reference's one).
     */
    private static void backwardMasked(float[] x, float[] y, float[] g, int at, int w, int yAt, int width, float[] dx) {
        VectorMask<Float> row = S.indexInRange(0, width);
        VectorMask<Float> windows = S.indexInRange(0, width / 2);
        FloatVector m = FloatVector.fromArray(S, y, yAt, windows).rearrange(PAIRED);
        FloatVector gm = FloatVector.fromArray(S, g, yAt, windows).rearrange(PAIRED);
        FloatVector upper = FloatVector.fromArray(S, x, at, row);
        FloatVector lower = FloatVector.fromArray(S, x, at + w, row);
        VectorMask<Float> nan = m.test(VectorOperators.IS_NAN);
        VectorMask<Float> up = upper.compare(VectorOperators.EQ, m).or(upper.test(VectorOperators.IS_NAN).and(nan));
        VectorMask<Float> low = lower.compare(VectorOperators.EQ, m).or(lower.test(VectorOperators.IS_NAN).and(nan));
        VectorMask<Float> upPartner = ZERO.blend(ONE, up).rearrange(PARTNER).compare(VectorOperators.NE, 0f);
        VectorMask<Float> lowPartner = ZERO.blend(ONE, low).rearrange(PARTNER).compare(VectorOperators.NE, 0f);
        VectorMask<Float> upperWins = up.andNot(RIGHT.and(upPartner));
        VectorMask<Float> lowerWins = up.or(upPartner).not().and(low.andNot(RIGHT).or(RIGHT.andNot(lowPartner)));
        ZERO.blend(gm, upperWins).intoArray(dx, at, row);
        ZERO.blend(gm, lowerWins).intoArray(dx, at + w, row);
    }

    /**
     * Whether {@link #maxPool2x2Backward} takes planes of this width: the windows of a row cover at least a
     * vector, or with AVX-512 any width of at least one window ({@link #backwardMasked}). Narrower planes on AVX2
     * (7 or fewer columns) are few numbers; the reference's loop takes them.
     */
    static boolean vectorRows(int w) {
        return V >= 16 ? w >= 2 : 2 * (w / 2) >= V;
    }

    /**
     * The training side of a fused convolutional block ({@code Backend.conv2dMaxPool2x2}'s {@code winners}):
     * for {@code planes} planes of a convolution's output as {@link #poolPlanes} reads them (before the bias,
     * which is added here as the full output would have it), which element of each 2 x 2 window holds its
     * maximum, in the windows' upper rows' layout from {@code at}: 1 above, 2 below, 0 in the partner's column.
     * The elements {@link #backwardVector} would find, found while the grid is in the core's cache, so that
     * neither the full output nor a full-size gradient is ever written. Planes of any width.
     */
    static void winners(float[] x, int planes, int planeStride, int rowStride, int ho, int wo, float[] bias,
                        float[] winners, int at) {
        int width = 2 * wo;
        int end = at + planes * ho * width;
        boolean biased = bias != null;
        for (int p = 0; p < planes; p++) {
            float add = biased ? bias[p] : 0f;
            for (int oh = 0; oh < ho; oh++) {
                int top = p * planeStride + 2 * oh * rowStride;
                int out = at + (p * ho + oh) * width;
                if (width < V) {
                    // A whole vector where it stays within these planes' rows: its lanes past the row land on the
                    // next rows, which are written after it (masked stores cost more on AMD cores).
                    if (out + V <= end && top + rowStride + V <= x.length) {
                        winnersVector(x, top, rowStride, biased, add, winners, out);
                    } else {
                        winnersScalar(x, top, rowStride, width, biased, add, winners, out);
                    }
                    continue;
                }
                for (int c = 0; c < width; c += V) {
                    int from = Math.min(c, width - V);
                    winnersVector(x, top + from, rowStride, biased, add, winners, out + from);
                }
            }
        }
    }

    /**
     * V columns of one window row pair's winners: each element that holds its window's maximum (equal to it, or
     * NaN, which only a NaN maximum has) offers its place in the window's order (0 and 1 above, 2 and 3 below),
     * the others 4; the smallest offer of the window, its own and its partner's, is the winner, which the
     * column marks 1 or 2 where its upper or lower element is that place.
     */
    private static void winnersVector(float[] x, int top, int rowStride, boolean biased, float add, float[] winners,
                                      int at) {
        FloatVector upper = FloatVector.fromArray(S, x, top);
        FloatVector lower = FloatVector.fromArray(S, x, top + rowStride);
        if (biased) {
            upper = upper.add(add);
            lower = lower.add(add);
        }
        FloatVector m = upper.max(lower);
        m = m.max(m.rearrange(PARTNER));
        FloatVector offers = FOUR.blend(ABOVE, upper.compare(VectorOperators.EQ, m).or(upper.test(VectorOperators.IS_NAN)))
                .min(FOUR.blend(BELOW, lower.compare(VectorOperators.EQ, m).or(lower.test(VectorOperators.IS_NAN))));
        FloatVector first = offers.min(offers.rearrange(PARTNER));
        ZERO.blend(ONE, first.compare(VectorOperators.EQ, ABOVE)).blend(TWO, first.compare(VectorOperators.EQ, BELOW))
                .intoArray(winners, at);
    }

    /**
     * {@link #winnersVector} one window at a time, for the rows narrower than a vector whose whole vector would
     * reach past these planes' rows or the grid: the same maxima, the same order of the window's elements.
     */
    private static void winnersScalar(float[] x, int top, int rowStride, int width, boolean biased, float add,
                                      float[] winners, int at) {
        for (int col = 0; col < width; col += 2) {
            float a = x[top + col];
            float b = x[top + col + 1];
            float c = x[top + rowStride + col];
            float d = x[top + rowStride + col + 1];
            if (biased) {
                a += add;
                b += add;
                c += add;
                d += add;
            }
            float m = Math.max(Math.max(a, c), Math.max(b, d));
            int first = holdsMax(a, m) ? 0 : holdsMax(b, m) ? 1 : holdsMax(c, m) ? 2 : 3;
            winners[at + col] = first == 0 ? 1f : first == 2 ? 2f : 0f;
            winners[at + col + 1] = first == 1 ? 1f : first == 3 ? 2f : 0f;
        }
    }

    /**
     * Image n's output gradient of a fused convolutional block, placed onto a convolution's grid from the
     * pooled gradient {@code g [N, o, ho/2, wo/2]} and the {@link #winners} of its forward: channel oc's
     * rows {@code rowStride} apart from {@code at + oc span}, each window's gradient at its maximum and 0 at
     * its other three elements; a last odd row or column, which no window covers, 0 too. Columns past
     * {@code wo}, and the rows past a plane's last up to its {@code span}, get nothing but zeros.
     */
    static void placeWinners(float[] winners, float[] g, int n, int o, int ho, int wo, float[] grid, int at, int span,
                             int rowStride) {
        int ho2 = ho / 2;
        int wo2 = wo / 2;
        int width = 2 * wo2;
        for (int oc = 0; oc < o; oc++) {
            int plane = at + oc * span;
            for (int oh = 0; oh < ho2; oh++) {
                int row = (n * o + oc) * ho2 + oh;
                int top = plane + 2 * oh * rowStride;
                if (width < V) {
                    // Whole vectors, zero past the row, where they stay within the arrays: the zeros land on the
                    // columns past wo, which stay zero, and on the next rows, which are written after them.
                    if (top + rowStride + V <= grid.length && row * width + V <= winners.length
                            && row * wo2 + V <= g.length) {
                        placeNarrow(winners, row * width, g, row * wo2, width, grid, top, rowStride);
                    } else {
                        placeScalar(winners, row * width, g, row * wo2, width, grid, top, rowStride);
                    }
                } else if (row * wo2 + (width - V) / 2 + V > g.length) {
                    placeScalar(winners, row * width, g, row * wo2, width, grid, top, rowStride);
                } else {
                    for (int c = 0; c < width; c += V) {
                        int from = Math.min(c, width - V);
                        placeVector(winners, row * width + from, g, row * wo2 + from / 2, grid, top + from, rowStride);
                    }
                }
                if (width < wo) {
                    grid[top + width] = 0f;
                    grid[top + rowStride + width] = 0f;
                }
            }
            if (2 * ho2 < ho) {
                java.util.Arrays.fill(grid, plane + 2 * ho2 * rowStride, plane + 2 * ho2 * rowStride + wo, 0f);
            }
        }
    }

    /** V columns of a window row pair's gradient: the pooled gradient spread to both columns of each window. */
    private static void placeVector(float[] winners, int at, float[] g, int gAt, float[] grid, int top, int rowStride) {
        FloatVector code = FloatVector.fromArray(S, winners, at);
        FloatVector gm = FloatVector.fromArray(S, g, gAt).rearrange(PAIRED);
        ZERO.blend(gm, code.compare(VectorOperators.EQ, 1f)).intoArray(grid, top);
        ZERO.blend(gm, code.compare(VectorOperators.EQ, 2f)).intoArray(grid, top + rowStride);
    }

    /** {@link #placeVector} for a row pair narrower than a vector, its lanes past the row zero (AVX-512 only). */
    private static void placeNarrow(float[] winners, int at, float[] g, int gAt, int width, float[] grid, int top,
                                    int rowStride) {
        VectorMask<Float> row = S.indexInRange(0, width);
        FloatVector code = FloatVector.fromArray(S, winners, at);
        FloatVector gm = FloatVector.fromArray(S, g, gAt).rearrange(PAIRED);
        ZERO.blend(gm, code.compare(VectorOperators.EQ, 1f).and(row)).intoArray(grid, top);
        ZERO.blend(gm, code.compare(VectorOperators.EQ, 2f).and(row)).intoArray(grid, top + rowStride);
    }

    /** A window row pair's gradient one element at a time: the rows whose vector would reach past an array's end. */
    private static void placeScalar(float[] winners, int at, float[] g, int gAt, int width, float[] grid, int top,
                                    int rowStride) {
        for (int col = 0; col < width; col++) {
            float code = winners[at + col];
            float v = g[gAt + col / 2];
            grid[top + col] = code == 1f ? v : 0f;
            grid[top + rowStride + col] = code == 2f ? v : 0f;
        }
    }

    /** See {@code Backend.maxPool2x2}. */
    static void maxPool2x2(float[] x, int planes, int h, int w, float[] y) {
        int ho = h / 2;
        int wo = w / 2;
        int rows = planes * ho;
        if (rows == 0 || wo == 0) {
            return;
        }
        int parts = (long) planes * h * w >= SPLIT ? Math.min(WorkerPool.threads(), rows) : 1;
        WorkerPool.run(parts, p -> rows(x, h * w, w, ho, wo, rows * p / parts, rows * (p + 1) / parts, null, false, y, 0));
    }

    /**
     * Pools {@code planes} planes of a convolution's output on the calling thread: plane p's rows start
     * at {@code p * planeStride}, {@code rowStride} apart, its windows cover {@code 2 ho x 2 wo} of them;
     * output plane p, {@code ho x wo}, goes to {@code y} from {@code yAt + p * ho * wo}. With a bias,
     * {@code bias[p]} is added to plane p's values before their maximum (after it, as here, is the same
     * number: rounding is monotonic); with relu, {@code v > 0 ? v : 0} of each maximum.
     */
    static void poolPlanes(float[] x, int planes, int planeStride, int rowStride, int ho, int wo, float[] bias,
                           boolean relu, float[] y, int yAt) {
        if (planes > 0 && ho > 0 && wo > 0) {
            rows(x, planeStride, rowStride, ho, wo, 0, planes * ho, bias, relu, y, yAt);
        }
    }

    /**
     * The calling thread's buffer of reduced rows, grown on demand and kept: the fused convolutional block
     * pools every image through it, so a batch allocates nothing here.
     */
    private static float[] reduced(int size) {
        float[] buffer = REDUCED.get();
        if (buffer.length < size) {
            buffer = new float[size];
            REDUCED.set(buffer);
        }
        return buffer;
    }

    /**
     * Output rows {@code [r0, r1)}, counted across planes ({@code r = plane * ho + oh}). The vector steps are
     * small methods of their own, as {@link #backwardRows}'s are, for C1's sake.
     */
    private static void rows(float[] x, int planeStride, int rowStride, int ho, int wo, int r0, int r1, float[] bias,
                             boolean relu, float[] y, int yAt) {
        int width = 2 * wo;    // the input columns that windows cover
        float[] reduced = reduced(Math.min(CHUNK, r1 - r0) * width);
        for (int c0 = r0; c0 < r1; c0 += CHUNK) {
            int c1 = Math.min(r1, c0 + CHUNK);
            for (int r = c0; r < c1; r++) {
                int top = r / ho * planeStride + 2 * (r % ho) * rowStride;
                reduceRow(x, top, rowStride, width, bias != null, bias == null ? 0f : bias[r / ho], reduced, (r - c0) * width);
            }
            int count = (c1 - c0) * wo;
            int out = yAt + c0 * wo;
            int i = 0;
            for (; i + V <= count; i += V) {
                pairMaxima(reduced, 2 * i, relu, y, out + i);
            }
            for (; i < count; i++) {
                float max = Math.max(reduced[2 * i], reduced[2 * i + 1]);
                y[out + i] = relu ? Math.max(max, 0f) : max;
            }
        }
    }

    /**
     * A window row pair's elementwise maximum, plus {@code add} when biased (a -0 maximum then becomes +0, as
     * in the full output), into {@code reduced} from {@code at}: whole
     * vectors, the last one ending where the row does (overlapping the one before and writing the same values
     * again: masked moves are slow on AMD cores); a row shorter than a vector masked.
     */
    private static void reduceRow(float[] x, int top, int rowStride, int width, boolean biased, float add, float[] reduced,
                                  int at) {
        if (width >= V) {
            for (int c = 0; c < width; c += V) {
                int from = Math.min(c, width - V);
                FloatVector max = FloatVector.fromArray(S, x, top + from).max(FloatVector.fromArray(S, x, top + rowStride + from));
                (biased ? max.add(add) : max).intoArray(reduced, at + from);
            }
        } else {
            VectorMask<Float> m = S.indexInRange(0, width);
            FloatVector max = FloatVector.fromArray(S, x, top, m).max(FloatVector.fromArray(S, x, top + rowStride, m));
            (biased ? max.add(add) : max).intoArray(reduced, at, m);
        }
    }

    /**
     * V outputs from two vectors of reduced pairs at {@code at}: with 512-bit vectors the even and odd elements
     * selected and maxed; with 256-bit ones (AVX2) each pair maxed with its partner in place, then the even
     * lanes gathered to the lower half (from the first vector) and the upper half (from the second), one
     * permute each, and the halves blended.
     */
    private static void pairMaxima(float[] reduced, int at, boolean relu, float[] y, int out) {
        FloatVector lo = FloatVector.fromArray(S, reduced, at);
        FloatVector hi = FloatVector.fromArray(S, reduced, at + V);
        FloatVector max;
        if (WIDE) {
            max = EVEN.selectFrom(lo, hi).max(ODD.selectFrom(lo, hi));
        } else {
            FloatVector fromLo = lo.max(lo.rearrange(PARTNER)).rearrange(EVENS);
            FloatVector fromHi = hi.max(hi.rearrange(PARTNER)).rearrange(EVENS);
            max = fromLo.blend(fromHi, UPPER);
        }
        (relu ? max.max(0f) : max).intoArray(y, out);
    }
}
