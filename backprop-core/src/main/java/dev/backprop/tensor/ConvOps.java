package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;
import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.ConvGeometry;
import dev.backprop.backend.ReduceOp;

/**
 * 2-D convolution as an autograd op: shapes are checked here, the arithmetic runs in the active
 * backend ({@link Backend#conv2d} and its two gradients), and the bias gradient sums dy over
 * examples and positions. Shapes follow PyTorch: x {@code [N, C, H, W]}, weight
 * {@code [O, C/groups, kH, kW]}, bias {@code [O]}.
 */
final class ConvOps {
    private ConvOps() {
    }

    static Tensor conv2d(Tensor x, Tensor w, Tensor b, Conv2dSpec s) {
        ConvGeometry g = geometry(x, w, b, s);
        int o = w.size(0);
        Tensor xc = x.contiguous();
        Tensor wc = w.contiguous();
        float[] xd = Creation.readable(xc);
        float[] wd = Creation.readable(wc);
        float[] bd = b == null ? null : Creation.readable(b.contiguous());
        float[] y = StepMemory.uninitialized(g.n() * o * g.positions());
        Backends.active().conv2d(g, xd, wd, bd, y);
        Tensor out = Tensor.wrap(y, Shape.of(g.n(), o, g.ho(), g.wo()));
        return Graph.op("conv2d", out, x, w, b).saves(xc, wc).backward(dy -> backward(dy, x, w, b, xd, wd, g, o));
    }

    /**
     * {@code conv2d}, 2 x 2 max pooling with stride 2 and, when relu is set, ReLU, as one backend op
     * ({@link Backend#conv2dMaxPool2x2}). The convolution's full output is not kept: with gradients the
     * forward records, in an array half its size, which element of each window holds the maximum, and
     * backward is the three ops' backward in one: ReLU's mask ({@code y > 0}, which holds exactly where the
     * pooled maximum is positive) on the pooled gradient, then {@link Backend#conv2dMaxPool2x2Backward},
     * which routes each window's gradient to its maximum and computes the convolution's gradients, with no
     * full-size gradient in between where the backend fuses them. The output and the input and weight
     * gradients are the three ops', bit for bit; the bias gradient sums the same numbers as conv2d's, the
     * pooled gradient's instead of the full output gradient's, whose other elements are zeros, so in another
     * order.
     */
    static Tensor conv2dMaxPool2x2(Tensor x, Tensor w, Tensor b, Conv2dSpec s, boolean relu) {
        boolean grad = Graph.needsGrad(x, w, b);
        ConvGeometry g = geometry(x, w, b, s);
        if (grad && (g.ho() < 2 || g.wo() < 2)) {
            Tensor pooled = conv2d(x, w, b, s).maxPool2d(2, 2, 0);   // the pooling's own error
            return relu ? pooled.relu() : pooled;
        }
        int o = w.size(0);
        Tensor xc = x.contiguous();
        Tensor wc = w.contiguous();
        float[] xd = Creation.readable(xc);
        float[] wd = Creation.readable(wc);
        float[] bd = b == null ? null : Creation.readable(b.contiguous());
        int pooledPositions = (g.ho() / 2) * (g.wo() / 2);
        float[] y = StepMemory.uninitialized(g.n() * o * pooledPositions);
        Shape pooledShape = Shape.of(g.n(), o, g.ho() / 2, g.wo() / 2);
        if (!grad) {
            Backends.active().conv2dMaxPool2x2(g, xd, wd, bd, relu, y, null);
            return Tensor.wrap(y, pooledShape);
        }
        float[] winners = StepMemory.uninitialized(2 * y.length);
        Backends.active().conv2dMaxPool2x2(g, xd, wd, bd, relu, y, winners);
        Tensor out = Tensor.wrap(y, pooledShape);
        return Graph.op(relu ? "conv2d_max_pool2d_relu" : "conv2d_max_pool2d", out, x, w, b).saves(xc, wc, out)
                .backward(dy -> {
                    Tensor passed = relu ? Elementwise.binary("relu_backward", BinaryOp.PASS_IF_POSITIVE, dy, out) : dy;
                    float[] gd = Creation.readable(passed.contiguous());
                    float[] dx = x.requiresGrad() ? StepMemory.uninitialized(xd.length) : null;
                    float[] dw = w.requiresGrad() ? w.gradientBuffer() : null;
                    Backends.active().conv2dMaxPool2x2Backward(g, xd, wd, winners, gd, dx, dw);
                    Tensor db = b != null && b.requiresGrad() ? biasGradient(gd, g.n(), o, pooledPositions, b) : null;
                    return grads(dx == null ? null : Tensor.wrap(dx, x.shape), dw == null ? null : Tensor.wrap(dw, w.shape),
                            db);
                });
    }

    private static Tensor[] backward(Tensor dy, Tensor x, Tensor w, Tensor b, float[] xd, float[] wd, ConvGeometry g,
                                     int o) {
        float[] dyd = Creation.readable(dy.contiguous());
        Backend k = Backends.active();
        Tensor dx = null;
        if (x.requiresGrad()) {
            float[] d = StepMemory.uninitialized(xd.length);
            k.conv2dBackwardInput(g, dyd, wd, d);
            dx = Tensor.wrap(d, x.shape);
        }
        Tensor dw = null;
        if (w.requiresGrad()) {
            float[] d = w.gradientBuffer();
            k.conv2dBackwardWeight(g, xd, dyd, d);
            dw = Tensor.wrap(d, w.shape);
        }
        Tensor db = b != null && b.requiresGrad() ? biasGradient(dyd, g.n(), o, g.positions(), b) : null;
        return grads(dx, dw, db);
    }

    /** The bias gradient: {@code dy [N, O, positions]} summed over the examples and positions. */
    private static Tensor biasGradient(float[] dy, int n, int o, int positions, Tensor b) {
        // Row sums of dy viewed as [N * O, positions], then summed over the examples.
        float[] rows = StepMemory.zeroed(n * o);
        Backends.active().reduceRows(ReduceOp.SUM, dy, n * o, positions, rows);
        float[] sums = new float[o];
        for (int oc = 0; oc < o; oc++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += rows[i * o + oc];
            }
            sums[oc] = (float) sum;
        }
        return Tensor.wrap(sums, b.shape);
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
