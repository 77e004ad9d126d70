package dev.backprop.autograd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.backprop.nn.functional.Affine;
import dev.backprop.nn.functional.Losses;
import dev.backprop.nn.functional.Normalization;
import dev.backprop.nn.functional.Sequences;
import dev.backprop.tensor.Conv2dSpec;
import dev.backprop.nn.functional.Reduction;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Finite-difference checks of every differentiable op, including broadcasting and ops applied
 * to views (transposed, narrowed, expanded inputs).
 */
class GradCheckOpsTest {
    private static final Generator G = new Generator(7);

    private static Tensor randn(int... shape) {
        return Tensor.randn(G, shape);
    }

    /** Values in [lo, hi), for functions with a restricted domain or a kink to avoid. */
    private static Tensor uniform(float lo, float hi, int... shape) {
        return Tensor.rand(G, shape).mul(hi - lo).add(lo);
    }

    /** Values whose magnitude is at least 0.1, away from the kinks of relu, abs and friends at 0. */
    private static Tensor awayFromZero(int... shape) {
        Tensor u = uniform(0.1f, 1.5f, shape);
        return u.mul(Tensor.randint(G, 0, 2, shape).mul(2f).sub(1f));
    }

    /** Values 0.1 apart in a scrambled order: no two window entries are within a finite-difference step. */
    private static Tensor distinct(int... shape) {
        int n = dev.backprop.tensor.Shape.of(shape).numel();
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = ((i * 37L) % n) * 0.1f - n * 0.05f;
        }
        return Tensor.fromArray(v, shape);
    }

    private record Case(String name, Function<Tensor[], Tensor> f, Tensor[] inputs) {
    }

    private static Case c(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return new Case(name, f, inputs);
    }

    @TestFactory
    Stream<DynamicTest> everyDifferentiableOp() {
        Tensor labels = Tensor.of(2, 0, 1, 2);
        List<Case> cases = new ArrayList<>(List.of(
                c("add broadcast [2,3,4]+[3,1]", in -> in[0].add(in[1]), randn(2, 3, 4), randn(3, 1)),
                c("sub broadcast [4,5]-[5]", in -> in[0].sub(in[1]), randn(4, 5), randn(5)),
                c("mul broadcast [2,1,3]*[4,1]", in -> in[0].mul(in[1]), randn(2, 1, 3), randn(4, 1)),
                c("div broadcast", in -> in[0].div(in[1]), randn(3, 4), uniform(0.5f, 2f, 4)),
                c("pow tensor exponent", in -> in[0].pow(in[1]), uniform(0.5f, 2f, 3, 4), randn(3, 4)),
                c("pow scalar", in -> in[0].pow(3f), randn(3, 4)),
                c("maximum", in -> in[0].maximum(in[1]), randn(3, 4), randn(3, 4)),
                c("minimum broadcast", in -> in[0].minimum(in[1]), randn(3, 4), randn(4)),
                c("scalar add/sub/mul/div", in -> in[0].add(2f).mul(3f).sub(1f).div(4f), randn(3, 2)),
                c("neg", in -> in[0].neg(), randn(3, 4)),
                c("abs", in -> in[0].abs(), awayFromZero(3, 4)),
                c("square", in -> in[0].square(), randn(3, 4)),
                c("exp", in -> in[0].exp(), randn(3, 4)),
                c("log", in -> in[0].log(), uniform(0.5f, 3f, 3, 4)),
                c("sqrt", in -> in[0].sqrt(), uniform(0.5f, 3f, 3, 4)),
                c("sin", in -> in[0].sin(), randn(3, 4)),
                c("erf", in -> in[0].erf(), randn(3, 4)),
                c("cos", in -> in[0].cos(), randn(3, 4)),
                c("clamp", in -> in[0].clamp(-0.5f, 0.5f), awayFromZero(4, 4).mul(0.9f)),
                c("tanh", in -> in[0].tanh(), randn(3, 4)),
                c("sigmoid", in -> in[0].sigmoid(), randn(3, 4)),
                c("relu", in -> in[0].relu(), awayFromZero(3, 4)),
                c("leakyRelu", in -> in[0].leakyRelu(0.1f), awayFromZero(3, 4)),
                c("elu", in -> in[0].elu(1.3f), awayFromZero(3, 4)),
                c("softplus", in -> in[0].softplus(2f, 20f), randn(3, 4)),
                c("silu", in -> in[0].silu(), randn(3, 4)),
                c("gelu exact", in -> in[0].gelu(), randn(3, 4)),
                c("gelu tanh", in -> in[0].geluTanh(), randn(3, 4)),
                c("where broadcast", in -> Tensor.where(Tensor.of(1, 0, 1), in[0], in[1]), randn(2, 3), randn(1)),
                c("matmul 2-D", in -> in[0].matmul(in[1]), randn(3, 4), randn(4, 5)),
                c("matmul batched", in -> in[0].matmul(in[1]), randn(2, 3, 4), randn(2, 4, 5)),
                c("matmul broadcast batch", in -> in[0].matmul(in[1]), randn(2, 1, 3, 4), randn(3, 4, 2)),
                c("matmul vector-matrix", in -> in[0].matmul(in[1]), randn(4), randn(4, 3)),
                c("matmul matrix-vector", in -> in[0].matmul(in[1]), randn(3, 4), randn(4)),
                c("matmul transposed views", in -> in[0].t().matmul(in[1].t()), randn(4, 3), randn(5, 4)),
                c("sum all", in -> in[0].sum(), randn(3, 4)),
                c("sum dims keepdim", in -> in[0].sum(new int[] {0, 2}, true), randn(2, 3, 4)),
                c("mean dim", in -> in[0].mean(-1, false), randn(2, 3, 4)),
                c("var unbiased", in -> in[0].var(new int[] {1}, 1, false), randn(3, 6)),
                c("var biased all", in -> in[0].var(new int[] {0, 1}, 0, true), randn(3, 6)),
                c("amax dims", in -> in[0].amax(new int[] {1}, false), randn(3, 5)),
                c("amin all", in -> in[0].min(), randn(3, 5)),
                c("max along dim", in -> in[0].max(1, false).values(), randn(3, 6)),
                c("min along dim keepdim", in -> in[0].min(0, true).values(), randn(3, 6)),
                c("logsumexp", in -> in[0].logsumexp(-1, false), randn(3, 6)),
                c("softmax", in -> in[0].softmax(1), randn(3, 6)),
                c("logSoftmax dim 0", in -> in[0].logSoftmax(0), randn(3, 6)),
                c("reshape", in -> in[0].reshape(4, -1).mul(in[0].reshape(4, 6)), randn(2, 3, 4)),
                c("reshape of transposed view", in -> in[0].t().reshape(-1).mul(Tensor.arange(12)), randn(3, 4)),
                c("view", in -> in[0].view(6, 2).exp(), randn(3, 4)),
                c("permute", in -> in[0].permute(2, 0, 1).mul(Tensor.arange(24).reshape(4, 2, 3)), randn(2, 3, 4)),
                c("transpose", in -> in[0].transpose(0, 2).exp(), randn(2, 3, 4)),
                c("narrow", in -> in[0].narrow(1, 1, 3).square(), randn(2, 6)),
                c("select", in -> in[0].select(0, 1).exp(), randn(3, 4)),
                c("expand", in -> in[0].expand(3, 4).mul(Tensor.arange(12).reshape(3, 4)), randn(1, 4)),
                c("unsqueeze/squeeze", in -> in[0].unsqueeze(1).squeeze(1).unsqueeze(0).exp(), randn(3, 4)),
                c("flatten", in -> in[0].flatten(1, 2).mul(Tensor.arange(24).reshape(2, 12)), randn(2, 3, 4)),
                c("contiguous of transposed", in -> in[0].t().contiguous().square(), randn(3, 4)),
                c("clone", in -> in[0].clone().mul(in[0]), randn(3, 4)),
                c("cat", in -> Tensor.cat(1, in[0], in[1]).square(), randn(2, 3), randn(2, 5)),
                c("cat of views", in -> Tensor.cat(0, in[0].t(), in[0].narrow(0, 0, 2)).exp(), randn(3, 3)),
                c("stack", in -> Tensor.stack(1, in[0], in[1]).square(), randn(2, 3), randn(2, 3)),
                c("indexSelect", in -> in[0].indexSelect(0, Tensor.of(2, 0, 2, 1)).square(), randn(3, 4)),
                c("gather", in -> in[0].gather(1, Tensor.of(new float[][] {{0, 2}, {1, 1}, {3, 0}})).exp(), randn(3, 4)),
                c("scatterAdd", in -> in[0].scatterAdd(1, Tensor.of(new float[][] {{0, 2}, {1, 1}}), in[1]).square(),
                        randn(2, 4), randn(2, 2)),
                c("linear", in -> Affine.linear(in[0], in[1], in[2]), randn(5, 3), randn(4, 3), randn(4)),
                c("linear 3-D input, no bias", in -> Affine.linear(in[0], in[1], null), randn(2, 5, 3), randn(4, 3)),
                c("linear of a transposed input", in -> Affine.linear(in[0].t(), in[1], in[2]), randn(3, 5), randn(4, 3), randn(4)),
                c("conv2d stride 1 padding 1", in -> in[0].conv2d(in[1], in[2], Conv2dSpec.of(1, 1, 1, 1)),
                        randn(2, 3, 5, 5), randn(4, 3, 3, 3), randn(4)),
                c("conv2d stride 2, dilation 2, no bias", in -> in[0].conv2d(in[1], null, new Conv2dSpec(2, 1, 1, 2, 2, 1, 1)),
                        randn(1, 2, 7, 6), randn(3, 2, 3, 2)),
                c("conv2d groups 2", in -> in[0].conv2d(in[1], in[2], Conv2dSpec.of(1, 0, 1, 2)),
                        randn(2, 4, 4, 4), randn(6, 2, 2, 2), randn(6)),
                c("maxPool2d", in -> in[0].maxPool2d(2, 2, 0), distinct(2, 2, 4, 4)),
                c("maxPool2d overlapping, padded", in -> in[0].maxPool2d(3, 2, 1), distinct(1, 2, 5, 5)),
                c("avgPool2d padded", in -> in[0].avgPool2d(3, 2, 1), randn(1, 2, 5, 5)),
                c("adaptiveAvgPool2d 5x5 to 2x3", in -> in[0].adaptiveAvgPool2d(2, 3), randn(2, 2, 5, 5)),
                c("batchNorm training [N, C, H, W]", in -> Normalization.batchNorm(in[0], Tensor.zeros(3), Tensor.ones(3),
                        in[1], in[2], true, 0.1f, 1e-5f), randn(4, 3, 2, 2), randn(3), randn(3)),
                c("batchNorm training [N, C]", in -> Normalization.batchNorm(in[0], null, null, in[1], null, true, 0.1f, 1e-5f),
                        randn(6, 4), randn(4)),
                c("layerNorm", in -> Normalization.layerNorm(in[0], 1, in[1], in[2], 1e-5f), randn(2, 3, 5), randn(5), randn(5)),
                c("embedding", in -> Sequences.embedding(Tensor.of(new float[][] {{3, 0, 3}, {1, 2, 0}}), in[0]), randn(4, 5)),
                c("causal attention", in -> Sequences.scaledDotProductAttention(in[0], in[1], in[2], true),
                        randn(2, 2, 4, 3), randn(2, 2, 4, 3), randn(2, 2, 4, 3)),
                c("mse", in -> Losses.mse(in[0], in[1]), randn(4, 3), randn(4, 3)),
                c("l1", in -> Losses.l1(in[0], in[1], Reduction.MEAN), randn(4, 3), randn(4, 3)),
                c("huber", in -> Losses.huber(in[0], in[1], 0.5f, Reduction.SUM), randn(4, 3), randn(4, 3)),
                c("crossEntropy", in -> Losses.crossEntropy(in[0], labels), randn(4, 3)),
                c("crossEntropy smoothing sum", in -> Losses.crossEntropy(in[0], labels, Reduction.SUM, 0.2f), randn(4, 3)),
                c("crossEntropy over [N, C, L] (composite path)", in -> Losses.crossEntropy(in[0],
                        Tensor.of(new float[][] {{0, 2}, {1, 1}}), Reduction.MEAN, 0.1f), randn(2, 3, 2)),
                c("crossEntropy soft targets", in -> Losses.crossEntropy(in[0], in[1].softmax(1), Reduction.MEAN, 0f),
                        randn(4, 3), randn(4, 3)),
                c("nll", in -> Losses.nll(in[0].logSoftmax(1), labels, Reduction.MEAN), randn(4, 3)),
                c("binaryCrossEntropy", in -> Losses.binaryCrossEntropy(in[0], in[1], Reduction.MEAN),
                        uniform(0.1f, 0.9f, 4, 3), uniform(0f, 1f, 4, 3)),
                c("binaryCrossEntropyWithLogits", in -> Losses.binaryCrossEntropyWithLogits(in[0], in[1], Reduction.MEAN),
                        randn(4, 3), uniform(0f, 1f, 4, 3)),
                c("two-layer chain", in -> in[0].matmul(in[1]).tanh().matmul(in[2]).softmax(1).sum(0, false),
                        randn(3, 4), randn(4, 5), randn(5, 2))));
        return cases.stream().map(k -> dynamicTest(k.name(), () -> {
            GradCheck.Result r = GradCheck.check(k.f(), k.inputs());
            assertTrue(r.passed(), k.name() + ":\n" + r.report());
        }));
    }

    @Test
    void detectsAWrongGradient() {
        // sign has gradient 0, so treating x*sign(x) as if it were x*x (gradient 2x) must be caught:
        // the check compares against the true derivative, sign(x), and fails.
        GradCheck.Result wrong = GradCheck.check(in -> in[0].mul(in[0].sign().detach().add(in[0]).sub(in[0].detach())),
                awayFromZero(3, 3));
        assertFalse(wrong.passed(), "a gradient that ignores a detached branch differs from finite differences");
    }
}
