package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;
import dev.backprop.backend.ConvGeometry;

/**
 * 2-D convolution by im2col and GEMM. The batch is split into one share of images per thread,
 * and each share is processed a chunk at a time (as many images as keep the column matrix near
 * 1 MB, so it stays in cache; never more than one batch's columns): for each group and chunk, {@code cols [Cg kH kW, images Ho Wo] = im2col(x)} and {@code Y_g = W_g cols}, then
 * {@code y = Y_g (+ b)} laid out as {@code [N, O, Ho, Wo]}. Gradients: {@code dW_g += dy cols^T}, {@code dcols = W_g^T dy} then
 * col2im adds dcols back into dx, and {@code db} sums dy over examples and positions.
 * Shapes follow PyTorch: x {@code [N, C, H, W]}, weight {@code [O, C/groups, kH, kW]}, bias {@code [O]}.
 */
final class ConvOps {
    private ConvOps() {
    }

    /** Column matrices are kept to about this many floats (1 MB), so that they stay in cache. */
    private static final int COLUMN_BUDGET = 1 << 18;

    /** How many images share one column matrix: as many as fit the budget, at least one. */
    private static int chunk(ConvGeometry g) {
        return Math.max(1, Math.min(g.n(), COLUMN_BUDGET / Math.max(1, g.colRows() * g.positions())));
    }

    static Tensor conv2d(Tensor x, Tensor w, Tensor b, Conv2dSpec s) {
        ConvGeometry g = geometry(x, w, b, s);
        int o = w.size(0);
        int og = o / g.groups();
        Tensor xc = x.contiguous();
        Tensor wc = w.contiguous();
        float[] xd = Creation.readable(xc);
        float[] wd = Creation.readable(wc);
        float[] bd = b == null ? null : Creation.readable(b);
        int p = g.positions();
        int chunk = chunk(g);
        float[] y = new float[g.n() * o * p];
        Backend k = Backends.active();
        // Images are split into one contiguous share per thread; each share is processed a
        // cache-sized chunk at a time with its own column buffers.
        int parts = Math.min(k.parallelism(), g.n());
        k.parallel(parts, part -> {
            float[] cols = new float[g.colRows() * chunk * p];
            float[] yg = new float[og * chunk * p];
            int first = g.n() * part / parts;
            int last = g.n() * (part + 1) / parts;
            for (int gi = 0; gi < g.groups(); gi++) {
                for (int from = first; from < last; from += chunk) {
                    int to = Math.min(last, from + chunk);
                    int np = (to - from) * p;
                    k.im2col(xd, g, gi, from, to, cols);
                    // Y_g [Og, images P] = W_g [Og, K] . cols [K, images P]
                    k.gemm(og, np, g.colRows(), wd, gi * og * g.colRows(), g.colRows(), 1, cols, 0, np, 1, yg, 0, np, false);
                    for (int n = from; n < to; n++) {
                        for (int oc = 0; oc < og; oc++) {
                            int dst = (n * o + gi * og + oc) * p;
                            float bias = bd == null ? 0f : bd[gi * og + oc];
                            int src = oc * np + (n - from) * p;
                            for (int q = 0; q < p; q++) {
                                y[dst + q] = yg[src + q] + bias;
                            }
                        }
                    }
                }
            }
        });
        Tensor out = Tensor.wrap(y, Shape.of(g.n(), o, g.ho(), g.wo()));
        return Graph.op("conv2d", out, x, w, b).saves(xc, wc).backward(dy -> backward(dy, x, w, b, xd, wd, g, o));
    }

    private static Tensor[] backward(Tensor dy, Tensor x, Tensor w, Tensor b, float[] xd, float[] wd, ConvGeometry g,
                                     int o) {
        int og = o / g.groups();
        int p = g.positions();
        int chunk = chunk(g);
        float[] dyd = Creation.readable(dy.contiguous());
        Backend k = Backends.active();
        float[] dx = x.requiresGrad() ? new float[xd.length] : null;
        int parts = Math.min(k.parallelism(), g.n());
        // Each share of images accumulates its own weight gradient; they are summed in share order
        // afterwards, so the result depends on the thread count but not on timing.
        float[][] dwParts = w.requiresGrad() ? new float[parts][wd.length] : null;
        k.parallel(parts, part -> {
            float[] cols = new float[g.colRows() * chunk * p];
            float[] dyg = new float[og * chunk * p];
            int first = g.n() * part / parts;
            int last = g.n() * (part + 1) / parts;
            for (int gi = 0; gi < g.groups(); gi++) {
                int wOff = gi * og * g.colRows();
                for (int from = first; from < last; from += chunk) {
                    int to = Math.min(last, from + chunk);
                    int np = (to - from) * p;
                    for (int n = from; n < to; n++) {
                        for (int oc = 0; oc < og; oc++) {
                            System.arraycopy(dyd, (n * o + gi * og + oc) * p, dyg, oc * np + (n - from) * p, p);
                        }
                    }
                    if (dwParts != null) {
                        k.im2col(xd, g, gi, from, to, cols);
                        // dW_g [Og, K] += dY_g [Og, images P] . cols^T [images P, K]
                        k.gemm(og, g.colRows(), np, dyg, 0, np, 1, cols, 0, 1, np, dwParts[part], wOff, g.colRows(), true);
                    }
                    if (dx != null) {
                        // dcols [K, images P] = W_g^T [K, Og] . dY_g [Og, images P]
                        k.gemm(g.colRows(), np, og, wd, wOff, 1, g.colRows(), dyg, 0, np, 1, cols, 0, np, false);
                        k.col2im(cols, g, gi, from, to, dx);
                    }
                }
            }
        });
        float[] dw = null;
        if (dwParts != null) {
            dw = dwParts[0];
            for (int part = 1; part < parts; part++) {
                for (int i = 0; i < dw.length; i++) {
                    dw[i] += dwParts[part][i];
                }
            }
        }
        Tensor db = null;
        if (b != null && b.requiresGrad()) {
            float[] sums = new float[o];
            for (int n = 0; n < g.n(); n++) {
                for (int oc = 0; oc < o; oc++) {
                    double sum = 0;
                    int off = (n * o + oc) * p;
                    for (int q = 0; q < p; q++) {
                        sum += dyd[off + q];
                    }
                    sums[oc] += (float) sum;
                }
            }
            db = Tensor.wrap(sums, b.shape);
        }
        return grads(dx == null ? null : Tensor.wrap(dx, x.shape), dw == null ? null : Tensor.wrap(dw, w.shape), db);
    }

    private static ConvGeometry geometry(Tensor x, Tensor w, Tensor b, Conv2dSpec s) {
        if (x.rank() != 4) {
            throw new ShapeException("conv2d: input must be [N, C, H, W], got " + x.shape);
        }
        if (w.rank() != 4) {
            throw new ShapeException("conv2d: weight must be [out, in/groups, kH, kW], got " + w.shape);
        }
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int wi = x.size(3);
        int o = w.size(0);
        int groups = s.groups();
        if (c % groups != 0 || o % groups != 0) {
            throw new ShapeException("conv2d: groups " + groups + " must divide the input channels " + c
                    + " and the output channels " + o);
        }
        if (w.size(1) != c / groups) {
            throw new ShapeException("conv2d: input of shape " + x.shape + " has " + c + " channels, but weight "
                    + w.shape + " expects " + w.size(1) * groups + " (in/groups = " + w.size(1) + ", groups " + groups + ")");
        }
        if (b != null && (b.rank() != 1 || b.size(0) != o)) {
            throw new ShapeException("conv2d: bias of shape " + b.shape + " does not fit " + o + " output channels");
        }
        int kh = w.size(2);
        int kw = w.size(3);
        int ho = Conv2dSpec.outSize(h, kh, s.strideH(), s.padH(), s.dilationH());
        int wo = Conv2dSpec.outSize(wi, kw, s.strideW(), s.padW(), s.dilationW());
        if (ho <= 0 || wo <= 0) {
            throw new ShapeException("conv2d: kernel " + kh + "x" + kw + " (dilation " + s.dilationH() + "x" + s.dilationW()
                    + ") is larger than the padded input " + (h + 2 * s.padH()) + "x" + (wi + 2 * s.padW())
                    + " of input shape " + x.shape);
        }
        return new ConvGeometry(n, c, h, wi, kh, kw, ho, wo, s.strideH(), s.strideW(), s.padH(), s.padW(),
                s.dilationH(), s.dilationW(), groups);
    }
}
