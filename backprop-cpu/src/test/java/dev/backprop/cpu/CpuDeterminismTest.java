package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.backprop.backend.Backends;
import dev.backprop.data.Dataset;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.nn.GPT;
import dev.backprop.nn.functional.Losses;
import dev.backprop.optim.Adam;
import dev.backprop.optim.AdamW;
import dev.backprop.optim.GradClip;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import java.util.List;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Same seed, same machine, same thread count: bit-identical weights on the fast backend too, even
 * though the first run executes partly interpreted and the second fully compiled.
 */
class CpuDeterminismTest {

    private static float[] train() {
        Generator g = new Generator(5);
        Dataset data = new Dataset("random", Tensor.randn(g, 2000, 96), Tensor.randint(g, 0, 7, 2000),
                List.of("a", "b", "c", "d", "e", "f", "g"));
        Module net = new ModelSpec.Mlp(96, List.of(128, 64), 7, ActivationKind.RELU, 0.1f).build(new Generator(6));
        Trainer t = new Trainer(net, new Adam(net.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
        t.fit(data, data, FitConfig.DEFAULT.withEpochs(3).withBatchSize(64));
        return net.stateDict().get("0.weight").toFloatArray();
    }

    private static float[] trainLeNet() {
        Generator g = new Generator(7);
        Dataset data = new Dataset("random images", Tensor.rand(g, 300, 1, 28, 28), Tensor.randint(g, 0, 10, 300),
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
        Module net = new ModelSpec.LeNet5(1, 10).build(new Generator(8));
        Trainer t = new Trainer(net, new Adam(net.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
        t.fit(data, null, FitConfig.DEFAULT.withEpochs(2).withBatchSize(50));
        return net.stateDict().get("conv2.weight").toFloatArray();
    }

    /** A small GPT: GELU, fused attention, layer norm and softmax cross-entropy, all through vector exp. */
    private static float[] trainGpt() {
        Generator g = new Generator(9);
        GPT gpt = new GPT(new GPT.Config(20, 2, 2, 32, 16), new Generator(10));
        AdamW opt = new AdamW(gpt.parameters(), Adam.Config.DEFAULT.withLr(3e-3).withWeightDecay(0.1));
        for (int step = 0; step < 40; step++) {
            Tensor tokens = Tensor.randint(g, 0, 20, 8, 17);
            Tensor inputs = tokens.narrow(1, 0, 16);
            Tensor targets = tokens.narrow(1, 1, 16).reshape(-1);
            Tensor loss = Losses.crossEntropy(gpt.forward(inputs).reshape(-1, 20), targets);
            opt.zeroGrad();
            loss.backward();
            GradClip.clipGradNorm(gpt.parameters(), 1.0);
            opt.step();
        }
        return gpt.stateDict().get("wte.weight").toFloatArray();
    }

    /**
     * A product of one to four rows against W^T (a generated token's, a single prediction's) runs as dot products.
     * Its first call, interpreted, and its 20,000th, compiled, give the same bits, those of the lanes summed in the
     * fixed order spelled out here in scalar code. With {@code reduceLanes(ADD)} the first call already gave other bits
     * (the interpreter adds the lanes one after another) and a compiled call others again.
     */
    @Test
    void aFewRowsAgainstWTransposedSumTheirLanesInOneOrder() {
        int m = 3;
        int n = 24;
        int k = 200;
        SplittableRandom r = new SplittableRandom(3);
        float[] a = new float[m * k];
        float[] w = new float[n * k];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        float[] first = new float[m * n];
        DirectSgemm.gemm(m, n, k, a, 0, k, 1, w, 0, 1, k, null, first, 0, n, false);
        float[] expected = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                expected[i * n + j] = dotInTheKernelsOrder(a, i * k, w, j * k, k);
            }
        }
        assertArrayEquals(expected, first, "the first call");
        float[] later = new float[m * n];
        for (int call = 0; call < 20_000; call++) {
            DirectSgemm.gemm(m, n, k, a, 0, k, 1, w, 0, 1, k, null, later, 0, n, false);
        }
        assertArrayEquals(first, later, "the 20,000th call");
    }

    /**
     * {@code DirectSgemm}'s dot product, lane by lane: two accumulators of fused multiply-adds over alternate vectors of
     * k, added, the halves folded onto each other (lane l plus lane l + half, half from V/2 down to 1), then the terms
     * past the last whole vector one by one.
     */
    private static float dotInTheKernelsOrder(float[] a, int at, float[] w, int wt, int k) {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        int upper = k / lanes * lanes;
        float[] acc0 = new float[lanes];
        float[] acc1 = new float[lanes];
        int p = 0;
        for (; p + lanes < upper; p += 2 * lanes) {
            for (int l = 0; l < lanes; l++) {
                acc0[l] = Math.fma(a[at + p + l], w[wt + p + l], acc0[l]);
                acc1[l] = Math.fma(a[at + p + lanes + l], w[wt + p + lanes + l], acc1[l]);
            }
        }
        for (; p < upper; p += lanes) {
            for (int l = 0; l < lanes; l++) {
                acc0[l] = Math.fma(a[at + p + l], w[wt + p + l], acc0[l]);
            }
        }
        float[] v = new float[lanes];
        for (int l = 0; l < lanes; l++) {
            v[l] = acc0[l] + acc1[l];
        }
        for (int half = lanes / 2; half >= 1; half /= 2) {
            for (int l = 0; l < half; l++) {
                v[l] += v[l + half];
            }
        }
        float sum = v[0];
        for (; p < k; p++) {
            sum += a[at + p] * w[wt + p];
        }
        return sum;
    }

    @Test
    void aTransformerTrainsToBitIdenticalWeights() {
        assertArrayEquals(trainGpt(), trainGpt());
    }

    @Test
    void convolutionsSplitOverThreadsAreDeterministicToo() {
        assertArrayEquals(trainLeNet(), trainLeNet());
    }

    @Test
    void trainingTwiceGivesBitIdenticalWeights() {
        assertEquals("cpu", Backends.active().name());
        float[] first = train();
        float[] second = train();
        assertArrayEquals(first, second);
    }
}
