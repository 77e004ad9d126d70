package dev.backprop.backend;

/**
 * 2-D convolution by im2col and GEMM, for any stride, padding, dilation and groups: the reference
 * backend's convolution and the fast backend's fallback for the shapes its direct kernel does not
 * take. The batch is split into one share of images per part of {@link Backend#parallel}, and
 * each share is processed a chunk at a time (as many images as keep the column matrix near 1 MB,
 * so it stays in cache; never more than one batch's columns):
 * <pre>
 *   forward         cols [Cg kH kW, images Ho Wo] = im2col(x);  Y_g = W_g cols  (+ bias)
 *   weight grad     dW_g += dY_g cols^T
 *   input grad      dcols = W_g^T dY_g;  dx += col2im(dcols)
 * </pre>
 * Arrays are contiguous: x {@code [N, C, H, W]}, w {@code [O, C/groups, kH, kW]}, y {@code [N, O, Ho, Wo]}.
 */
public final class Im2colConvolution {
    private Im2colConvolution() {
    }

    /** Column matrices are kept to about this many floats (1 MB), so that they stay in cache. */
    private static final int COLUMN_BUDGET = 1 << 18;

    /** How many images share one column matrix: as many as fit the budget, at least one. */
    private static int chunk(ConvGeometry g) {
        return Math.max(1, Math.min(g.n(), COLUMN_BUDGET / Math.max(1, g.colRows() * g.positions())));
    }

    /** One chunk of work: group {@code gi}, images {@code [from, to)}, with the part's two scratch buffers. */
    private interface Chunk {
        void run(int part, int gi, int from, int to, float[] cols, float[] outputs);
    }

    /**
     * Splits the batch into one share of images per part, and each share into cache-sized chunks
     * per group; every part gets its own column buffer and a buffer of {@code [Og, images P]}.
     * Returns the number of parts.
     */
    private static int forEachChunk(Backend k, ConvGeometry g, int og, Chunk work) {
        int chunk = chunk(g);
        int p = g.positions();
        int parts = Math.min(k.parallelism(), g.n());
        k.parallel(parts, part -> {
            float[] cols = new float[g.colRows() * chunk * p];
            float[] outputs = new float[og * chunk * p];
            int first = g.n() * part / parts;
            int last = g.n() * (part + 1) / parts;
            for (int gi = 0; gi < g.groups(); gi++) {
                for (int from = first; from < last; from += chunk) {
                    work.run(part, gi, from, Math.min(last, from + chunk), cols, outputs);
                }
            }
        });
        return parts;
    }

    /** {@code y = conv(x, w) + bias} ({@code bias} may be null); overwrites {@code y}. */
    public static void forward(Backend k, ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        int o = w.length / g.colRows();
        int og = o / g.groups();
        int p = g.positions();
        forEachChunk(k, g, og, (part, gi, from, to, cols, yg) -> {
            int np = (to - from) * p;
            im2col(x, g, gi, from, to, cols);
            // Y_g [Og, images P] = W_g [Og, K] . cols [K, images P]
            k.gemm(og, np, g.colRows(), w, gi * og * g.colRows(), g.colRows(), 1, cols, 0, np, 1, yg, 0, np, false);
            for (int n = from; n < to; n++) {
                for (int oc = 0; oc < og; oc++) {
                    int dst = (n * o + gi * og + oc) * p;
                    float b = bias == null ? 0f : bias[gi * og + oc];
                    int src = oc * np + (n - from) * p;
                    for (int q = 0; q < p; q++) {
                        y[dst + q] = yg[src + q] + b;
                    }
                }
            }
        });
    }

    /** {@code dw = dL/dw} for output gradient {@code dy}; overwrites {@code dw}. */
    public static void backwardWeight(Backend k, ConvGeometry g, float[] x, float[] dy, float[] dw) {
        int o = dw.length / g.colRows();
        int og = o / g.groups();
        int p = g.positions();
        // Each share of images accumulates its own weight gradient; they are summed in share order
        // afterwards, so the result depends on the thread count but not on timing.
        float[][] partial = new float[Math.min(k.parallelism(), g.n())][dw.length];
        int parts = forEachChunk(k, g, og, (part, gi, from, to, cols, dyg) -> {
            int np = (to - from) * p;
            gatherGroup(dy, g, o, gi, from, to, dyg);
            im2col(x, g, gi, from, to, cols);
            // dW_g [Og, K] += dY_g [Og, images P] . cols^T [images P, K]
            k.gemm(og, g.colRows(), np, dyg, 0, np, 1, cols, 0, 1, np, partial[part], gi * og * g.colRows(), g.colRows(), true);
        });
        System.arraycopy(partial[0], 0, dw, 0, dw.length);
        for (int part = 1; part < parts; part++) {
            for (int i = 0; i < dw.length; i++) {
                dw[i] += partial[part][i];
            }
        }
    }

    /** {@code dx = dL/dx} for output gradient {@code dy}; overwrites {@code dx}. */
    public static void backwardInput(Backend k, ConvGeometry g, float[] dy, float[] w, float[] dx) {
        int o = w.length / g.colRows();
        int og = o / g.groups();
        int p = g.positions();
        java.util.Arrays.fill(dx, 0f);
        forEachChunk(k, g, og, (part, gi, from, to, cols, dyg) -> {
            int np = (to - from) * p;
            gatherGroup(dy, g, o, gi, from, to, dyg);
            // dcols [K, images P] = W_g^T [K, Og] . dY_g [Og, images P]
            k.gemm(g.colRows(), np, og, w, gi * og * g.colRows(), 1, g.colRows(), dyg, 0, np, 1, cols, 0, np, false);
            col2im(cols, g, gi, from, to, dx);
        });
    }

    /** Copies group {@code gi}'s channels of images {@code [from, to)} of dy into {@code [Og, images P]}. */
    private static void gatherGroup(float[] dy, ConvGeometry g, int o, int gi, int from, int to, float[] dyg) {
        int og = o / g.groups();
        int p = g.positions();
        int np = (to - from) * p;
        for (int n = from; n < to; n++) {
            for (int oc = 0; oc < og; oc++) {
                System.arraycopy(dy, (n * o + gi * og + oc) * p, dyg, oc * np + (n - from) * p, p);
            }
        }
    }

    /**
     * Fills the column matrix {@code cols [colRows, (to - from) * positions]} of group {@code group}
     * for images {@code [from, to)} of {@code x [n, c, h, w]}: column {@code (i - from) * positions + (oh, ow)}
     * of row {@code (ch, ki, kj)} holds the pixel that tap (ki, kj) sees at output (oh, ow) of image
     * i, or 0 in the padding. Each output row is one run of input pixels (a copy when the stride is
     * 1) between two runs of padding zeros.
     */
    static void im2col(float[] x, ConvGeometry g, int group, int from, int to, float[] cols) {
        int np = (to - from) * g.positions();
        for (int image = from; image < to; image++) {
            int row = 0;
            for (int ch = 0; ch < g.groupChannels(); ch++) {
                int plane = (image * g.c() + group * g.groupChannels() + ch) * g.h() * g.w();
                for (int ki = 0; ki < g.kh(); ki++) {
                    for (int kj = 0; kj < g.kw(); kj++, row++) {
                        int base = row * np + (image - from) * g.positions();
                        int shift = kj * g.dilationW() - g.padW();
                        int lo = g.validFrom(shift);
                        int hi = g.validTo(shift);
                        for (int oh = 0; oh < g.ho(); oh++) {
                            int dst = base + oh * g.wo();
                            int ih = oh * g.strideH() - g.padH() + ki * g.dilationH();
                            if (ih < 0 || ih >= g.h() || lo >= hi) {
                                java.util.Arrays.fill(cols, dst, dst + g.wo(), 0f);
                                continue;
                            }
                            for (int ow = 0; ow < lo; ow++) {
                                cols[dst + ow] = 0f;
                            }
                            int src = plane + ih * g.w() + lo * g.strideW() + shift;
                            for (int ow = lo; ow < hi; ow++, src += g.strideW()) {
                                cols[dst + ow] = x[src];
                            }
                            for (int ow = hi; ow < g.wo(); ow++) {
                                cols[dst + ow] = 0f;
                            }
                        }
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: adds every column entry onto the pixel of {@code dx} it came from. */
    static void col2im(float[] cols, ConvGeometry g, int group, int from, int to, float[] dx) {
        int np = (to - from) * g.positions();
        for (int image = from; image < to; image++) {
            int row = 0;
            for (int ch = 0; ch < g.groupChannels(); ch++) {
                int plane = (image * g.c() + group * g.groupChannels() + ch) * g.h() * g.w();
                for (int ki = 0; ki < g.kh(); ki++) {
                    for (int kj = 0; kj < g.kw(); kj++, row++) {
                        int base = row * np + (image - from) * g.positions();
                        int shift = kj * g.dilationW() - g.padW();
                        int lo = g.validFrom(shift);
                        int hi = g.validTo(shift);
                        for (int oh = 0; oh < g.ho(); oh++) {
                            int ih = oh * g.strideH() - g.padH() + ki * g.dilationH();
                            if (ih < 0 || ih >= g.h()) {
                                continue;
                            }
                            int src = base + oh * g.wo();
                            int dst = plane + ih * g.w() + lo * g.strideW() + shift;
                            for (int ow = lo; ow < hi; ow++, dst += g.strideW()) {
                                dx[dst] += cols[src + ow];
                            }
                        }
                    }
                }
            }
        }
    }
}
