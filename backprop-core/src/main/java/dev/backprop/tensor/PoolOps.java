package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;

/**
 * 2-D pooling over {@code [N, C, H, W]}: max (the gradient goes to the position of each window's
 * maximum, the first one on ties), average (padding counts as zeros in the divisor, PyTorch's
 * {@code count_include_pad=True}) and adaptive average (window i spans
 * {@code [floor(i H / out), ceil((i + 1) H / out))}). Padding never wins a max.
 */
final class PoolOps {
    private PoolOps() {
    }

    /** Window geometry: kernel, stride and padding per axis. */
    private record Window(int kh, int kw, int sh, int sw, int ph, int pw) {
    }

    static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        Window win = window("maxPool2d", x, kernel, stride, padding);
        int n = x.size(0) * x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = Conv2dSpec.outSize(h, win.kh(), win.sh(), win.ph(), 1);
        int wo = Conv2dSpec.outSize(w, win.kw(), win.sw(), win.pw(), 1);
        float[] xd = Creation.readable(x.contiguous());
        float[] y = StepMemory.uninitialized(n * ho * wo);
        boolean pairs = win.kh() == 2 && win.kw() == 2 && win.ph() == 0 && win.pw() == 0;
        Backend k = Backends.active();
        int parts = Math.min(k.parallelism(), n);
        if (pairs && win.sh() == 2 && win.sw() == 2) {
            // LeNet's and VGG's pooling: the backend's kernel, in training too. Windows do not overlap,
            // so backward finds each window's maximum again instead of recording where it was.
            k.maxPool2x2(xd, n, h, w, y);
            Tensor out = Tensor.wrap(y, Shape.of(x.size(0), x.size(1), ho, wo));
            return Graph.op("max_pool2d", out, x).saves(x, out).backward(g -> {
                float[] gd = Creation.readable(g.contiguous());
                float[] dx = StepMemory.uninitialized(xd.length);
                k.maxPool2x2Backward(xd, y, gd, n, h, w, dx);
                return grads(Tensor.wrap(dx, x.shape));
            });
        }
        int[] argmax = new int[y.length];
        k.parallel(parts, part -> {
            for (int plane = n * part / parts; plane < n * (part + 1) / parts; plane++) {
                if (pairs) {
                    maxPlane2x2(xd, plane, h, w, ho, wo, win.sh(), win.sw(), y, argmax);
                } else {
                    maxPlane(xd, plane, h, w, ho, wo, win, y, argmax);
                }
            }
        });
        Tensor out = Tensor.wrap(y, Shape.of(x.size(0), x.size(1), ho, wo));
        return Graph.op("max_pool2d", out, x).backward(g -> {
            float[] gd = Creation.readable(g.contiguous());
            float[] dx = StepMemory.zeroed(xd.length);
            // Planes are split as in the forward; every argmax of a plane lies in that plane.
            k.parallel(parts, part -> {
                for (int o = n * part / parts * ho * wo, end = n * (part + 1) / parts * ho * wo; o < end; o++) {
                    dx[argmax[o]] += gd[o];
                }
            });
            return grads(Tensor.wrap(dx, x.shape));
        });
    }

    /**
     * {@link #maxPlane} for the common 2x2 window without padding, unrolled and branch-free: about
     * six times faster than the general loop, whose short inner loops and NaN-aware comparisons
     * (branches that random activations mispredict) cost more than the maxima themselves. Windows
     * of stride 2 take the backend's kernel instead (see {@link #maxPool2d}).
     */
    private static void maxPlane2x2(float[] xd, int plane, int h, int w, int ho, int wo, int sh, int sw,
                                    float[] y, int[] argmax) {
        int planeBase = plane * h * w;
        for (int oh = 0; oh < ho; oh++) {
            int row = planeBase + oh * sh * w;
            int o = (plane * ho + oh) * wo;
            for (int ow = 0; ow < wo; ow++, o++) {
                int i0 = row + ow * sw;
                int i2 = i0 + w;
                float v0 = xd[i0];
                float v1 = xd[i0 + 1];
                float v2 = xd[i2];
                float v3 = xd[i2 + 1];
                float t = Math.max(v0, v1);
                float b = Math.max(v2, v3);
                float best = Math.max(t, b);
                y[o] = best;
                // Plain comparisons compile to conditional moves; ties keep the earlier element.
                int top = v1 > v0 ? i0 + 1 : i0;
                int bottom = v3 > v2 ? i2 + 1 : i2;
                int where = b > t ? bottom : top;
                if (best != best) {
                    // A NaN wins (Math.max propagates it); the gradient goes to the first NaN in the window.
                    where = v0 != v0 ? i0 : v1 != v1 ? i0 + 1 : v2 != v2 ? i2 : i2 + 1;
                }
                argmax[o] = where;
            }
        }
    }

    /** Whether a later window element {@code v} replaces the running maximum {@code best}: larger or NaN, unless best is NaN. */
    private static boolean later(float best, float v) {
        return !(v <= best) & best == best;
    }

    /** Max pooling of one {@code h x w} plane into {@code ho x wo}, recording where each maximum came from. */
    private static void maxPlane(float[] xd, int plane, int h, int w, int ho, int wo, Window win, float[] y, int[] argmax) {
        int planeBase = plane * h * w;
        for (int oh = 0; oh < ho; oh++) {
            int r0 = Math.max(0, oh * win.sh() - win.ph());
            int r1 = Math.min(h, oh * win.sh() - win.ph() + win.kh());
            int o = (plane * ho + oh) * wo;
            for (int ow = 0; ow < wo; ow++, o++) {
                int c0 = Math.max(0, ow * win.sw() - win.pw());
                int c1 = Math.min(w, ow * win.sw() - win.pw() + win.kw());
                int where = planeBase + r0 * w + c0;
                float best = xd[where];
                for (int at = where; at < planeBase + r1 * w; at += w) {
                    for (int col = at, end = at + c1 - c0; col < end; col++) {
                        float v = xd[col];
                        boolean take = later(best, v);
                        where = take ? col : where;
                        best = take ? v : best;
                    }
                }
                y[o] = best;
                argmax[o] = where;
            }
        }
    }

    static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        Window win = window("avgPool2d", x, kernel, stride, padding);
        int h = x.size(2);
        int w = x.size(3);
        int ho = Conv2dSpec.outSize(h, win.kh(), win.sh(), win.ph(), 1);
        int wo = Conv2dSpec.outSize(w, win.kw(), win.sw(), win.pw(), 1);
        int[][] rows = new int[ho][];
        int[][] colsIdx = new int[wo][];
        for (int oh = 0; oh < ho; oh++) {
            rows[oh] = new int[] {oh * win.sh() - win.ph(), oh * win.sh() - win.ph() + win.kh()};
        }
        for (int ow = 0; ow < wo; ow++) {
            colsIdx[ow] = new int[] {ow * win.sw() - win.pw(), ow * win.sw() - win.pw() + win.kw()};
        }
        return windows("avg_pool2d", x, rows, colsIdx, win.kh() * win.kw());
    }

    static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        if (x.rank() != 4) {
            throw new ShapeException("adaptiveAvgPool2d: input must be [N, C, H, W], got " + x.shape);
        }
        if (outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException("adaptiveAvgPool2d: output size must be positive, got " + outH + "x" + outW);
        }
        int h = x.size(2);
        int w = x.size(3);
        int[][] rows = new int[outH][];
        int[][] cols = new int[outW][];
        for (int i = 0; i < outH; i++) {
            rows[i] = new int[] {Math.floorDiv(i * h, outH), -Math.floorDiv(-(i + 1) * h, outH)};
        }
        for (int j = 0; j < outW; j++) {
            cols[j] = new int[] {Math.floorDiv(j * w, outW), -Math.floorDiv(-(j + 1) * w, outW)};
        }
        return windows("adaptive_avg_pool2d", x, rows, cols, 0);
    }

    /**
     * Averages over windows {@code rows[i] x cols[j]} (end exclusive, possibly reaching into padding).
     * The divisor is {@code fixedCount}, or the window's in-bounds size when that is 0.
     */
    private static Tensor windows(String name, Tensor x, int[][] rows, int[][] cols, int fixedCount) {
        int n = x.size(0) * x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        int ho = rows.length;
        int wo = cols.length;
        float[] xd = Creation.readable(x.contiguous());
        float[] y = StepMemory.uninitialized(n * ho * wo);
        for (int plane = 0; plane < n; plane++) {
            for (int oh = 0; oh < ho; oh++) {
                for (int ow = 0; ow < wo; ow++) {
                    double s = 0;
                    int count = 0;
                    for (int ih = Math.max(0, rows[oh][0]); ih < Math.min(h, rows[oh][1]); ih++) {
                        for (int iw = Math.max(0, cols[ow][0]); iw < Math.min(w, cols[ow][1]); iw++) {
                            s += xd[plane * h * w + ih * w + iw];
                            count++;
                        }
                    }
                    y[(plane * ho + oh) * wo + ow] = (float) (s / (fixedCount > 0 ? fixedCount : count));
                }
            }
        }
        Tensor out = Tensor.wrap(y, Shape.of(x.size(0), x.size(1), ho, wo));
        return Graph.op(name, out, x).backward(g -> {
            float[] gd = Creation.readable(g.contiguous());
            float[] dx = StepMemory.zeroed(xd.length);
            for (int plane = 0; plane < n; plane++) {
                for (int oh = 0; oh < ho; oh++) {
                    for (int ow = 0; ow < wo; ow++) {
                        int r0 = Math.max(0, rows[oh][0]);
                        int r1 = Math.min(h, rows[oh][1]);
                        int c0 = Math.max(0, cols[ow][0]);
                        int c1 = Math.min(w, cols[ow][1]);
                        int count = fixedCount > 0 ? fixedCount : (r1 - r0) * (c1 - c0);
                        float share = gd[(plane * ho + oh) * wo + ow] / count;
                        for (int ih = r0; ih < r1; ih++) {
                            for (int iw = c0; iw < c1; iw++) {
                                dx[plane * h * w + ih * w + iw] += share;
                            }
                        }
                    }
                }
            }
            return grads(Tensor.wrap(dx, x.shape));
        });
    }

    private static Window window(String op, Tensor x, int kernel, int stride, int padding) {
        if (x.rank() != 4) {
            throw new ShapeException(op + ": input must be [N, C, H, W], got " + x.shape);
        }
        if (kernel <= 0 || stride <= 0 || padding < 0 || padding > kernel / 2) {
            throw new IllegalArgumentException(op + ": kernel and stride must be positive and padding at most half the"
                    + " kernel, got kernel " + kernel + ", stride " + stride + ", padding " + padding);
        }
        if (x.size(2) + 2 * padding < kernel || x.size(3) + 2 * padding < kernel) {
            throw new ShapeException(op + ": kernel " + kernel + " is larger than the padded input of shape " + x.shape
                    + " (padding " + padding + ")");
        }
        return new Window(kernel, kernel, stride, stride, padding, padding);
    }
}
