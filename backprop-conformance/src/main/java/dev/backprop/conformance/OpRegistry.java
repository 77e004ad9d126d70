package dev.backprop.conformance;

import dev.backprop.nn.functional.Affine;
import dev.backprop.nn.functional.Losses;
import dev.backprop.nn.functional.Reduction;
import dev.backprop.tensor.Tensor;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps each op name of the reference format to the Backprop call that computes it, reading
 * PyTorch's argument names from the case's attributes. Ops that a later issue brings can be listed
 * in {@code LATER} with that issue, so that they are reported as skipped, never as passed.
 */
final class OpRegistry {

    /** One op under test: inputs in order, integer inputs by name, attributes. */
    @FunctionalInterface
    interface Op {
        Tensor apply(List<Tensor> in, Map<String, Tensor> ints, Attributes attrs);
    }

    /** An op that also reports state it updates (batch norm's running statistics) under the case's key names. */
    @FunctionalInterface
    interface StatefulOp {
        Tensor apply(List<Tensor> in, Attributes attrs, Map<String, Tensor> state);
    }

    private static final Map<String, StatefulOp> STATEFUL = new TreeMap<>();

    private static final Map<String, Op> OPS = new TreeMap<>();
    private static final Map<String, String> LATER = Map.of();

    static {
        OPS.put("conv2d", (in, ints, a) -> in.get(0).conv2d(in.get(1), in.size() > 2 ? in.get(2) : null,
                dev.backprop.tensor.Conv2dSpec.of(a.integer("stride", 1), a.integer("padding", 0),
                        a.integer("dilation", 1), a.integer("groups", 1))));
        OPS.put("max_pool2d", (in, ints, a) -> in.get(0).maxPool2d(a.integer("kernel"),
                a.integer("stride", a.integer("kernel")), a.integer("padding", 0)));
        OPS.put("avg_pool2d", (in, ints, a) -> in.get(0).avgPool2d(a.integer("kernel"),
                a.integer("stride", a.integer("kernel")), a.integer("padding", 0)));
        OPS.put("adaptive_avg_pool2d", (in, ints, a) -> {
            int[] size = a.ints("output_size");
            return in.get(0).adaptiveAvgPool2d(size[0], size.length > 1 ? size[1] : size[0]);
        });
        OPS.put("embedding", (in, ints, a) -> dev.backprop.nn.functional.Sequences.embedding(
                ints.values().iterator().next(), in.get(0)));
        OPS.put("scaled_dot_product_attention", (in, ints, a) -> dev.backprop.nn.functional.Sequences
                .scaledDotProductAttention(in.get(0), in.get(1), in.get(2), a.bool("is_causal", false)));
        OPS.put("layer_norm", (in, ints, a) -> dev.backprop.nn.functional.Normalization.layerNorm(in.get(0),
                a.ints("normalized_shape").length, in.size() > 1 ? in.get(1) : null, in.size() > 2 ? in.get(2) : null,
                a.number("eps", 1e-5f)));
        STATEFUL.put("batch_norm", (in, a, state) -> {
            int c = in.get(0).size(1);
            Tensor mean = Tensor.zeros(c);
            Tensor var = Tensor.ones(c);
            state.put("running_mean", mean);
            state.put("running_var", var);
            return dev.backprop.nn.functional.Normalization.batchNorm(in.get(0), mean, var,
                    in.size() > 1 ? in.get(1) : null, in.size() > 2 ? in.get(2) : null,
                    a.bool("training", true), a.number("momentum", 0.1f), a.number("eps", 1e-5f));
        });
        OPS.put("add", (in, ints, a) -> in.get(0).add(in.get(1)));
        OPS.put("sub", (in, ints, a) -> in.get(0).sub(in.get(1)));
        OPS.put("mul", (in, ints, a) -> in.get(0).mul(in.get(1)));
        OPS.put("div", (in, ints, a) -> in.get(0).div(in.get(1)));
        OPS.put("pow", (in, ints, a) -> in.size() > 1 ? in.get(0).pow(in.get(1)) : in.get(0).pow(a.number("exponent", 2f)));
        OPS.put("neg", (in, ints, a) -> in.get(0).neg());
        OPS.put("exp", (in, ints, a) -> in.get(0).exp());
        OPS.put("log", (in, ints, a) -> in.get(0).log());
        OPS.put("sqrt", (in, ints, a) -> in.get(0).sqrt());
        OPS.put("abs", (in, ints, a) -> in.get(0).abs());
        OPS.put("sin", (in, ints, a) -> in.get(0).sin());
        OPS.put("cos", (in, ints, a) -> in.get(0).cos());
        OPS.put("tanh", (in, ints, a) -> in.get(0).tanh());
        OPS.put("sigmoid", (in, ints, a) -> in.get(0).sigmoid());
        OPS.put("relu", (in, ints, a) -> in.get(0).relu());
        OPS.put("silu", (in, ints, a) -> in.get(0).silu());
        OPS.put("softplus", (in, ints, a) -> in.get(0).softplus(a.number("beta", 1f), a.number("threshold", 20f)));
        OPS.put("elu", (in, ints, a) -> in.get(0).elu(a.number("alpha", 1f)));
        OPS.put("gelu", (in, ints, a) -> "tanh".equals(a.text("approximate", "none")) ? in.get(0).geluTanh() : in.get(0).gelu());
        OPS.put("leaky_relu", (in, ints, a) -> in.get(0).leakyRelu(a.number("negative_slope", 0.01f)));
        OPS.put("clamp", (in, ints, a) -> in.get(0).clamp(a.number("min", Float.NaN), a.number("max", Float.NaN)));
        OPS.put("matmul", (in, ints, a) -> in.get(0).matmul(in.get(1)));
        OPS.put("linear", (in, ints, a) -> Affine.linear(in.get(0), in.get(1), in.size() > 2 ? in.get(2) : null));
        OPS.put("sum", (in, ints, a) -> a.has("dim") ? in.get(0).sum(a.ints("dim"), a.bool("keepdim", false)) : in.get(0).sum());
        OPS.put("mean", (in, ints, a) -> a.has("dim") ? in.get(0).mean(a.ints("dim"), a.bool("keepdim", false)) : in.get(0).mean());
        OPS.put("max", (in, ints, a) -> a.has("dim") ? in.get(0).max(a.integer("dim"), a.bool("keepdim", false)).values() : in.get(0).max());
        OPS.put("min", (in, ints, a) -> a.has("dim") ? in.get(0).min(a.integer("dim"), a.bool("keepdim", false)).values() : in.get(0).min());
        OPS.put("amax", (in, ints, a) -> in.get(0).amax(a.ints("dim"), a.bool("keepdim", false)));
        OPS.put("amin", (in, ints, a) -> in.get(0).amin(a.ints("dim"), a.bool("keepdim", false)));
        OPS.put("var", (in, ints, a) -> in.get(0).var(dims(in.get(0), a), correction(a), a.bool("keepdim", false)));
        OPS.put("logsumexp", (in, ints, a) -> in.get(0).logsumexp(a.ints("dim"), a.bool("keepdim", false)));
        OPS.put("softmax", (in, ints, a) -> in.get(0).softmax(a.integer("dim")));
        OPS.put("log_softmax", (in, ints, a) -> in.get(0).logSoftmax(a.integer("dim")));
        OPS.put("transpose", (in, ints, a) -> {
            int[] d = a.has("dims") ? a.ints("dims") : new int[] {a.integer("dim0"), a.integer("dim1")};
            return in.get(0).transpose(d[0], d[1]);
        });
        OPS.put("permute", (in, ints, a) -> in.get(0).permute(a.ints("dims")));
        OPS.put("reshape", (in, ints, a) -> in.get(0).reshape(a.ints("shape")));
        OPS.put("view", (in, ints, a) -> in.get(0).view(a.ints("shape")));
        OPS.put("cat", (in, ints, a) -> Tensor.cat(a.integer("dim", 0), in.toArray(Tensor[]::new)));
        OPS.put("stack", (in, ints, a) -> Tensor.stack(a.integer("dim", 0), in.toArray(Tensor[]::new)));
        OPS.put("narrow", (in, ints, a) -> in.get(0).narrow(a.integer("dim"), a.integer("start"), a.integer("length")));
        OPS.put("cross_entropy", (in, ints, a) -> Losses.crossEntropy(in.get(0), target(in, ints),
                reduction(a), a.number("label_smoothing", 0f)));
        OPS.put("nll_loss", (in, ints, a) -> Losses.nll(in.get(0), target(in, ints), reduction(a)));
        OPS.put("mse_loss", (in, ints, a) -> Losses.mse(in.get(0), in.get(1), reduction(a)));
        OPS.put("l1_loss", (in, ints, a) -> Losses.l1(in.get(0), in.get(1), reduction(a)));
        OPS.put("huber_loss", (in, ints, a) -> Losses.huber(in.get(0), in.get(1), a.number("delta", 1f), reduction(a)));
        OPS.put("binary_cross_entropy", (in, ints, a) -> Losses.binaryCrossEntropy(in.get(0), in.get(1), reduction(a)));
        OPS.put("binary_cross_entropy_with_logits", (in, ints, a) ->
                Losses.binaryCrossEntropyWithLogits(in.get(0), in.get(1), reduction(a)));
    }

    private OpRegistry() {
    }

    static Op find(String name) {
        return OPS.get(name);
    }

    static StatefulOp findStateful(String name) {
        return STATEFUL.get(name);
    }

    /** The issue that brings {@code name}, or null if it is not a known later op. */
    static String laterIssue(String name) {
        return LATER.get(name);
    }

    private static int[] dims(Tensor x, Attributes a) {
        if (a.has("dim")) {
            return a.ints("dim");
        }
        int[] all = new int[x.rank()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    /** PyTorch's {@code correction}, or the older {@code unbiased} flag (default true). */
    private static int correction(Attributes a) {
        if (a.has("correction")) {
            return a.integer("correction");
        }
        return a.bool("unbiased", true) ? 1 : 0;
    }

    private static Reduction reduction(Attributes a) {
        return Reduction.valueOf(a.text("reduction", "mean").toUpperCase(Locale.ROOT));
    }

    /** The class-index target: the case's only integer input, else its second float input. */
    private static Tensor target(List<Tensor> in, Map<String, Tensor> ints) {
        if (ints.size() == 1) {
            return ints.values().iterator().next();
        }
        if (ints.containsKey("target")) {
            return ints.get("target");
        }
        return in.get(1);
    }
}
