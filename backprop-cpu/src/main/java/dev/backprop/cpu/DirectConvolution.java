package dev.backprop.cpu;

import dev.backprop.backend.ConvGeometry;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Stride-1 convolution without a column matrix ("implicit GEMM"). Each image is copied once
 * into a zero-padded buffer, one plane per channel, {@code hp x wp}. Output position
 * {@code (oh, ow)} is computed at grid index {@code i = oh * wp + ow}, and kernel tap
 * {@code t = (c, ki, kj)} reads the padded input at {@code i + offset[t]}, with
 * {@code offset[t] = c * plane + ki * wp + kj}: for a run of consecutive i the inputs of one tap
 * are consecutive too, so the GEMM micro-kernel's B panel is read straight out of the image
 * instead of being materialised by im2col (25 to 150 times the image's size for LeNet).
 * Grid columns {@code ow >= wo} are computed and thrown away: {@code (wp - wo) / wp} extra work,
 * in exchange for unit-stride loads.
 * <ul>
 *   <li>forward: {@code Y[o, i] = sum_t W[o, t] X[offset[t] + i]}, an MR-row x 2-vector register tile
 *       over (output channel, grid index), as in {@link Sgemm};
 *   <li>weight gradient: {@code dW[o, t] = sum_i dY[o, i] X[offset[t] + i]}, an MR x 2 tile over
 *       (output channel, tap) whose accumulators are vectors along i, kept per lane across the
 *       images and summed lane by lane in a fixed order at the end;
 *   <li>input gradient: the forward correlation of dy, padded by {@code k - 1 - pad}, with the
 *       kernel flipped and its channel axes swapped; or, where that padding would be most of the grid
 *       (valid convolutions of large kernels, as LeNet's conv2), {@code W^T dY} on the forward's grid
 *       with the same tiles, each row scattered into the input gradient at its tap's offset.
 * </ul>
 * A panel of fewer channels than MR runs a 2- or 4-row tile, so channels the layer does not have
 * are not computed; see {@link #panels} for how the channels are cut into panels, and {@link #tilePanels} for the
 * 7-row panels that channel counts divisible by 7 take with AVX-512.
 *
 * <p>Forward and input gradient split the batch into a few shares of images per thread, which the
 * threads claim as they go; weight gradients take one share per thread and sum them in share order,
 * so results do not depend on timing. Each thread keeps its padded buffers from call to call.
 */
final class DirectConvolution {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    private static final int MR = Sgemm.DIRECT_MR;   // the register tile's rows: 6 with AVX-512, 4 with AVX2
    private static final int NR = 2 * V;
    /**
     * Taps a weight-gradient tile takes at once: 3 with the 6-row tile (32 vector registers: 18 sums, 3 taps'
     * inputs, one row of dY), 2 with the 4-row one of AVX2's 16 registers. Each vector of dY loaded then feeds
     * three FMAs instead of two. Zen 4, 2026-12-06, scratch harnesses: the 6-row tile alone on one thread (6
     * channels of LeNet's conv2, 150 taps, 6 images) 74-95 GFLOP/s against 56-74; LeNet's whole weight gradients
     * for a batch of 128 on two threads (medians of 15 rounds, three alternating JVMs each) 288-334 us against
     * 364-418 (conv1) and 701-814 against 788-811 (conv2).
     */
    private static final int TAPS = MR == 6 ? 3 : 2;
    /**
     * Most rows of a panel of output channels, and the stride of the packed weights the forward's tiles read and of
     * the weight gradient's lane sums: 7 with AVX-512's 32 vector registers (the forward's 14 sums, two vectors of the
     * input and a broadcast; the weight gradient's 21 sums, three taps' inputs and a row of dY), where channel counts
     * that are multiples of 7 take 7-row panels ({@link #tilePanels}); MR with AVX2.
     */
    private static final int PR = MR == 6 ? 7 : MR;
    /**
     * Images whose padded inputs and output gradients fit in about this many floats (128 KB) form
     * one chunk of the weight gradient, which every tile then reads from the core's own cache.
     */
    private static final int CHUNK_FLOATS = 1 << 15;
    /**
     * Shares of a correlation's images per thread: the threads claim shares as they finish, so a core
     * that runs slower (another process on it, the JIT, the collector) takes fewer instead of holding
     * the other up at the end of every convolution.
     */
    private static final int SHARES_PER_THREAD = 4;
    /**
     * Floats of buffers a thread keeps (16 MB; a small network's layers need well under 1 MB). A new
     * buffer that would go past it makes the thread drop the ones it kept, so large images cost
     * allocations again rather than memory held for good.
     */
    private static final long KEPT_FLOATS = 1 << 22;
    private static final ThreadLocal<Map<BufferKey, float[]>> BUFFERS = ThreadLocal.withInitial(HashMap::new);

    /** What a kept buffer is for: a grid, its use, and its length. */
    private record BufferKey(Grid grid, Use use, int length) {
    }

    /** The kept buffers' uses. */
    private enum Use {
        PADDED_INPUT, OUTPUT_GRID, GRADIENT_GRID, SCATTER_GRID, SCATTER_STRIP, PADDED_INPUT_GRADIENT, WEIGHT_LANES,
        WEIGHT_SHARES, PACKED_WEIGHTS, PACKED_WEIGHTS_TRANSPOSED, SPREAD_GRADIENT
    }

    private DirectConvolution() {
    }

    /** Whether the direct kernels take this geometry: stride 1, dilation 1, one group, padding below the kernel. */
    static boolean applies(ConvGeometry g) {
        return g.strideH() == 1 && g.strideW() == 1 && g.dilationH() == 1 && g.dilationW() == 1 && g.groups() == 1
                && g.padH() < g.kh() && g.padW() < g.kw();
    }

    /**
     * This thread's buffer for {@code use} of grid {@code g}, zero when it is made and kept for the next
     * call with the same grid: every call writes the same interior of a padded input (or the same
     * rows and columns of a gradient grid), so the padding around it stays zero without being cleared.
     */
    private static float[] buffer(Grid g, Use use, int length) {
        Map<BufferKey, float[]> kept = BUFFERS.get();
        BufferKey key = new BufferKey(g, use, length);
        float[] b = kept.get(key);
        if (b == null) {
            long held = length;
            for (float[] k : kept.values()) {
                held += k.length;
            }
            if (held > KEPT_FLOATS) {
                kept.clear();
            }
            b = new float[length];
            kept.put(key, b);
        }
        return b;
    }

    /** The padded-image grid of one correlation. */
    private record Grid(int c, int h, int w, int ph, int pw, int kh, int kw) {
        int hp() {
            return h + 2 * ph;
        }

        int wp() {
            return w + 2 * pw;
        }

        int ho() {
            return hp() - kh + 1;
        }

        int wo() {
            return wp() - kw + 1;
        }

        /**
         * Grid indices computed per output channel, a whole number of vectors: register tiles of NR columns, then
         * one of a vector where a tile would pass the span (LeNet's conv2: 144 a channel for its 140 positions,
         * not 160).
         */
        int span() {
            int l = ho() * wp();
            return (l + V - 1) / V * V;
        }

        /** Floats per padded channel plane, with slack for the last tile's reads past the plane. */
        int plane() {
            return hp() * wp() + (kw - 1) + (span() - ho() * wp());
        }

        int taps() {
            return c * kh * kw;
        }

        int[] offsets() {
            int[] off = new int[taps()];
            int t = 0;
            for (int ch = 0; ch < c; ch++) {
                for (int ki = 0; ki < kh; ki++) {
                    for (int kj = 0; kj < kw; kj++) {
                        off[t++] = ch * plane() + ki * wp() + kj;
                    }
                }
            }
            return off;
        }

        /**
         * Copies image {@code n} of an output gradient {@code dy [N, o, ho, wo]} onto the grid from {@code at}:
         * channel oc's rows {@code wp} apart from {@code at + oc span}; the columns past wo stay zero.
         */
        void placeGradient(float[] dy, int n, int o, float[] dyg, int at) {
            int ho = ho();
            int wo = wo();
            for (int oc = 0; oc < o; oc++) {
                copyRows(dy, (n * o + oc) * ho * wo, wo, dyg, at + oc * span(), wp(), ho, wo, 0f);
            }
        }

        /** Copies image {@code n} of {@code x [N, c, h, w]} into the interior of {@code xp}; the border stays zero. */
        void pad(float[] x, int n, float[] xp, int at) {
            for (int ch = 0; ch < c; ch++) {
                int src = (n * c + ch) * h * w;
                copyRows(x, src, w, xp, at + ch * plane() + ph * wp() + pw, wp(), h, w, 0f);
            }
        }
    }

    /**
     * The first output channel of each register panel, then {@code o}: panels of MR channels, except
     * that a last one of 1 or 2 would be bound by the FMAs' latency (4 or 8 independent sums for
     * the 4 cycles an FMA takes), not by their number, so the last {@code MR + 1} or {@code MR + 2}
     * channels are split into two panels of 3 or 4 instead. cnn:7's 7 channels are panels of 4 and 3
     * rather than 6 and 1: a step of 8 FMA issues per tap instead of 10 (6 and 4, the latter bound by
     * latency); 14 are 6, 4, 4 rather than 6, 6, 2. (With AVX-512 the forward and the weight gradient cut
     * those counts into 7-row panels instead, {@link #tilePanels}; the scatter's panels of taps and AVX2's
     * come from here.)
     */
    static int[] panels(int o) {
        if (o == 0) {
            return new int[] {0};
        }
        int[] start = new int[o / MR + 3];
        int count = 0;
        int at = 0;
        while (o - at > MR) {
            int left = o - at;
            at += left - MR < 3 && left >= 6 ? (left + 1) / 2 : MR;
            start[++count] = at;
        }
        start[++count] = o;
        return Arrays.copyOf(start, count + 1);
    }

    /**
     * The panels of the forward correlation and of the weight gradient: with AVX-512, a channel count that is a
     * multiple of 7 in panels of 7, computed by 7-row tiles; otherwise {@link #panels}. cnn:7's 7 channels were panels
     * of 4 and 3, eight rows of FMAs for seven channels and the input read twice; its 14 were 6, 4 and 4, the input
     * read three times, and its 28 five.
     * Zen 4, 2026-12-06, the two cuts alternating in one JVM (two threads, 128 images, 3 x 3 "same"): 7 to 7 channels
     * at 28 x 28 forward 137-142 GFLOP/s against 122-123, its input gradient 142-145 against 121-125, 1 to 7 channels
     * 76-78 against 62-64, 14 to 14 at 14 x 14 +2%; cnn:7's whole step, alternating every 8 steps, medians 10.86
     * against 11.12 ms and 10.60 against 11.00 (two runs). The weight gradient the same way (its 7 channels were two
     * 4-row tiles): 1 to 7 channels 87-90 against 73-75, 7 to 7 127-139 against 124-128, 14 to 14 147 against 139, the
     * lane sums bit for bit the same; cnn:7's step 1-2% faster again (8.11 against 8.25 ms, p25 8.02 against 8.12).
     */
    static int[] tilePanels(int o) {
        if (PR != 7 || o == 0 || o % 7 != 0) {
            return panels(o);
        }
        int[] start = new int[o / 7 + 1];
        for (int b = 1; b < start.length; b++) {
            start[b] = 7 * b;
        }
        return start;
    }

    /**
     * {@code rows} rows of {@code len} floats from {@code src} (rows {@code srcLd} apart from s) to {@code dst} (rows
     * {@code dstLd} apart from d), plus {@code add} where it is not 0, for two different arrays: a plane between an
     * image and its padded grid. Each row is whole vectors, then one last vector ending at the row's end that overlaps
     * the one before (it writes the same values again), so a row of 28 is two vector copies with no scalar tail. A
     * row shorter than a vector is one masked store with AVX-512 (LeNet-5's 10-wide rows: its epoch 7-10% faster
     * than float by float, Zen 4, 2026-12-05, three alternating runs), from a whole vector read where the array goes
     * on past it, and copied float by float with AVX2, whose masked stores are slow on AMD cores and whose short rows
     * are rarer. (Half-width vectors for those rows, as before stop 42, put a second species into the JDK's shared
     * call profiles: C2 then inlined every {@code add} of the program for both species and boxed each result, an
     * array allocated per vector op in every loop that adds, see {@code SpeciesTest}.) Rows of 14 and 28 are short
     * for {@code System.arraycopy}, whose call cost a third of cnn:7's first convolution, and for C2's vectorised
     * loops, which leave such rows to their scalar tail.
     *
     * <p>A plane per call, not a row: the broadcast, the mask and the test for 0 are made once, and a copy adds
     * nothing where there is nothing to add (the padded inputs and gradients; a convolution without bias). Row by
     * row, these copies were 12% of the time-to-99% command's samples in its steady state (JFR, Zen 4, 2026-12-06),
     * a row of 28 took 7.5 ns against 3.9 ns a plane at a time, a row of 14 4.3 ns against 1.6 (one thread, 128
     * images of 7 channels, and of 14). A -0 is copied as -0 and, with an add of 0, stays so; every sum these
     * values go into starts at +0 or a bias, so none can tell it from +0.
     */
    static void copyRows(float[] src, int s, int srcLd, float[] dst, int d, int dstLd, int rows, int len, float add) {
        if (rows <= 0 || len <= 0) {
            return;
        }
        if (len >= V) {
            if (add == 0f) {
                copyVectorRows(src, s, srcLd, dst, d, dstLd, rows, len);
            } else {
                addVectorRows(src, s, srcLd, dst, d, dstLd, rows, len, add);
            }
        } else if (V >= 16) {
            maskedRows(src, s, srcLd, dst, d, dstLd, rows, len, add);
        } else {
            for (int r = 0; r < rows; r++) {
                int from = s + r * srcLd;
                int to = d + r * dstLd;
                for (int j = 0; j < len; j++) {
                    dst[to + j] = add == 0f ? src[from + j] : src[from + j] + add;
                }
            }
        }
    }

    /**
     * {@link #copyRows} of rows of at least V floats, nothing added: a method of its own, not a branch on 0 in
     * {@link #addVectorRows}. The two as one method, the test for 0 inside its loops, copied a 28-wide pad at 4.6-9.8 ns
     * a row (median 6.2) against 4.1-9.0 (median 5.3): one thread, best of 29 rounds in each of eight JVMs a side,
     * alternating, Zen 4, 2026-12-06.
     */
    private static void copyVectorRows(float[] src, int s, int srcLd, float[] dst, int d, int dstLd, int rows,
                                       int len) {
        int last = len - V;
        for (int r = 0; r < rows; r++) {
            int from = s + r * srcLd;
            int to = d + r * dstLd;
            for (int j = 0; j < last; j += V) {
                FloatVector.fromArray(S, src, from + j).intoArray(dst, to + j);
            }
            FloatVector.fromArray(S, src, from + last).intoArray(dst, to + last);
        }
    }

    /** {@link #copyRows} of rows of at least V floats, {@code add} added. */
    private static void addVectorRows(float[] src, int s, int srcLd, float[] dst, int d, int dstLd, int rows, int len,
                                      float add) {
        FloatVector a = FloatVector.broadcast(S, add);
        int last = len - V;
        for (int r = 0; r < rows; r++) {
            int from = s + r * srcLd;
            int to = d + r * dstLd;
            for (int j = 0; j < last; j += V) {
                FloatVector.fromArray(S, src, from + j).add(a).intoArray(dst, to + j);
            }
            FloatVector.fromArray(S, src, from + last).add(a).intoArray(dst, to + last);
        }
    }

    /**
     * {@link #copyRows} of rows shorter than a vector (AVX-512): each row one masked store, read as a whole vector
     * while that stays inside src (a masked read that a whole vector's reach would take past the array's end checks
     * every lane in Java first: 4.4% of LeNet-5's samples when its last rows came that way), masked after.
     */
    private static void maskedRows(float[] src, int s, int srcLd, float[] dst, int d, int dstLd, int rows, int len,
                                   float add) {
        VectorMask<Float> m = S.indexInRange(0, len);
        FloatVector a = FloatVector.broadcast(S, add);
        int room = src.length - V - s;
        int whole = room < 0 ? 0 : Math.min(rows, room / srcLd + 1);
        for (int r = 0; r < rows; r++) {
            int from = s + r * srcLd;
            FloatVector v = r < whole ? FloatVector.fromArray(S, src, from) : FloatVector.fromArray(S, src, from, m);
            (add == 0f ? v : v.add(a)).intoArray(dst, d + r * dstLd, m);
        }
    }

    static void forward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        int o = w.length / (g.c() * g.kh() * g.kw());
        correlate(g.n(), new Grid(g.c(), g.h(), g.w(), g.padH(), g.padW(), g.kh(), g.kw()), o, x, w, bias, null, false, y,
                null);
    }

    /**
     * {@link #forward}, 2 x 2 max pooling and, when relu is set, ReLU in one pass: each image's grid
     * goes straight into the pooled output y and, in training, into the {@code winners} of its windows
     * ({@link VectorPooling#winners}) while it is in the core's cache; the full-size output is never
     * written.
     */
    static void forwardMaxPool2x2(ConvGeometry g, float[] x, float[] w, float[] bias, boolean relu, float[] y,
                                  float[] winners) {
        int o = w.length / (g.c() * g.kh() * g.kw());
        correlate(g.n(), new Grid(g.c(), g.h(), g.w(), g.padH(), g.padW(), g.kh(), g.kw()), o, x, w, bias, y, relu, null,
                winners);
    }

    /**
     * The input and weight gradients of a fused convolutional block ({@code Backend.conv2dMaxPool2x2Backward}),
     * each skipped when null: the pooled gradient goes onto each image's grid at the windows' maxima
     * ({@link VectorPooling#placeWinners}) where the kernels would have copied a full-size gradient, so none is
     * written. An input gradient that takes the full correlation, not the scatter, gets the full-size gradient
     * spread out first.
     */
    static void backwardPooled(ConvGeometry g, float[] x, float[] w, float[] winners, float[] gPooled, float[] dx,
                               float[] dw) {
        Placement pooled = (gr, n, o, grid, at) ->
                VectorPooling.placeWinners(winners, gPooled, n, o, gr.ho(), gr.wo(), grid, at, gr.span(), gr.wp());
        if (dx != null) {
            int o = w.length / (g.c() * g.kh() * g.kw());
            Grid forward = new Grid(g.c(), g.h(), g.w(), g.padH(), g.padW(), g.kh(), g.kw());
            if (scatters(g, forward)) {
                scatter(g.n(), forward, o, pooled, w, dx);
            } else {
                // The full-size gradient, every element written: planes of the output's own size, rows wo apart.
                float[] dy = buffer(forward, Use.SPREAD_GRADIENT, g.n() * o * g.ho() * g.wo());
                int plane = g.ho() * g.wo();
                for (int n = 0; n < g.n(); n++) {
                    VectorPooling.placeWinners(winners, gPooled, n, o, g.ho(), g.wo(), dy, n * o * plane, plane, g.wo());
                }
                backwardInput(g, dy, w, dx);
            }
        }
        if (dw != null) {
            backwardWeight(g, x, pooled, dw);
        }
    }

    /**
     * How an output gradient reaches the backward kernels: image n's, for o channels, placed onto a grid
     * from {@code at} (channel oc's rows {@code gr.wp()} apart from {@code at + oc gr.span()}; the columns
     * past wo, and the rest of the span, are left zero, as every grid the kernels keep has them).
     */
    @FunctionalInterface
    private interface Placement {
        void place(Grid gr, int n, int o, float[] grid, int at);
    }

    /** A full-size output gradient {@code dy [N, o, ho, wo]}, copied row by row. */
    private static Placement dense(float[] dy) {
        return (gr, n, o, grid, at) -> gr.placeGradient(dy, n, o, grid, at);
    }

    /**
     * {@code dx} for {@code dy}: the forward correlation of dy, padded by {@code k - 1 - pad}, with the
     * kernel flipped ({@link #correlate}), or, where that full padding would have the kernel read mostly
     * zeros, the scatter of {@code W^T dY} ({@link #scatter}). The full correlation computes
     * {@code h x (wo + 2 (kw - 1 - pw))} grid positions for each of {@code o kh kw} taps; the scatter
     * {@code ho x wp} for each of {@code o}, the taps becoming its rows. For a "same" convolution the two
     * are equal; for LeNet's valid 5 x 5 convolution of 14 x 14 planes (14 x 18 = 252 positions against
     * 10 x 14 = 140) the scatter computes 1.8 times fewer products, 2.3 times fewer counting what the 4-row
     * tiles compute and throw away. It takes the convolutions where it saves at least a quarter.
     */
    static void backwardInput(ConvGeometry g, float[] dy, float[] w, float[] dx) {
        int o = w.length / (g.c() * g.kh() * g.kw());
        int kk = g.kh() * g.kw();
        Grid forward = new Grid(g.c(), g.h(), g.w(), g.padH(), g.padW(), g.kh(), g.kw());
        if (scatters(g, forward)) {
            scatter(g.n(), forward, o, dense(dy), w, dx);
            return;
        }
        Grid full = new Grid(o, g.ho(), g.wo(), g.kh() - 1 - g.padH(), g.kw() - 1 - g.padW(), g.kh(), g.kw());
        // w'[c, o, ki, kj] = w[o, c, kh - 1 - ki, kw - 1 - kj]
        float[] flipped = new float[w.length];
        for (int oc = 0; oc < o; oc++) {
            for (int ch = 0; ch < g.c(); ch++) {
                for (int t = 0; t < kk; t++) {
                    flipped[(ch * o + oc) * kk + (kk - 1 - t)] = w[(oc * g.c() + ch) * kk + t];
                }
            }
        }
        correlate(g.n(), full, g.c(), dy, flipped, null, null, false, dx, null);
    }

    /** Whether the input gradient takes the scatter: where it saves at least a quarter of the full correlation's work. */
    private static boolean scatters(ConvGeometry g, Grid forward) {
        Grid full = new Grid(1, g.ho(), g.wo(), g.kh() - 1 - g.padH(), g.kw() - 1 - g.padW(), g.kh(), g.kw());
        return 4 * forward.span() <= 3 * full.span();
    }

    /**
     * The input gradient as products and a scatter, one image at a time: dY goes onto the forward's grid
     * (rows {@code wp} apart, the columns past {@code wo} zero), {@code G = W^T dY} is computed with the
     * forward's register tiles (rows: the {@code c kh kw} taps; the tiles' own "taps": dY's {@code o}
     * channels), and row t of G is added into the padded input gradient at tap t's offset, the same
     * offset at which the forward read the input. Grid position {@code i = oh * wp + ow} then lands on
     * {@code (oh + ki, ow + kj)} of the padded plane; the zero columns land past a row's end, on the
     * padding or the next row, and add zeros. Each panel's rows of G are scattered as soon as they are
     * computed, from a strip that stays in L1. The interior of the padded gradient is dx.
     */
    private static void scatter(int images, Grid gr, int o, Placement dy, float[] w, float[] dx) {
        int taps = gr.taps();
        int[] start = panels(taps);
        int blocks = start.length - 1;
        // W^T: row t, column oc at w[oc * taps + t]
        float[] wt = pack(gr, Use.PACKED_WEIGHTS_TRANSPOSED, w, start, o, 1, taps);
        int span = gr.span();
        int plane = gr.plane();
        int[] channels = new int[o];
        for (int oc = 0; oc < o; oc++) {
            channels[oc] = oc * span;
        }
        int[] off = gr.offsets();
        int c = gr.c();
        int parts = Math.min(WorkerPool.threads() * SHARES_PER_THREAD, images);
        WorkerPool.run(parts, part -> {
            float[] dyg = buffer(gr, Use.SCATTER_GRID, o * span);
            float[] strip = buffer(gr, Use.SCATTER_STRIP, MR * span);
            float[] dxp = buffer(gr, Use.PADDED_INPUT_GRADIENT, c * plane);
            for (int n = images * part / parts; n < images * (part + 1) / parts; n++) {
                dy.place(gr, n, o, dyg, 0);
                Arrays.fill(dxp, 0f);
                for (int b = 0; b < blocks; b++) {
                    int rows = start[b + 1] - start[b];
                    panelRows(rows, o, wt, b * o * PR, dyg, channels, strip, 0, span);
                    for (int r = 0; r < rows; r++) {
                        addRun(strip, r * span, dxp, off[start[b] + r], span);
                    }
                }
                for (int ch = 0; ch < c; ch++) {
                    copyRows(dxp, ch * plane + gr.ph() * gr.wp() + gr.pw(), gr.wp(), dx, (n * c + ch) * gr.h() * gr.w(),
                            gr.w(), gr.h(), gr.w(), 0f);
                }
            }
        });
    }

    /**
     * The register tiles' A operand: the rows of a matrix M ({@code M[r, j] = w[r rowStride + j colStride]},
     * {@code depth} columns) in the panels {@code start} cuts, block b holding {@code M[start[b] + r, j]} at
     * {@code [(b depth + j) PR + r]}, zero past a panel's rows; in the calling thread's kept buffer for
     * {@code use} of grid {@code g} (the threads of a region only read it), so a step allocates no weights.
     */
    private static float[] pack(Grid g, Use use, float[] w, int[] start, int depth, int rowStride, int colStride) {
        int blocks = start.length - 1;
        float[] panels = buffer(g, use, blocks * depth * PR);
        Arrays.fill(panels, 0f);
        for (int b = 0; b < blocks; b++) {
            for (int r = 0; r < start[b + 1] - start[b]; r++) {
                for (int j = 0; j < depth; j++) {
                    panels[(b * depth + j) * PR + r] = w[(start[b] + r) * rowStride + j * colStride];
                }
            }
        }
        return panels;
    }

    /** {@code dst[d, d + len) += src[s, s + len)}, len a whole number of vectors. */
    private static void addRun(float[] src, int s, float[] dst, int d, int len) {
        for (int j = 0; j < len; j += V) {
            FloatVector.fromArray(S, dst, d + j).add(FloatVector.fromArray(S, src, s + j)).intoArray(dst, d + j);
        }
    }

    /**
     * {@code y [n, o, ho, wo] = correlation of x [n, c, h, w] (padded) with w [o, c, kh, kw]} plus bias,
     * when y is not null; when {@code pooled} is not null, {@code pooled [n, o, ho/2, wo/2]} gets the maxima
     * of y's 2 x 2 windows, clamped at zero with relu, and {@code winners}, when not null, which element of
     * each window holds its maximum ({@link VectorPooling#winners}).
     */
    private static void correlate(int images, Grid gr, int o, float[] x, float[] w, float[] bias, float[] pooled,
                                  boolean relu, float[] y, float[] winners) {
        int taps = gr.taps();
        int[] start = tilePanels(o);
        int blocks = start.length - 1;
        float[] wp = pack(gr, Use.PACKED_WEIGHTS, w, start, taps, taps, 1);   // W: row oc, column t at w[oc * taps + t]
        int[] off = gr.offsets();
        int span = gr.span();
        int ho = gr.ho();
        int wo = gr.wo();
        int parts = Math.min(WorkerPool.threads() * SHARES_PER_THREAD, images);
        WorkerPool.run(parts, part -> {
            float[] xp = buffer(gr, Use.PADDED_INPUT, gr.c() * gr.plane());
            // Row oc of the output grid holds channel oc. A tile writes all its rows; those past its
            // panel are overwritten by the next panel's tiles, or lie past o (never read).
            float[] out = buffer(gr, Use.OUTPUT_GRID, (o + MR) * span);
            for (int n = images * part / parts; n < images * (part + 1) / parts; n++) {
                gr.pad(x, n, xp, 0);
                for (int b = 0; b < blocks; b++) {
                    panelRows(start[b + 1] - start[b], taps, wp, b * taps * PR, xp, off, out, start[b] * span, span);
                }
                if (pooled != null) {
                    VectorPooling.poolPlanes(out, o, span, gr.wp(), ho / 2, wo / 2, bias, relu, pooled,
                            n * o * (ho / 2) * (wo / 2));
                    if (winners != null) {
                        VectorPooling.winners(out, o, span, gr.wp(), ho / 2, wo / 2, bias, winners,
                                n * o * (ho / 2) * 2 * (wo / 2));
                    }
                }
                if (y == null) {
                    continue;
                }
                // The grid's rows are wp wide; the output's wo.
                for (int oc = 0; oc < o; oc++) {
                    copyRows(out, oc * span, gr.wp(), y, (n * o + oc) * ho * wo, wo, ho, wo,
                            bias == null ? 0f : bias[oc]);
                }
            }
        });
    }

    /**
     * One panel's rows of a correlation over a whole span: {@code out[outAt + r span + i]} for i below the span,
     * in register tiles of NR columns and, where the span is an odd number of vectors, one a vector wide.
     */
    private static void panelRows(int rows, int taps, float[] wp, int wAt, float[] xp, int[] off, float[] out, int outAt,
                                  int span) {
        int i = 0;
        for (; i + NR <= span; i += NR) {
            forwardTile(rows, taps, wp, wAt, xp, off, i, out, outAt + i, span);
        }
        if (i < span) {
            forwardTail(rows, taps, wp, wAt, xp, off, i, out, outAt + i, span);
        }
    }

    /**
     * {@link #forwardTile} one vector wide, for a span's last V columns where a whole tile would pass it: all MR
     * rows of the panel, or all 7 of a 7-row one (rows past a panel are overwritten by the next panel's tiles, or lie
     * past the channels).
     */
    private static void forwardTail(int rows, int taps, float[] wp, int wAt, float[] xp, int[] off, int i, float[] out,
                                    int outAt, int ld) {
        if (rows == 7) {
            forwardTail7(taps, wp, wAt, xp, off, i, out, outAt, ld);
        } else if (MR == 6) {
            forwardTail6(taps, wp, wAt, xp, off, i, out, outAt, ld);
        } else {
            forwardTail4(taps, wp, wAt, xp, off, i, out, outAt, ld);
        }
    }

    /** {@link #forwardTail} with 7 rows. */
    private static void forwardTail7(int taps, float[] wp, int wAt, float[] xp, int[] off, int i, float[] out, int outAt,
                                     int ld) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            FloatVector b = FloatVector.fromArray(S, xp, off[t] + i);
            int aq = wAt + t * PR;
            c0 = FloatVector.broadcast(S, wp[aq]).fma(b, c0);
            c1 = FloatVector.broadcast(S, wp[aq + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, wp[aq + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, wp[aq + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, wp[aq + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(S, wp[aq + 5]).fma(b, c5);
            c6 = FloatVector.broadcast(S, wp[aq + 6]).fma(b, c6);
        }
        c0.intoArray(out, outAt);
        c1.intoArray(out, outAt + ld);
        c2.intoArray(out, outAt + 2 * ld);
        c3.intoArray(out, outAt + 3 * ld);
        c4.intoArray(out, outAt + 4 * ld);
        c5.intoArray(out, outAt + 5 * ld);
        c6.intoArray(out, outAt + 6 * ld);
    }

    /** {@link #forwardTail} with 6 rows. */
    private static void forwardTail6(int taps, float[] wp, int wAt, float[] xp, int[] off, int i, float[] out, int outAt,
                                     int ld) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S), c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            FloatVector b = FloatVector.fromArray(S, xp, off[t] + i);
            int aq = wAt + t * PR;
            c0 = FloatVector.broadcast(S, wp[aq]).fma(b, c0);
            c1 = FloatVector.broadcast(S, wp[aq + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, wp[aq + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, wp[aq + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, wp[aq + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(S, wp[aq + 5]).fma(b, c5);
        }
        c0.intoArray(out, outAt);
        c1.intoArray(out, outAt + ld);
        c2.intoArray(out, outAt + 2 * ld);
        c3.intoArray(out, outAt + 3 * ld);
        c4.intoArray(out, outAt + 4 * ld);
        c5.intoArray(out, outAt + 5 * ld);
    }

    /** {@link #forwardTail} with 4 rows. */
    private static void forwardTail4(int taps, float[] wp, int wAt, float[] xp, int[] off, int i, float[] out, int outAt,
                                     int ld) {
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            FloatVector b = FloatVector.fromArray(S, xp, off[t] + i);
            int aq = wAt + t * PR;
            c0 = FloatVector.broadcast(S, wp[aq]).fma(b, c0);
            c1 = FloatVector.broadcast(S, wp[aq + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, wp[aq + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, wp[aq + 3]).fma(b, c3);
        }
        c0.intoArray(out, outAt);
        c1.intoArray(out, outAt + ld);
        c2.intoArray(out, outAt + 2 * ld);
        c3.intoArray(out, outAt + 3 * ld);
    }

    /**
     * Out[r, i .. i + NR) = sum over taps of W[r, t] X[offset[t] + i ...], for the first {@code rows}
     * (at most PR) rows of one panel: a panel's last rows past the output channels are not computed
     * when a smaller tile covers the rest (a panel of 3 rows takes the 4-row tile, not the 6-row one).
     */
    private static void forwardTile(int rows, int taps, float[] wp, int wAt, float[] xp, int[] off, int i,
                                    float[] out, int outAt, int ld) {
        if (rows <= 2) {
            forwardTile2(taps, wp, wAt, xp, off, i, out, outAt, ld);
        } else if (rows <= 4) {
            forwardTile4(taps, wp, wAt, xp, off, i, out, outAt, ld);
        } else if (rows <= 6) {
            forwardTile6(taps, wp, wAt, xp, off, i, out, outAt, ld);
        } else {
            forwardTile7(taps, wp, wAt, xp, off, i, out, outAt, ld);
        }
    }

    /** {@link #forwardTile} with 6 rows. */
    private static void forwardTile6(int taps, float[] wp, int wAt, float[] xp, int[] off, int i,
                                     float[] out, int outAt, int ld) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            int xq = off[t] + i;
            FloatVector b0 = FloatVector.fromArray(S, xp, xq);
            FloatVector b1 = FloatVector.fromArray(S, xp, xq + V);
            int aq = wAt + t * PR;
            FloatVector a0 = FloatVector.broadcast(S, wp[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, wp[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, wp[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, wp[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, wp[aq + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, wp[aq + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        c00.intoArray(out, outAt);
        c01.intoArray(out, outAt + V);
        c10.intoArray(out, outAt + ld);
        c11.intoArray(out, outAt + ld + V);
        c20.intoArray(out, outAt + 2 * ld);
        c21.intoArray(out, outAt + 2 * ld + V);
        c30.intoArray(out, outAt + 3 * ld);
        c31.intoArray(out, outAt + 3 * ld + V);
        c40.intoArray(out, outAt + 4 * ld);
        c41.intoArray(out, outAt + 4 * ld + V);
        c50.intoArray(out, outAt + 5 * ld);
        c51.intoArray(out, outAt + 5 * ld + V);
    }

    /**
     * {@link #forwardTile} with 7 rows (AVX-512; {@link #tilePanels}): 14 sums, each tap's two input vectors
     * loaded once for seven channels.
     */
    private static void forwardTile7(int taps, float[] wp, int wAt, float[] xp, int[] off, int i,
                                     float[] out, int outAt, int ld) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            int xq = off[t] + i;
            FloatVector b0 = FloatVector.fromArray(S, xp, xq);
            FloatVector b1 = FloatVector.fromArray(S, xp, xq + V);
            int aq = wAt + t * PR;
            FloatVector a0 = FloatVector.broadcast(S, wp[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, wp[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, wp[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, wp[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, wp[aq + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, wp[aq + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, wp[aq + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
        }
        c00.intoArray(out, outAt);
        c01.intoArray(out, outAt + V);
        c10.intoArray(out, outAt + ld);
        c11.intoArray(out, outAt + ld + V);
        c20.intoArray(out, outAt + 2 * ld);
        c21.intoArray(out, outAt + 2 * ld + V);
        c30.intoArray(out, outAt + 3 * ld);
        c31.intoArray(out, outAt + 3 * ld + V);
        c40.intoArray(out, outAt + 4 * ld);
        c41.intoArray(out, outAt + 4 * ld + V);
        c50.intoArray(out, outAt + 5 * ld);
        c51.intoArray(out, outAt + 5 * ld + V);
        c60.intoArray(out, outAt + 6 * ld);
        c61.intoArray(out, outAt + 6 * ld + V);
    }

    /** {@link #forwardTile} with 2 rows. */
    private static void forwardTile2(int taps, float[] wp, int wAt, float[] xp, int[] off, int i,
                                     float[] out, int outAt, int ld) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            int xq = off[t] + i;
            FloatVector b0 = FloatVector.fromArray(S, xp, xq);
            FloatVector b1 = FloatVector.fromArray(S, xp, xq + V);
            int aq = wAt + t * PR;
            FloatVector a0 = FloatVector.broadcast(S, wp[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, wp[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
        }
        c00.intoArray(out, outAt);
        c01.intoArray(out, outAt + V);
        c10.intoArray(out, outAt + ld);
        c11.intoArray(out, outAt + ld + V);
    }

    /** {@link #forwardTile} with 4 rows. */
    private static void forwardTile4(int taps, float[] wp, int wAt, float[] xp, int[] off, int i,
                                     float[] out, int outAt, int ld) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        for (int t = 0; t < taps; t++) {
            int xq = off[t] + i;
            FloatVector b0 = FloatVector.fromArray(S, xp, xq);
            FloatVector b1 = FloatVector.fromArray(S, xp, xq + V);
            int aq = wAt + t * PR;
            FloatVector a0 = FloatVector.broadcast(S, wp[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, wp[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, wp[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, wp[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(out, outAt);
        c01.intoArray(out, outAt + V);
        c10.intoArray(out, outAt + ld);
        c11.intoArray(out, outAt + ld + V);
        c20.intoArray(out, outAt + 2 * ld);
        c21.intoArray(out, outAt + 2 * ld + V);
        c30.intoArray(out, outAt + 3 * ld);
        c31.intoArray(out, outAt + 3 * ld + V);
    }

    /** {@code dw [o, c, kh, kw] = sum over images and positions of dy[o, pos] x[c, pos + (ki, kj)]}. */
    static void backwardWeight(ConvGeometry g, float[] x, float[] dy, float[] dw) {
        backwardWeight(g, x, dense(dy), dw);
    }

    private static void backwardWeight(ConvGeometry g, float[] x, Placement dy, float[] dw) {
        Grid gr = new Grid(g.c(), g.h(), g.w(), g.padH(), g.padW(), g.kh(), g.kw());
        int taps = gr.taps();
        int o = dw.length / taps;
        int[] start = tilePanels(o);
        int blocks = start.length - 1;
        int groups = (taps + TAPS - 1) / TAPS;
        int span = gr.span();
        // A tap count that is no multiple of TAPS gets last, discarded taps that read the first one's inputs.
        int[] off = Arrays.copyOf(gr.offsets(), TAPS * groups);
        int gridRows = o + MR;   // a tile reads all its rows; those past o are zero
        int perImage = gr.c() * gr.plane() + gridRows * span;
        int chunk = Math.max(1, Math.min(g.n(), CHUNK_FLOATS / perImage));
        int parts = Math.min(WorkerPool.threads(), g.n());
        // Each share's dW from shares[part * dw.length]: the calling thread's, every share writing all of its own.
        float[] shares = buffer(gr, Use.WEIGHT_SHARES, parts * dw.length);
        WorkerPool.run(parts, part -> {
            float[] xp = buffer(gr, Use.PADDED_INPUT, chunk * gr.c() * gr.plane());
            float[] dyg = buffer(gr, Use.GRADIENT_GRID, chunk * gridRows * span);
            // Per-lane sums of every (output channel, tap) pair, added up across lanes once at the end.
            int laneCount = blocks * PR * TAPS * groups * V;
            float[] lanes = buffer(gr, Use.WEIGHT_LANES, laneCount);
            Arrays.fill(lanes, 0, laneCount, 0f);
            int last = g.n() * (part + 1) / parts;
            for (int from = g.n() * part / parts; from < last; from += chunk) {
                int count = Math.min(chunk, last - from);
                for (int j = 0; j < count; j++) {
                    int n = from + j;
                    gr.pad(x, n, xp, j * gr.c() * gr.plane());
                    // dy on the grid: row oh at oh * wp; columns past wo and rows past o stay zero.
                    dy.place(gr, n, o, dyg, j * gridRows * span);
                }
                for (int b = 0; b < blocks; b++) {
                    int rows = start[b + 1] - start[b];
                    for (int tg = 0; tg < groups; tg++) {
                        weightTile(rows, count, span, xp, gr.c() * gr.plane(), off, TAPS * tg,
                                dyg, gridRows * span, start[b] * span, lanes, ((b * groups + tg) * PR * TAPS) * V);
                    }
                }
            }
            int at0 = part * dw.length;
            for (int b = 0; b < blocks; b++) {
                for (int tg = 0; tg < groups; tg++) {
                    for (int r = 0; r < start[b + 1] - start[b]; r++) {
                        for (int q = 0; q < TAPS && TAPS * tg + q < taps; q++) {
                            int at = ((b * groups + tg) * PR * TAPS + r * TAPS + q) * V;
                            float sum = 0f;
                            for (int lane = 0; lane < V; lane++) {
                                sum += lanes[at + lane];
                            }
                            shares[at0 + (start[b] + r) * taps + TAPS * tg + q] = sum;
                        }
                    }
                }
            }
        });
        System.arraycopy(shares, 0, dw, 0, dw.length);
        for (int part = 1; part < parts; part++) {
            for (int i = 0; i < dw.length; i++) {
                dw[i] += shares[part * dw.length + i];
            }
        }
    }

    /**
     * Adds to the per-lane sums {@code lanes[at + (r * TAPS + q) * V + lane]} the products
     * {@code dY[row r] . X[tap t + q]} over the {@code count} images of a chunk, for the output channels of one panel
     * (MR, or 7: its first {@code rows}, as in {@link #forwardTile}) and TAPS taps from {@code off[t]}.
     */
    private static void weightTile(int rows, int count, int span, float[] xp, int xStride, int[] off, int t,
                                   float[] dyg, int dyStride, int dyAt, float[] lanes, int at) {
        if (TAPS == 2) {
            if (rows <= 2) {
                weightTile2x2(count, span, xp, xStride, off[t], off[t + 1], dyg, dyStride, dyAt, lanes, at);
            } else {
                weightTile4x2(count, span, xp, xStride, off[t], off[t + 1], dyg, dyStride, dyAt, lanes, at);
            }
        } else if (rows <= 2) {
            weightTile2x3(count, span, xp, xStride, off[t], off[t + 1], off[t + 2], dyg, dyStride, dyAt, lanes, at);
        } else if (rows <= 4) {
            weightTile4x3(count, span, xp, xStride, off[t], off[t + 1], off[t + 2], dyg, dyStride, dyAt, lanes, at);
        } else if (rows <= 6) {
            weightTile6x3(count, span, xp, xStride, off[t], off[t + 1], off[t + 2], dyg, dyStride, dyAt, lanes, at);
        } else {
            weightTile7x3(count, span, xp, xStride, off[t], off[t + 1], off[t + 2], dyg, dyStride, dyAt, lanes, at);
        }
    }

    /** {@link #weightTile} with 7 rows and 3 taps (AVX-512; {@link #tilePanels}): 21 sums. */
    private static void weightTile7x3(int count, int span, float[] xp, int xStride, int off0, int off1, int off2,
                                      float[] dyg, int dyStride, int dyAt, float[] lanes, int at) {
        FloatVector c00 = FloatVector.fromArray(S, lanes, at), c01 = FloatVector.fromArray(S, lanes, at + V);
        FloatVector c02 = FloatVector.fromArray(S, lanes, at + 2 * V);
        FloatVector c10 = FloatVector.fromArray(S, lanes, at + 3 * V), c11 = FloatVector.fromArray(S, lanes, at + 4 * V);
        FloatVector c12 = FloatVector.fromArray(S, lanes, at + 5 * V);
        FloatVector c20 = FloatVector.fromArray(S, lanes, at + 6 * V), c21 = FloatVector.fromArray(S, lanes, at + 7 * V);
        FloatVector c22 = FloatVector.fromArray(S, lanes, at + 8 * V);
        FloatVector c30 = FloatVector.fromArray(S, lanes, at + 9 * V), c31 = FloatVector.fromArray(S, lanes, at + 10 * V);
        FloatVector c32 = FloatVector.fromArray(S, lanes, at + 11 * V);
        FloatVector c40 = FloatVector.fromArray(S, lanes, at + 12 * V), c41 = FloatVector.fromArray(S, lanes, at + 13 * V);
        FloatVector c42 = FloatVector.fromArray(S, lanes, at + 14 * V);
        FloatVector c50 = FloatVector.fromArray(S, lanes, at + 15 * V), c51 = FloatVector.fromArray(S, lanes, at + 16 * V);
        FloatVector c52 = FloatVector.fromArray(S, lanes, at + 17 * V);
        FloatVector c60 = FloatVector.fromArray(S, lanes, at + 18 * V), c61 = FloatVector.fromArray(S, lanes, at + 19 * V);
        FloatVector c62 = FloatVector.fromArray(S, lanes, at + 20 * V);
        for (int j = 0; j < count; j++) {
            int xAt = j * xStride;
            int d = j * dyStride + dyAt;
            for (int i = 0; i < span; i += V) {
                FloatVector b0 = FloatVector.fromArray(S, xp, xAt + off0 + i);
                FloatVector b1 = FloatVector.fromArray(S, xp, xAt + off1 + i);
                FloatVector b2 = FloatVector.fromArray(S, xp, xAt + off2 + i);
                FloatVector a0 = FloatVector.fromArray(S, dyg, d + i);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                c02 = a0.fma(b2, c02);
                FloatVector a1 = FloatVector.fromArray(S, dyg, d + span + i);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                c12 = a1.fma(b2, c12);
                FloatVector a2 = FloatVector.fromArray(S, dyg, d + 2 * span + i);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                c22 = a2.fma(b2, c22);
                FloatVector a3 = FloatVector.fromArray(S, dyg, d + 3 * span + i);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
                c32 = a3.fma(b2, c32);
                FloatVector a4 = FloatVector.fromArray(S, dyg, d + 4 * span + i);
                c40 = a4.fma(b0, c40);
                c41 = a4.fma(b1, c41);
                c42 = a4.fma(b2, c42);
                FloatVector a5 = FloatVector.fromArray(S, dyg, d + 5 * span + i);
                c50 = a5.fma(b0, c50);
                c51 = a5.fma(b1, c51);
                c52 = a5.fma(b2, c52);
                FloatVector a6 = FloatVector.fromArray(S, dyg, d + 6 * span + i);
                c60 = a6.fma(b0, c60);
                c61 = a6.fma(b1, c61);
                c62 = a6.fma(b2, c62);
            }
        }
        c00.intoArray(lanes, at);
        c01.intoArray(lanes, at + V);
        c02.intoArray(lanes, at + 2 * V);
        c10.intoArray(lanes, at + 3 * V);
        c11.intoArray(lanes, at + 4 * V);
        c12.intoArray(lanes, at + 5 * V);
        c20.intoArray(lanes, at + 6 * V);
        c21.intoArray(lanes, at + 7 * V);
        c22.intoArray(lanes, at + 8 * V);
        c30.intoArray(lanes, at + 9 * V);
        c31.intoArray(lanes, at + 10 * V);
        c32.intoArray(lanes, at + 11 * V);
        c40.intoArray(lanes, at + 12 * V);
        c41.intoArray(lanes, at + 13 * V);
        c42.intoArray(lanes, at + 14 * V);
        c50.intoArray(lanes, at + 15 * V);
        c51.intoArray(lanes, at + 16 * V);
        c52.intoArray(lanes, at + 17 * V);
        c60.intoArray(lanes, at + 18 * V);
        c61.intoArray(lanes, at + 19 * V);
        c62.intoArray(lanes, at + 20 * V);
    }

    /** {@link #weightTile} with 6 rows and 3 taps. */
    private static void weightTile6x3(int count, int span, float[] xp, int xStride, int off0, int off1, int off2,
                                      float[] dyg, int dyStride, int dyAt, float[] lanes, int at) {
        FloatVector c00 = FloatVector.fromArray(S, lanes, at), c01 = FloatVector.fromArray(S, lanes, at + V);
        FloatVector c02 = FloatVector.fromArray(S, lanes, at + 2 * V);
        FloatVector c10 = FloatVector.fromArray(S, lanes, at + 3 * V), c11 = FloatVector.fromArray(S, lanes, at + 4 * V);
        FloatVector c12 = FloatVector.fromArray(S, lanes, at + 5 * V);
        FloatVector c20 = FloatVector.fromArray(S, lanes, at + 6 * V), c21 = FloatVector.fromArray(S, lanes, at + 7 * V);
        FloatVector c22 = FloatVector.fromArray(S, lanes, at + 8 * V);
        FloatVector c30 = FloatVector.fromArray(S, lanes, at + 9 * V), c31 = FloatVector.fromArray(S, lanes, at + 10 * V);
        FloatVector c32 = FloatVector.fromArray(S, lanes, at + 11 * V);
        FloatVector c40 = FloatVector.fromArray(S, lanes, at + 12 * V), c41 = FloatVector.fromArray(S, lanes, at + 13 * V);
        FloatVector c42 = FloatVector.fromArray(S, lanes, at + 14 * V);
        FloatVector c50 = FloatVector.fromArray(S, lanes, at + 15 * V), c51 = FloatVector.fromArray(S, lanes, at + 16 * V);
        FloatVector c52 = FloatVector.fromArray(S, lanes, at + 17 * V);
        for (int j = 0; j < count; j++) {
            int xAt = j * xStride;
            int d = j * dyStride + dyAt;
            for (int i = 0; i < span; i += V) {
                FloatVector b0 = FloatVector.fromArray(S, xp, xAt + off0 + i);
                FloatVector b1 = FloatVector.fromArray(S, xp, xAt + off1 + i);
                FloatVector b2 = FloatVector.fromArray(S, xp, xAt + off2 + i);
                FloatVector a0 = FloatVector.fromArray(S, dyg, d + i);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                c02 = a0.fma(b2, c02);
                FloatVector a1 = FloatVector.fromArray(S, dyg, d + span + i);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                c12 = a1.fma(b2, c12);
                FloatVector a2 = FloatVector.fromArray(S, dyg, d + 2 * span + i);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                c22 = a2.fma(b2, c22);
                FloatVector a3 = FloatVector.fromArray(S, dyg, d + 3 * span + i);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
                c32 = a3.fma(b2, c32);
                FloatVector a4 = FloatVector.fromArray(S, dyg, d + 4 * span + i);
                c40 = a4.fma(b0, c40);
                c41 = a4.fma(b1, c41);
                c42 = a4.fma(b2, c42);
                FloatVector a5 = FloatVector.fromArray(S, dyg, d + 5 * span + i);
                c50 = a5.fma(b0, c50);
                c51 = a5.fma(b1, c51);
                c52 = a5.fma(b2, c52);
            }
        }
        c00.intoArray(lanes, at);
        c01.intoArray(lanes, at + V);
        c02.intoArray(lanes, at + 2 * V);
        c10.intoArray(lanes, at + 3 * V);
        c11.intoArray(lanes, at + 4 * V);
        c12.intoArray(lanes, at + 5 * V);
        c20.intoArray(lanes, at + 6 * V);
        c21.intoArray(lanes, at + 7 * V);
        c22.intoArray(lanes, at + 8 * V);
        c30.intoArray(lanes, at + 9 * V);
        c31.intoArray(lanes, at + 10 * V);
        c32.intoArray(lanes, at + 11 * V);
        c40.intoArray(lanes, at + 12 * V);
        c41.intoArray(lanes, at + 13 * V);
        c42.intoArray(lanes, at + 14 * V);
        c50.intoArray(lanes, at + 15 * V);
        c51.intoArray(lanes, at + 16 * V);
        c52.intoArray(lanes, at + 17 * V);
    }

    /** {@link #weightTile} with 4 rows and 3 taps. */
    private static void weightTile4x3(int count, int span, float[] xp, int xStride, int off0, int off1, int off2,
                                      float[] dyg, int dyStride, int dyAt, float[] lanes, int at) {
        FloatVector c00 = FloatVector.fromArray(S, lanes, at), c01 = FloatVector.fromArray(S, lanes, at + V);
        FloatVector c02 = FloatVector.fromArray(S, lanes, at + 2 * V);
        FloatVector c10 = FloatVector.fromArray(S, lanes, at + 3 * V), c11 = FloatVector.fromArray(S, lanes, at + 4 * V);
        FloatVector c12 = FloatVector.fromArray(S, lanes, at + 5 * V);
        FloatVector c20 = FloatVector.fromArray(S, lanes, at + 6 * V), c21 = FloatVector.fromArray(S, lanes, at + 7 * V);
        FloatVector c22 = FloatVector.fromArray(S, lanes, at + 8 * V);
        FloatVector c30 = FloatVector.fromArray(S, lanes, at + 9 * V), c31 = FloatVector.fromArray(S, lanes, at + 10 * V);
        FloatVector c32 = FloatVector.fromArray(S, lanes, at + 11 * V);
        for (int j = 0; j < count; j++) {
            int xAt = j * xStride;
            int d = j * dyStride + dyAt;
            for (int i = 0; i < span; i += V) {
                FloatVector b0 = FloatVector.fromArray(S, xp, xAt + off0 + i);
                FloatVector b1 = FloatVector.fromArray(S, xp, xAt + off1 + i);
                FloatVector b2 = FloatVector.fromArray(S, xp, xAt + off2 + i);
                FloatVector a0 = FloatVector.fromArray(S, dyg, d + i);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                c02 = a0.fma(b2, c02);
                FloatVector a1 = FloatVector.fromArray(S, dyg, d + span + i);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                c12 = a1.fma(b2, c12);
                FloatVector a2 = FloatVector.fromArray(S, dyg, d + 2 * span + i);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                c22 = a2.fma(b2, c22);
                FloatVector a3 = FloatVector.fromArray(S, dyg, d + 3 * span + i);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
                c32 = a3.fma(b2, c32);
            }
        }
        c00.intoArray(lanes, at);
        c01.intoArray(lanes, at + V);
        c02.intoArray(lanes, at + 2 * V);
        c10.intoArray(lanes, at + 3 * V);
        c11.intoArray(lanes, at + 4 * V);
        c12.intoArray(lanes, at + 5 * V);
        c20.intoArray(lanes, at + 6 * V);
        c21.intoArray(lanes, at + 7 * V);
        c22.intoArray(lanes, at + 8 * V);
        c30.intoArray(lanes, at + 9 * V);
        c31.intoArray(lanes, at + 10 * V);
        c32.intoArray(lanes, at + 11 * V);
    }

    /** {@link #weightTile} with 2 rows and 3 taps. */
    private static void weightTile2x3(int count, int span, float[] xp, int xStride, int off0, int off1, int off2,
                                      float[] dyg, int dyStride, int dyAt, float[] lanes, int at) {
        FloatVector c00 = FloatVector.fromArray(S, lanes, at), c01 = FloatVector.fromArray(S, lanes, at + V);
        FloatVector c02 = FloatVector.fromArray(S, lanes, at + 2 * V);
        FloatVector c10 = FloatVector.fromArray(S, lanes, at + 3 * V), c11 = FloatVector.fromArray(S, lanes, at + 4 * V);
        FloatVector c12 = FloatVector.fromArray(S, lanes, at + 5 * V);
        for (int j = 0; j < count; j++) {
            int xAt = j * xStride;
            int d = j * dyStride + dyAt;
            for (int i = 0; i < span; i += V) {
                FloatVector b0 = FloatVector.fromArray(S, xp, xAt + off0 + i);
                FloatVector b1 = FloatVector.fromArray(S, xp, xAt + off1 + i);
                FloatVector b2 = FloatVector.fromArray(S, xp, xAt + off2 + i);
                FloatVector a0 = FloatVector.fromArray(S, dyg, d + i);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                c02 = a0.fma(b2, c02);
                FloatVector a1 = FloatVector.fromArray(S, dyg, d + span + i);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                c12 = a1.fma(b2, c12);
            }
        }
        c00.intoArray(lanes, at);
        c01.intoArray(lanes, at + V);
        c02.intoArray(lanes, at + 2 * V);
        c10.intoArray(lanes, at + 3 * V);
        c11.intoArray(lanes, at + 4 * V);
        c12.intoArray(lanes, at + 5 * V);
    }

    /** {@link #weightTile} with 4 rows and 2 taps. */
    private static void weightTile4x2(int count, int span, float[] xp, int xStride, int off0, int off1,
                                      float[] dyg, int dyStride, int dyAt, float[] lanes, int at) {
        FloatVector c00 = FloatVector.fromArray(S, lanes, at), c01 = FloatVector.fromArray(S, lanes, at + V);
        FloatVector c10 = FloatVector.fromArray(S, lanes, at + 2 * V), c11 = FloatVector.fromArray(S, lanes, at + 3 * V);
        FloatVector c20 = FloatVector.fromArray(S, lanes, at + 4 * V), c21 = FloatVector.fromArray(S, lanes, at + 5 * V);
        FloatVector c30 = FloatVector.fromArray(S, lanes, at + 6 * V), c31 = FloatVector.fromArray(S, lanes, at + 7 * V);
        for (int j = 0; j < count; j++) {
            int xAt = j * xStride;
            int d = j * dyStride + dyAt;
            for (int i = 0; i < span; i += V) {
                FloatVector b0 = FloatVector.fromArray(S, xp, xAt + off0 + i);
                FloatVector b1 = FloatVector.fromArray(S, xp, xAt + off1 + i);
                FloatVector a0 = FloatVector.fromArray(S, dyg, d + i);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.fromArray(S, dyg, d + span + i);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                FloatVector a2 = FloatVector.fromArray(S, dyg, d + 2 * span + i);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                FloatVector a3 = FloatVector.fromArray(S, dyg, d + 3 * span + i);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
            }
        }
        c00.intoArray(lanes, at);
        c01.intoArray(lanes, at + V);
        c10.intoArray(lanes, at + 2 * V);
        c11.intoArray(lanes, at + 3 * V);
        c20.intoArray(lanes, at + 4 * V);
        c21.intoArray(lanes, at + 5 * V);
        c30.intoArray(lanes, at + 6 * V);
        c31.intoArray(lanes, at + 7 * V);
    }

    /** {@link #weightTile} with 2 rows and 2 taps. */
    private static void weightTile2x2(int count, int span, float[] xp, int xStride, int off0, int off1,
                                      float[] dyg, int dyStride, int dyAt, float[] lanes, int at) {
        FloatVector c00 = FloatVector.fromArray(S, lanes, at), c01 = FloatVector.fromArray(S, lanes, at + V);
        FloatVector c10 = FloatVector.fromArray(S, lanes, at + 2 * V), c11 = FloatVector.fromArray(S, lanes, at + 3 * V);
        for (int j = 0; j < count; j++) {
            int xAt = j * xStride;
            int d = j * dyStride + dyAt;
            for (int i = 0; i < span; i += V) {
                FloatVector b0 = FloatVector.fromArray(S, xp, xAt + off0 + i);
                FloatVector b1 = FloatVector.fromArray(S, xp, xAt + off1 + i);
                FloatVector a0 = FloatVector.fromArray(S, dyg, d + i);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.fromArray(S, dyg, d + span + i);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
            }
        }
        c00.intoArray(lanes, at);
        c01.intoArray(lanes, at + V);
        c10.intoArray(lanes, at + 2 * V);
        c11.intoArray(lanes, at + 3 * V);
    }
}
