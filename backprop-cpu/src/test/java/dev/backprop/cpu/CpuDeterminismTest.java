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
