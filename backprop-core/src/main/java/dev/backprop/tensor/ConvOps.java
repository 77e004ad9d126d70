package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;

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
        int np = g.n() * g.positions();
        float[] y = new float[g.n() * g.o() * g.positions()];
        float[] cols = new float[g.colRows() * np];
        float[] yg = new float[g.og() * np];
        Backend k = Backends.active();
        for (int gi = 0; gi < g.groups(); gi++) {
            im2col(xd, gi, g, cols);
            // Y_g [Og, N P] = W_g [Og, K] . cols [K, N P]: one product for the whole batch.
            k.gemm(g.og(), np, g.colRows(), wd, gi * g.og() * g.colRows(), g.colRows(), 1,
                    cols, 0, np, 1, yg, 0, np, false);
            for (int n = 0; n < g.n(); n++) {
                for (int oc = 0; oc < g.og(); oc++) {
                    int dst = (n * g.o() + gi * g.og() + oc) * g.positions();
                    float bias = bd == null ? 0f : bd[gi * g.og() + oc];
                    int src = oc * np + n * g.positions();
                    for (int p = 0; p < g.positions(); p++) {
                        y[dst + p] = yg[src + p] + bias;
                    }
                }
            }
        }
        Tensor out = Tensor.wrap(y, Shape.of(g.n(), g.o(), g.ho(), g.wo()));
        return Graph.op("conv2d", out, x, w, b).saves(xc, wc).backward(dy -> backward(dy, x, w, b, xd, wd, g));
    }

    private static Tensor[] backward(Tensor dy, Tensor x, Tensor w, Tensor b, float[] xd, float[] wd, Geometry g) {
        float[] dyd = Creation.readable(dy.contiguous());
        Backend k = Backends.active();
        int np = g.n() * g.positions();
        float[] dx = x.requiresGrad() ? new float[xd.length] : null;
        float[] dw = w.requiresGrad() ? new float[wd.length] : null;
        float[] cols = new float[g.colRows() * np];
        float[] dyg = new float[g.og() * np];
        for (int gi = 0; gi < g.groups(); gi++) {
            for (int n = 0; n < g.n(); n++) {
                for (int oc = 0; oc < g.og(); oc++) {
                    System.arraycopy(dyd, (n * g.o() + gi * g.og() + oc) * g.positions(), dyg, oc * np + n * g.positions(),
                            g.positions());
                }
            }
            int wOff = gi * g.og() * g.colRows();
            if (dw != null) {
                im2col(xd, gi, g, cols);
                // dW_g [Og, K] = dY_g [Og, N P] . cols^T [N P, K]
                k.gemm(g.og(), g.colRows(), np, dyg, 0, np, 1, cols, 0, 1, np, dw, wOff, g.colRows(), false);
            }
            if (dx != null) {
                // dcols [K, N P] = W_g^T [K, Og] . dY_g [Og, N P]
                k.gemm(g.colRows(), np, g.og(), wd, wOff, 1, g.colRows(), dyg, 0, np, 1, cols, 0, np, false);
                col2im(cols, gi, g, dx);
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

    /**
     * Column {@code n P + (ho, wo)} of row {@code (c, i, j)} is the pixel of example n that kernel
     * tap (i, j) sees at output position (ho, wo), or 0 in the padding. Each output row is one
     * run of input pixels (a copy when the stride is 1) between two runs of padding zeros.
     */
    private static void im2col(float[] x, int gi, Geometry g, float[] cols) {
        Conv2dSpec s = g.s();
        int h = g.h();
        int w = g.w();
        int ho = g.ho();
        int wo = g.wo();
        int positions = g.positions();
        int np = g.n() * positions;
        for (int n = 0; n < g.n(); n++) {
            int row = 0;
            for (int c = 0; c < g.cg(); c++) {
                int plane = ((n * g.c()) + gi * g.cg() + c) * h * w;
                for (int i = 0; i < g.kh(); i++) {
                    for (int j = 0; j < g.kw(); j++, row++) {
                        int base = row * np + n * positions;
                        int shift = j * s.dilationW() - s.padW();
                        int lo = validFrom(shift, s.strideW(), wo);
                        int hi = validTo(shift, s.strideW(), w, wo);
                        for (int oh = 0; oh < ho; oh++) {
                            int dst = base + oh * wo;
                            int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                            if (ih < 0 || ih >= h || lo >= hi) {
                                java.util.Arrays.fill(cols, dst, dst + wo, 0f);
                                continue;
                            }
                            java.util.Arrays.fill(cols, dst, dst + lo, 0f);
                            int src = plane + ih * w + lo * s.strideW() + shift;
                            if (s.strideW() == 1) {
                                System.arraycopy(x, src, cols, dst + lo, hi - lo);
                            } else {
                                for (int ow = lo; ow < hi; ow++, src += s.strideW()) {
                                    cols[dst + ow] = x[src];
                                }
                            }
                            java.util.Arrays.fill(cols, dst + hi, dst + wo, 0f);
                        }
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: adds each column entry back onto the pixel it came from. */
    private static void col2im(float[] cols, int gi, Geometry g, float[] dx) {
        Conv2dSpec s = g.s();
        int h = g.h();
        int w = g.w();
        int ho = g.ho();
        int wo = g.wo();
        int positions = g.positions();
        int np = g.n() * positions;
        for (int n = 0; n < g.n(); n++) {
            int row = 0;
            for (int c = 0; c < g.cg(); c++) {
                int plane = ((n * g.c()) + gi * g.cg() + c) * h * w;
                for (int i = 0; i < g.kh(); i++) {
                    for (int j = 0; j < g.kw(); j++, row++) {
                        int base = row * np + n * positions;
                        int shift = j * s.dilationW() - s.padW();
                        int lo = validFrom(shift, s.strideW(), wo);
                        int hi = validTo(shift, s.strideW(), w, wo);
                        for (int oh = 0; oh < ho; oh++) {
                            int ih = oh * s.strideH() - s.padH() + i * s.dilationH();
                            if (ih < 0 || ih >= h) {
                                continue;
                            }
                            int src = base + oh * wo;
                            int dst = plane + ih * w + lo * s.strideW() + shift;
                            for (int ow = lo; ow < hi; ow++, dst += s.strideW()) {
                                dx[dst] += cols[src + ow];
                            }
                        }
                    }
                }
            }
        }
    }

    /** First output column whose input column {@code ow * stride + shift} is at least 0. */
    private static int validFrom(int shift, int stride, int wo) {
        return shift >= 0 ? 0 : Math.min(wo, (-shift + stride - 1) / stride);
    }

    /** One past the last output column whose input column is below {@code w}. */
    private static int validTo(int shift, int stride, int w, int wo) {
        int last = w - 1 - shift;
        return last < 0 ? 0 : Math.min(wo, last / stride + 1);
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
