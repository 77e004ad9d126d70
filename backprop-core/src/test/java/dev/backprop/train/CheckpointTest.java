package dev.backprop.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Dataset;
import dev.backprop.io.CorruptFileException;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.optim.Adam;
import dev.backprop.optim.NAdam;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.SGD;
import dev.backprop.optim.schedule.CosineAnnealingLR;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    /** 150 examples of 6 features in 3 classes: 5 batches of 32 per epoch (the last one short). */
    private static Dataset data() {
        Generator g = new Generator(4);
        Tensor x = Tensor.randn(g, 150, 6);
        Tensor y = Tensor.randint(g, 0, 3, 150);
        return new Dataset("toy", x, y, List.of("a", "b", "c"));
    }

    private static final ModelSpec SPEC = new ModelSpec.Mlp(6, List.of(16, 8), 3, ActivationKind.RELU, 0.25f);

    /** Thrown by the "crash" callback: the run stops as if the process had died. */
    private static final class Crash extends RuntimeException {
        Crash() {
            super("simulated crash");
        }
    }

    private record Run(Module model, Trainer trainer) {
    }

    private static Run fresh(Function<List<Tensor>, Optimizer> optimizer) {
        Module model = SPEC.build(new Generator(1));
        return new Run(model, new Trainer(model, optimizer.apply(model.parameters()), LossFunction.crossEntropy()));
    }

    private static FitConfig config(Path dir) {
        return FitConfig.DEFAULT.withEpochs(4).withBatchSize(32).withSeed(7).withSchedule(new CosineAnnealingLR(4, 0))
                .withCheckpointing(new Checkpointing(dir, 2, 2));
    }

    private static Map<String, float[]> weights(Module m) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static void assertSameWeights(Map<String, float[]> expected, Map<String, float[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), what + ": " + k));
    }

    @Test
    void resumingAfterACrashAnywhereGivesBitIdenticalWeights(@TempDir Path dir) throws IOException {
        List<Function<List<Tensor>, Optimizer>> optimizers = List.of(
                p -> new Adam(p, Adam.Config.DEFAULT.withLr(0.01)),
                p -> new SGD(p, SGD.Config.DEFAULT.withLr(0.05).withMomentum(0.9).withNesterov(true)),
                p -> new NAdam(p, NAdam.Config.DEFAULT));
        for (int o = 0; o < optimizers.size(); o++) {
            Run whole = fresh(optimizers.get(o));
            whole.trainer().fit(data(), null, config(dir.resolve("whole" + o)));
            Map<String, float[]> expected = weights(whole.model());
            // Crash after 3 batches (mid-epoch 1), after 10 (an epoch boundary), after 13, then resume each time.
            Path ckpt = dir.resolve("crashed" + o);
            int[] crashAfter = {3, 10, 13};
            Run run = fresh(optimizers.get(o));
            for (int i = 0; i <= crashAfter.length; i++) {
                int limit = i < crashAfter.length ? crashAfter[i] : Integer.MAX_VALUE;
                int[] batches = {0};
                Callback crash = new Callback() {
                    @Override
                    public void onBatchEnd(int epoch, int batch, double loss, int examplesSoFar) {
                        if (++batches[0] == limit) {
                            throw new Crash();
                        }
                    }
                };
                run = fresh(optimizers.get(o));   // a new process: nothing survives but the files
                try {
                    if (i == 0) {
                        run.trainer().fit(data(), null, config(ckpt), crash);
                    } else {
                        run.trainer().resume(ckpt, data(), null, config(ckpt), crash);
                    }
                } catch (Crash expectedCrash) {
                    assertTrue(i < crashAfter.length);
                }
            }
            assertSameWeights(expected, weights(run.model()), "optimizer " + o);
            assertTrue(Checkpoint.list(ckpt).size() <= 2, "only the newest 2 are kept: " + Checkpoint.list(ckpt));
        }
    }

    @Test
    void aDamagedNewestCheckpointIsSkippedAndOtherSettingsAreRefused(@TempDir Path dir) throws IOException {
        Run run = fresh(p -> new Adam(p, Adam.Config.DEFAULT));
        run.trainer().fit(data(), null, config(dir).withEpochs(2));
        List<Path> files = Checkpoint.list(dir);
        assertEquals(2, files.size());
        Path newest = files.get(1);
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(CorruptFileException.class, () -> Checkpoint.load(newest));
        Checkpoint chosen = Checkpoint.latest(dir);
        Checkpoint older = Checkpoint.load(files.get(0));
        assertEquals(older.epoch(), chosen.epoch());
        assertEquals(older.batch(), chosen.batch());

        Run other = fresh(p -> new Adam(p, Adam.Config.DEFAULT));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> other.trainer().resume(dir, data(), null, config(dir).withEpochs(2).withBatchSize(16)));
        assertTrue(e.getMessage().contains("other settings") && e.getMessage().contains("batches of 16"), e.getMessage());
        assertThrows(java.io.FileNotFoundException.class,
                () -> other.trainer().resume(dir.resolve("empty"), data(), null, config(dir)));
    }
}
