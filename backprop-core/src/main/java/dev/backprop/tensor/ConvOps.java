package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;

/**
 * 2-D convolution by im2col and GEMM, one example at a time so that only one example's columns
 * exist at once. For each example and group: {@code cols [Cg kH kW, Ho Wo] = im2col(x)},
 * {@code y = W_g cols (+ b)}. Gradients: {@code dW_g += dy cols^T}, {@code dcols = W_g^T dy} then
 * col2im adds dcols back into dx, and {@code db} sums dy over examples and positions.
 * Shapes follow PyTorch: x {@code [N, C, H, W]}, weight {@code [O, C/groups, kH, kW]}, bias {@code [O]}.
 */
final class ConvOps {
    private ConvOps() {
    }

    /** The geometry of one call, checked against the inputs. */
    private record Geometry(int n, int c, int h, int w, int o, int kh, int kw, int ho, int wo, int groups, Conv2dSpec s) {
        int cg() {
            return c / groups;
        }

        int og() {
            return o / groups;
        }

        int colRows() {
            return cg() * kh * kw;
        }

        int positions() {
            return ho * wo;
        }
    }

    static Tensor conv2d(Tensor x, Tensor w, Tensor b, Conv2dSpec s) {
        Geometry g = geometry(x, w, b, s);
        Tensor xc = x.contiguous();
        Tensor wc = w.contiguous();
        float[] xd = Creation.readable(xc);
        float[] wd = Creation.readable(wc);
        float[] bd = b == null ? null : Creation.readable(b);
        float[] y = new float[g.n() * g.o() * g.positions()];
        float[] cols = new float[g.colRows() * g.positions()];
        Backend k = Backends.active();
        for (int n = 0; n < g.n(); n++) {
            for (int gi = 0; gi < g.groups(); gi++) {
                im2col(xd, n, gi, g, cols);
                int yOff = (n * g.o() + gi * g.og()) * g.positions();
                if (bd != null) {
                    for (int oc = 0; oc < g.og(); oc++) {
                        java.util.Arrays.fill(y, yOff + oc * g.positions(), yOff + (oc + 1) * g.positions(), bd[gi * g.og() + oc]);
                    }
                }
                k.gemm(g.og(), g.positions(), g.colRows(), wd, gi * g.og() * g.colRows(), g.colRows(), 1,
                        cols, 0, g.positions(), 1, y, yOff, g.positions(), bd != null);
            }
        }
        Tensor out = Tensor.wrap(y, Shape.of(g.n(), g.o(), g.ho(), g.wo()));
        return Graph.op("conv2d", out, x, w, b).saves(xc, wc).backward(dy -> backward(dy, x, w, b, xd, wd, g));
    }

    private static Tensor[] backward(Tensor dy, Tensor x, Tensor w, Tensor b, float[] xd, float[] wd, Geometry g) {
        float[] dyd = Creation.readable(dy.contiguous());
        Backend k = Backends.active();
        float[] dx = x.requiresGrad() ? new float[xd.length] : null;
        float[] dw = w.requiresGrad() ? new float[wd.length] : null;
        float[] cols = new float[g.colRows() * g.positions()];
        for (int n = 0; n < g.n(); n++) {
            for (int gi = 0; gi < g.groups(); gi++) {
                int dyOff = (n * g.o() + gi * g.og()) * g.positions();
                int wOff = gi * g.og() * g.colRows();
                if (dw != null) {
                    im2col(xd, n, gi, g, cols);
                    // dW_g [Og, K] += dy [Og, P] . cols^T [P, K]
                    k.gemm(g.og(), g.colRows(), g.positions(), dyd, dyOff, g.positions(), 1,
                            cols, 0, 1, g.positions(), dw, wOff, g.colRows(), true);
                }
                if (dx != null) {
                    // dcols [K, P] = W_g^T [K, Og] . dy [Og, P]
                    k.gemm(g.colRows(), g.positions(), g.og(), wd, wOff, 1, g.colRows(),
                            dyd, dyOff, g.positions(), 1, cols, 0, g.positions(), false);
                    col2im(cols, n, gi, g, dx);
                }
            }
        }
        Tensor db = null;
        if (b != null && b.requiresGrad()) {
            float[] sums = new float[g.o()];
            for (int n = 0; n < g.n(); n++) {
                for (int oc = 0; oc < g.o(); oc++) {
                    double s = 0;
                    int off = (n * g.o() + oc) * g.positions();
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

    /** Column {@code (ho, wo)} of row {@code (c, i, j)} is the input pixel that kernel tap (i, j) sees there (0 in padding). */
    private static void im2col(float[] x, int n, int gi, Geometry g, float[] cols) {
        Conv2dSpec s = g.s();
        int row = 0;
        for (int c = 0; c < g.cg(); c++) {
            int plane = ((n * g.c()) + gi * g.cg() + c) * g.h() * g.w();
            for (int i = 0; i < g.kh(); i++) {
                for (int j = 0; j < g.kw(); j++, row++) {
                    int dst = row * g.positions();
                    for (int oh = 0; oh < g.ho(); oh++) {
                        int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                        for (int ow = 0; ow < g.wo(); ow++) {
                            int iw = ow * s.strideW() - s.padW() + j * s.dilationW();
                            boolean inside = ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w();
                            cols[dst++] = inside ? x[plane + ih * g.w() + iw] : 0f;
                        }
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: adds each column entry back onto the pixel it came from. */
    private static void col2im(float[] cols, int n, int gi, Geometry g, float[] dx) {
        Conv2dSpec s = g.s();
        int row = 0;
        for (int c = 0; c < g.cg(); c++) {
            int plane = ((n * g.c()) + gi * g.cg() + c) * g.h() * g.w();
            for (int i = 0; i < g.kh(); i++) {
                for (int j = 0; j < g.kw(); j++, row++) {
                    int src = row * g.positions();
                    for (int oh = 0; oh < g.ho(); oh++) {
                        int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                        for (int ow = 0; ow < g.wo(); ow++, src++) {
                            int iw = ow * s.strideW() - s.padW() + j * s.dilationW();
                            if (ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w()) {
                                dx[plane + ih * g.w() + iw] += cols[src];
                            }
                        }
                    }
                }
            }
        }
    }

    private static Geometry geometry(Tensor x, Tensor w, Tensor b, Conv2dSpec s) {
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
        return new Geometry(n, c, h, wi, o, kh, kw, ho, wo, groups, s);
    }
}
