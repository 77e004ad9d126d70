package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;
import dev.backprop.backend.ConvGeometry;

/**
 * 2-D convolution by im2col and GEMM over the whole batch (one batch's columns exist at a time):
 * for each group, {@code cols [Cg kH kW, N Ho Wo] = im2col(x)} and {@code Y_g = W_g cols}, one product
 * with the batch in its wide dimension, then {@code y = Y_g (+ b)} laid out as {@code [N, O, Ho, Wo]}. Gradients: {@code dW_g += dy cols^T}, {@code dcols = W_g^T dy} then
 * col2im adds dcols back into dx, and {@code db} sums dy over examples and positions.
 * Shapes follow PyTorch: x {@code [N, C, H, W]}, weight {@code [O, C/groups, kH, kW]}, bias {@code [O]}.
 */
final class ConvOps {
    private ConvOps() {
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
        int np = g.n() * g.positions();
        float[] y = new float[g.n() * o * g.positions()];
        float[] cols = new float[g.colRows() * np];
        float[] yg = new float[og * np];
        Backend k = Backends.active();
        for (int gi = 0; gi < g.groups(); gi++) {
            k.im2col(xd, g, gi, cols);
            // Y_g [Og, N P] = W_g [Og, K] . cols [K, N P]: one product for the whole batch.
            k.gemm(og, np, g.colRows(), wd, gi * og * g.colRows(), g.colRows(), 1,
                    cols, 0, np, 1, yg, 0, np, false);
            for (int n = 0; n < g.n(); n++) {
                for (int oc = 0; oc < og; oc++) {
                    int dst = (n * o + gi * og + oc) * g.positions();
                    float bias = bd == null ? 0f : bd[gi * og + oc];
                    int src = oc * np + n * g.positions();
                    for (int p = 0; p < g.positions(); p++) {
                        y[dst + p] = yg[src + p] + bias;
                    }
                }
            }
        }
        Tensor out = Tensor.wrap(y, Shape.of(g.n(), o, g.ho(), g.wo()));
        return Graph.op("conv2d", out, x, w, b).saves(xc, wc).backward(dy -> backward(dy, x, w, b, xd, wd, g, o));
    }

    private static Tensor[] backward(Tensor dy, Tensor x, Tensor w, Tensor b, float[] xd, float[] wd, ConvGeometry g,
                                     int o) {
        int og = o / g.groups();
        float[] dyd = Creation.readable(dy.contiguous());
        Backend k = Backends.active();
        int np = g.n() * g.positions();
        float[] dx = x.requiresGrad() ? new float[xd.length] : null;
        float[] dw = w.requiresGrad() ? new float[wd.length] : null;
        float[] cols = new float[g.colRows() * np];
        float[] dyg = new float[og * np];
        for (int gi = 0; gi < g.groups(); gi++) {
            for (int n = 0; n < g.n(); n++) {
                for (int oc = 0; oc < og; oc++) {
                    System.arraycopy(dyd, (n * o + gi * og + oc) * g.positions(), dyg, oc * np + n * g.positions(),
                            g.positions());
                }
            }
            int wOff = gi * og * g.colRows();
            if (dw != null) {
                k.im2col(xd, g, gi, cols);
                // dW_g [Og, K] = dY_g [Og, N P] . cols^T [N P, K]
                k.gemm(og, g.colRows(), np, dyg, 0, np, 1, cols, 0, 1, np, dw, wOff, g.colRows(), false);
            }
            if (dx != null) {
                // dcols [K, N P] = W_g^T [K, Og] . dY_g [Og, N P]
                k.gemm(g.colRows(), np, og, wd, wOff, 1, g.colRows(), dyg, 0, np, 1, cols, 0, np, false);
                k.col2im(cols, g, gi, dx);
            }
        }
        Tensor db = null;
        if (b != null && b.requiresGrad()) {
            float[] sums = new float[o];
            for (int n = 0; n < g.n(); n++) {
                for (int oc = 0; oc < o; oc++) {
                    double s = 0;
                    int off = (n * o + oc) * g.positions();
                    for (int p = 0; p < g.positions(); p++) {
                        s += dyd[off + p];
                    }
                    sums[oc] += (float) s;
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
