package dev.backprop.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Batch;
import dev.backprop.data.Dataset;
import dev.backprop.data.TextCorpus;
import dev.backprop.nn.GPT;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.optim.SGD;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one training loop driving a language model as it drives a classifier: budgets, checkpoints, NaN policy, the gradient hook. */
class OneLoopTest {
    private static final TextCorpus TEXT = TextCorpus.of("the cat sat on the mat. ".repeat(60), 0.1);
    private static final LanguageModelRecipe RECIPE = LanguageModelRecipe.DEFAULT.withIterations(60).withBatch(4)
            .withLr(1e-2, 1e-3).withWarmup(5).withEvaluation(20, 2);
    private static final int BLOCK = 8;

    private static GPT gpt() {
        return new GPT(new GPT.Config(TEXT.tokenizer().size(), 1, 2, 16, BLOCK, 0.1f), new Generator(4));
    }

    /** Thrown by a callback after a given number of steps, as if the process had died there. */
    private static final class Crash extends RuntimeException {
        Crash() {
            super("simulated crash");
        }
    }

    private static Callback crashAfter(int steps) {
        return new Callback() {
            private int seen;

            @Override
            public void onBatchEnd(int epoch, int batch, double loss, int examplesSoFar) {
                if (++seen == steps) {
                    throw new Crash();
                }
            }
        };
    }

    private static Map<String, float[]> weights(Module m) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    @Test
    void aGptRunsByStepsWithEstimatesAndResumesBitForBitAfterCrashes(@TempDir Path dir) throws IOException {
        GPT whole = gpt();
        History h = RECIPE.fit(whole, TEXT);
        assertEquals(3, h.epochs().size(), "an estimate every 20 of 60 steps");
        assertEquals(List.of(20L, 40L, 60L), h.epochs().stream().map(EpochResult::step).toList());
        assertTrue(h.last().validation().loss() < h.epochs().get(0).validation().loss(), h.epochs().toString());
        assertEquals("tokens", h.last().unit().name());

        FitConfig config = RECIPE.fitConfig().withCheckpointing(new Checkpointing(dir, 7, 2));
        boolean finished = false;
        int[] crashes = {11, 17, 9};   // steps 11, 28 and 37 (the first two resume mid-pass, from step 7 and 21)
        for (int attempt = 0; !finished; attempt++) {
            GPT model = gpt();
            Trainer trainer = RECIPE.trainer(model);
            Callback crash = attempt < crashes.length ? crashAfter(crashes[attempt]) : new Callback() { };
            try {
                if (attempt == 0) {
                    trainer.fit(RECIPE.training(TEXT, BLOCK), RECIPE.validation(TEXT, BLOCK), config, crash);
                } else {
                    trainer.resume(dir, RECIPE.training(TEXT, BLOCK), RECIPE.validation(TEXT, BLOCK), config, crash);
                }
                finished = true;
                Map<String, float[]> expected = weights(whole);
                Map<String, float[]> actual = weights(model);
                assertEquals(expected.keySet(), actual.keySet());
                for (String name : expected.keySet()) {
                    assertArrayEquals(expected.get(name), actual.get(name), name + " after " + attempt + " crashes");
                }
            } catch (Crash expected) {
                assertTrue(attempt < crashes.length);
            }
        }
    }

    /** A trainer whose loss becomes NaN at one step, as a diverging run's would. */
    private static Trainer poisonedAt(int badStep, GPT model) {
        return new Trainer(model, RECIPE.optimizer(model.parameters()), LossFunction.tokenCrossEntropy()) {
            private int calls;

            @Override
            protected Tensor batchLoss(Batch batch) {
                Tensor loss = super.batchLoss(batch);
                return ++calls == badStep ? loss.mul(Float.NaN) : loss;
            }
        };
    }

    @Test
    void aNonFiniteLossStopsBeforeTheStepOrSkipsItsBatch() {
        GPT stopped = gpt();
        Trainer stopping = poisonedAt(23, stopped);
        List<Map<String, float[]>> before = new ArrayList<>();
        Callback snapshot = new Callback() {
            @Override
            public void onBatchEnd(int epoch, int batch, double loss, int examplesSoFar) {
                before.clear();
                before.add(weights(stopped));
            }
        };
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> stopping.fit(
                RECIPE.training(TEXT, BLOCK), null, RECIPE.fitConfig(), snapshot));
        assertEquals(2, e.epoch());
        assertEquals(3, e.batch());
        assertEquals(23, e.step());
        assertTrue(Float.isNaN(e.loss()) && e.getMessage().contains("epoch 2, batch 3 (step 23"), e.getMessage());
        Map<String, float[]> after = weights(stopped);
        before.get(0).forEach((name, w) -> assertArrayEquals(w, after.get(name), name + " is as before the bad batch"));

        GPT skipped = gpt();
        History h = poisonedAt(23, skipped).fit(RECIPE.training(TEXT, BLOCK), null,
                RECIPE.fitConfig().withOnNonFiniteLoss(NonFiniteLoss.SKIP_BATCH));
        assertEquals(List.of(0, 1, 0), h.epochs().stream().map(EpochResult::skippedBatches).toList());
        assertEquals(60, h.last().step(), "the budget counts the skipped step");
        weights(skipped).values().forEach(w -> {
            for (float v : w) {
                assertTrue(Float.isFinite(v));
            }
        });
    }

    /** 150 examples of 6 features in 3 classes: 5 batches of 32 a pass (the last one short). */
    private static Dataset table() {
        Generator g = new Generator(4);
        return new Dataset("toy", Tensor.randn(g, 150, 6), Tensor.randint(g, 0, 3, 150), List.of("a", "b", "c"));
    }

    @Test
    void stepsOnTheBuffersOfTheStepBeforeTrainAsStepsOnNewOnes() {
        GPT reusing = gpt();
        GPT fresh = gpt();
        History a = RECIPE.trainer(reusing).fit(RECIPE.training(TEXT, BLOCK), null, RECIPE.fitConfig());
        History b = RECIPE.trainer(fresh).fit(RECIPE.training(TEXT, BLOCK), null, RECIPE.fitConfig().withReusedBuffers(false));
        assertEquals(b.epochs().stream().map(EpochResult::trainLoss).toList(),
                a.epochs().stream().map(EpochResult::trainLoss).toList());
        Map<String, float[]> expected = weights(fresh);
        weights(reusing).forEach((name, w) -> assertArrayEquals(expected.get(name), w, name));
    }

    @Test
    void aTensorKeptPastItsStepFailsWithTheWayOut() {
        Linear model = new Linear(6, 8, new Generator(1));
        List<Tensor> kept = new ArrayList<>();
        Trainer keeping = new Trainer(model, new SGD(model.parameters(), SGD.Config.DEFAULT.withLr(1e-3)),
                LossFunction.mse()) {
            @Override
            protected Tensor batchLoss(Batch batch) {
                if (!kept.isEmpty()) {
                    kept.get(0).sum();   // the output of the step before (64 x 8: a step buffer)
                }
                Tensor output = model.forward(batch.inputs());
                kept.add(output);
                return LossFunction.mse().apply(output, batch.targets());
            }
        };
        Dataset data = new Dataset("regression", Tensor.randn(new Generator(2), 512, 6), Tensor.randn(new Generator(3), 512, 8),
                List.of());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> keeping.fit(data, null, FitConfig.DEFAULT.withEpochs(1)));
        assertTrue(e.getMessage().contains("FitConfig.withReusedBuffers(false)"), e.getMessage());
        kept.clear();
        keeping.fit(data, null, FitConfig.DEFAULT.withEpochs(1).withReusedBuffers(false));
        assertEquals(8, kept.size());
        assertEquals(64 * 8, kept.get(0).toFloatArray().length, "kept without reuse, readable later");
    }

    @Test
    void aBudgetInStepsEndsInsideAPassAndAStepScheduleRunsEveryStep() {
        Linear model = new Linear(6, 3, new Generator(1));
        Trainer trainer = new Trainer(model, new SGD(model.parameters(), SGD.Config.DEFAULT.withLr(1e-3)),
                LossFunction.crossEntropy());
        List<TrainingPlan> plans = new ArrayList<>();
        History h = trainer.fit(table(), null, FitConfig.DEFAULT.withBatchSize(32).withSteps(12)
                .withStepSchedule((base, t) -> base * (t + 1)), new Callback() {
                    @Override
                    public void onTrainBegin(TrainingPlan plan) {
                        plans.add(plan);
                    }
                });
        assertEquals(new TrainingPlan(Budget.steps(12), 5, 12, 1, 0, dev.backprop.data.BatchSource.Unit.EXAMPLES), plans.get(0));
        assertEquals(3, plans.get(0).epochs());
        assertEquals(List.of(5L, 10L, 12L), h.epochs().stream().map(EpochResult::step).toList());
        assertEquals(List.of(150, 150, 64), h.epochs().stream().map(EpochResult::examples).toList());
        assertEquals(12e-3, h.last().lr(), 1e-15, "the rate of step 11 (from 0): the schedule ran before every step");
    }

    @Test
    void gradientTransformsRunAtTheOneHookBetweenBackwardAndTheStep() {
        Linear model = new Linear(6, 3, new Generator(1));
        float[] start = model.stateDict().get("weight").toFloatArray();
        Trainer trainer = new Trainer(model, new SGD(model.parameters(), SGD.Config.DEFAULT.withLr(0.1)),
                LossFunction.crossEntropy());
        int[] calls = {0};
        trainer.addGradientTransform(params -> {
            calls[0]++;
            assertTrue(params.get(0).grad() != null, "backward has run");
            for (Tensor p : params) {
                p.grad().mulInPlace(0f);   // e.g. an all-reduce that found every worker's gradient zero
            }
        });
        trainer.fit(table(), null, FitConfig.DEFAULT.withBatchSize(32).withEpochs(2).withClipNorm(1));
        assertEquals(10, calls[0]);
        assertArrayEquals(start, model.stateDict().get("weight").toFloatArray(), "zero gradients, no change: the step came after");
    }
}
