package dev.backprop.onnx.load;

import static dev.backprop.onnx.load.Inputs.axis;
import static dev.backprop.onnx.load.Inputs.floats;
import static dev.backprop.onnx.load.Inputs.one;

import dev.backprop.tensor.Conv2dSpec;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ops of network layers: matrix products ({@code MatMul}, {@code Gemm}), 2-D convolution and
 * pooling, normalisations, softmax, and the reductions. Each is one or a few of the autograd's
 * fused ops, so the imported graph trains as fast as a built one.
 */
final class LayerOps {
    private LayerOps() {
    }

    static void register(Map<String, Op.Definition> ops) {
        put(ops, "MatMul", Set.of(), 2, 2, (n, in) -> one(floats(in, 0).matmul(floats(in, 1))));
        put(ops, "Gemm", Set.of("alpha", "beta", "transA", "transB"), 2, 3, LayerOps::gemm);
        ops.put("Conv", new Op.Definition("Conv", Set.of("auto_pad", "dilations", "group", "kernel_shape", "pads",
                "strides"), 2, 3, LayerOps::checkConv, LayerOps::conv));
        ops.put("MaxPool", new Op.Definition("MaxPool", Set.of("auto_pad", "ceil_mode", "dilations", "kernel_shape",
                "pads", "storage_order", "strides"), 1, 1, n -> checkPool(n, true), (n, in) -> one(pool(n, floats(in, 0), true))));
        ops.put("AveragePool", new Op.Definition("AveragePool", Set.of("auto_pad", "ceil_mode", "count_include_pad",
                "dilations", "kernel_shape", "pads", "strides"), 1, 1, n -> checkPool(n, false),
                (n, in) -> one(pool(n, floats(in, 0), false))));
        put(ops, "GlobalAveragePool", Set.of(), 1, 1, (n, in) -> {
            Tensor x = floats(in, 0);
            int[] spatial = new int[x.rank() - 2];
            Arrays.setAll(spatial, i -> i + 2);
            return one(x.mean(spatial, true));
        });
        ops.put("BatchNormalization", new Op.Definition("BatchNormalization", Set.of("epsilon", "momentum",
                "training_mode", "spatial"), 5, 5, LayerOps::checkBatchNorm, LayerOps::batchNorm));
        ops.put("LayerNormalization", new Op.Definition("LayerNormalization", Set.of("axis", "epsilon", "stash_type"),
                2, 3, LayerOps::checkLayerNorm, LayerOps::layerNorm));
        put(ops, "Softmax", Set.of("axis"), 1, 1, (n, in) -> one(softmax(n, floats(in, 0), false)));
        put(ops, "LogSoftmax", Set.of("axis"), 1, 1, (n, in) -> one(softmax(n, floats(in, 0), true)));
        put(ops, "ReduceMean", Set.of("axes", "keepdims", "noop_with_empty_axes"), 1, 2,
                (n, in) -> one(reduce(n, in, 18, (x, d, k) -> x.mean(d, k))));
        put(ops, "ReduceSum", Set.of("axes", "keepdims", "noop_with_empty_axes"), 1, 2,
                (n, in) -> one(reduce(n, in, 13, (x, d, k) -> x.sum(d, k))));
        put(ops, "ReduceMax", Set.of("axes", "keepdims", "noop_with_empty_axes"), 1, 2,
                (n, in) -> one(reduce(n, in, 18, (x, d, k) -> x.amax(d, k))));
    }

    private static void put(Map<String, Op.Definition> ops, String type, Set<String> attributes, int min, int max, Op op) {
        ops.put(type, new Op.Definition(type, attributes, min, max, op));
    }

    /** {@code alpha * A' B' + beta * C}; the dense layer's form ({@code A B^T + c}) runs as one linear op. */
    private static List<Value> gemm(Node n, List<Value> in) {
        Attributes a = n.attributes();
        float alpha = a.getFloat("alpha", 1f);
        float beta = a.getFloat("beta", 1f);
        boolean transA = a.getInt("transA", 0) != 0;
        boolean transB = a.getInt("transB", 0) != 0;
        Tensor x = floats(in, 0);
        Tensor w = floats(in, 1);
        Tensor c = n.hasInput(2) ? floats(in, 2) : null;
        if (x.rank() != 2 || w.rank() != 2) {
            throw new IllegalArgumentException("A and B must be matrices, got " + x.shape() + " and " + w.shape());
        }
        if (alpha == 1f && beta == 1f && !transA && transB && (c == null || c.rank() == 1 && c.size(0) == w.size(0))) {
            return one(x.linear(w, c));
        }
        Tensor y = (transA ? x.t() : x).matmul(transB ? w.t() : w);
        if (alpha != 1f) {
            y = y.mul(alpha);
        }
        if (c != null) {
            y = y.add(beta == 1f ? c : c.mul(beta));
        }
        return one(y);
    }

    private static int[] ints(Attributes a, String name, int count, int fallback) {
        long[] v = a.getInts(name);
        int[] out = new int[count];
        Arrays.fill(out, fallback);
        if (v != null) {
            if (v.length != count) {
                throw new IllegalArgumentException(name + " has " + v.length + " values, expected " + count);
            }
            for (int i = 0; i < count; i++) {
                out[i] = Math.toIntExact(v[i]);
            }
        }
        return out;
    }

    private static void requireNoAutoPad(Attributes a) {
        String autoPad = a.getString("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
            throw new IllegalArgumentException("auto_pad=" + autoPad + " is not supported (NOTSET with explicit pads, or"
                    + " VALID)");
        }
    }

    private static void checkConv(Node n) {
        Attributes a = n.attributes();
        requireNoAutoPad(a);
        int[] pads = ints(a, "pads", 4, 0);
        if (pads[0] != pads[2] || pads[1] != pads[3]) {
            throw new IllegalArgumentException("pads " + Arrays.toString(pads) + " differ at the two ends; only"
                    + " symmetric padding is supported");
        }
        ints(a, "strides", 2, 1);
        ints(a, "dilations", 2, 1);
        ints(a, "kernel_shape", 2, -1);
    }

    private static List<Value> conv(Node n, List<Value> in) {
        Attributes a = n.attributes();
        Tensor x = floats(in, 0);
        Tensor w = floats(in, 1);
        if (x.rank() != 4 || w.rank() != 4) {
            throw new IllegalArgumentException("only 2-D convolution is supported: input " + x.shape() + ", weight "
                    + w.shape());
        }
        int[] strides = ints(a, "strides", 2, 1);
        int[] dilations = ints(a, "dilations", 2, 1);
        int[] pads = ints(a, "pads", 4, 0);
        int[] kernel = ints(a, "kernel_shape", 2, -1);
        if (kernel[0] >= 0 && (kernel[0] != w.size(2) || kernel[1] != w.size(3))) {
            throw new IllegalArgumentException("kernel_shape " + Arrays.toString(kernel) + " does not match the weight "
                    + w.shape());
        }
        int groups = Math.toIntExact(a.getInt("group", 1));
        Conv2dSpec spec = new Conv2dSpec(strides[0], strides[1], pads[0], pads[1], dilations[0], dilations[1], groups);
        return one(x.conv2d(w, n.hasInput(2) ? floats(in, 2) : null, spec));
    }

    /** The window settings of a pooling node Backprop runs: square, equal strides and padding, no dilation. */
    private static void checkPool(Node n, boolean max) {
        Attributes a = n.attributes();
        requireNoAutoPad(a);
        int[] kernel = ints(a, "kernel_shape", 2, -1);
        int[] strides = ints(a, "strides", 2, 1);
        int[] pads = ints(a, "pads", 4, 0);
        int[] dilations = ints(a, "dilations", 2, 1);
        if (kernel[0] < 0) {
            throw new IllegalArgumentException("attribute 'kernel_shape' is required");
        }
        if (kernel[0] != kernel[1] || strides[0] != strides[1] || Arrays.stream(pads).distinct().count() > 1
                || dilations[0] != 1 || dilations[1] != 1 || a.getInt("ceil_mode", 0) != 0
                || a.getInt("storage_order", 0) != 0) {
            throw new IllegalArgumentException("only square windows with equal strides and padding on every side,"
                    + " no dilation and ceil_mode 0 are supported: kernel " + Arrays.toString(kernel) + ", strides "
                    + Arrays.toString(strides) + ", pads " + Arrays.toString(pads));
        }
        if (n.outputs().size() > 1) {
            throw new IllegalArgumentException("the Indices output is not supported");
        }
        if (!max && pads[0] != 0 && a.getInt("count_include_pad", 0) == 0) {
            throw new IllegalArgumentException("padding with count_include_pad=0 is not supported (the padding is"
                    + " counted as zeros)");
        }
    }

    private static Tensor pool(Node n, Tensor x, boolean max) {
        Attributes a = n.attributes();
        if (x.rank() != 4) {
            throw new IllegalArgumentException("only 2-D pooling is supported, got input " + x.shape());
        }
        int kernel = ints(a, "kernel_shape", 2, -1)[0];
        int stride = ints(a, "strides", 2, 1)[0];
        int pad = ints(a, "pads", 4, 0)[0];
        return max ? x.maxPool2d(kernel, stride, pad) : x.avgPool2d(kernel, stride, pad);
    }

    /**
     * Inference-mode batch normalisation, {@code (x - mean) / sqrt(var + eps) * scale + bias} over
     * dimension 1: gradients reach the scale and bias; the running statistics stay as imported.
     */
    private static void checkBatchNorm(Node n) {
        if (n.attributes().getInt("training_mode", 0) != 0 || n.outputs().size() > 1) {
            throw new IllegalArgumentException("training_mode=1 (batch statistics) is not supported; the imported"
                    + " normalisation uses the running statistics");
        }
    }

    private static List<Value> batchNorm(Node n, List<Value> in) {
        Attributes a = n.attributes();
        Tensor x = floats(in, 0);
        int channels = x.size(1);
        int[] perChannel = new int[x.rank()];
        Arrays.fill(perChannel, 1);
        perChannel[1] = channels;
        float eps = a.getFloat("epsilon", 1e-5f);
        Tensor scale = floats(in, 1).reshape(perChannel);
        Tensor bias = floats(in, 2).reshape(perChannel);
        Tensor mean = floats(in, 3).reshape(perChannel);
        Tensor inv = floats(in, 4).reshape(perChannel).add(eps).sqrt();
        return one(x.sub(mean).mul(scale.div(inv)).add(bias));
    }

    private static void checkLayerNorm(Node n) {
        if (n.attributes().getInt("stash_type", 1) != 1 || n.outputs().size() > 1) {
            throw new IllegalArgumentException("only stash_type=1 and the first output (Y) are supported");
        }
    }

    private static List<Value> layerNorm(Node n, List<Value> in) {
        Attributes a = n.attributes();
        Tensor x = floats(in, 0);
        int axis = axis(a.getInt("axis", -1), x.rank());
        Tensor scale = floats(in, 1);
        Tensor bias = n.hasInput(2) ? floats(in, 2) : null;
        int[] normalized = Arrays.copyOfRange(x.shape().dims(), axis, x.rank());
        if (!Arrays.equals(scale.shape().dims(), normalized) || bias != null && !Arrays.equals(bias.shape().dims(),
                normalized)) {
            throw new IllegalArgumentException("scale " + scale.shape() + " and bias must have the normalised shape "
                    + Arrays.toString(normalized));
        }
        return one(x.layerNorm(x.rank() - axis, scale, bias, a.getFloat("epsilon", 1e-5f)));
    }

    /**
     * Softmax over one axis (opset 13 on, default the last), or before opset 13 over all dimensions
     * from {@code axis} (default 1) on, as the input flattened to two dimensions there.
     */
    private static Tensor softmax(Node n, Tensor x, boolean log) {
        if (n.opset() >= 13) {
            int axis = axis(n.attributes().getInt("axis", -1), x.rank());
            return log ? x.logSoftmax(axis) : x.softmax(axis);
        }
        int axis = axis(n.attributes().getInt("axis", 1), x.rank());
        if (axis == x.rank() - 1) {
            return log ? x.logSoftmax(axis) : x.softmax(axis);
        }
        int[] dims = x.shape().dims();
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= dims[i];
        }
        Tensor flat = x.reshape(outer, -1);
        return (log ? flat.logSoftmax(1) : flat.softmax(1)).reshape(dims);
    }

    private interface Reduction {
        Tensor apply(Tensor x, int[] dims, boolean keep);
    }

    /** The axes are an attribute before {@code inputFrom} and input 1 after; none means all (or, if asked, none). */
    private static Value reduce(Node n, List<Value> in, int inputFrom, Reduction f) {
        Tensor x = floats(in, 0);
        long[] axes = ShapeOps.axesOf(n, in, inputFrom);
        boolean keep = n.attributes().getInt("keepdims", 1) != 0;
        if (axes == null || axes.length == 0) {
            if (n.attributes().getInt("noop_with_empty_axes", 0) != 0) {
                return Value.of(x);
            }
            axes = new long[x.rank()];
            Arrays.setAll(axes, i -> i);
        }
        int[] dims = new int[axes.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = axis(axes[i], x.rank());
        }
        return Value.of(f.apply(x, dims, keep));
    }
}
