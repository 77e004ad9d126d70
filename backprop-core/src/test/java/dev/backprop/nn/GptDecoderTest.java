package dev.backprop.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Preprocessing;
import dev.backprop.data.TextCorpus;
import dev.backprop.io.ModelFile;
import dev.backprop.optim.schedule.WarmupCosineLR;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.History;
import dev.backprop.train.LanguageModelRecipe;
import java.nio.file.Path;
import java.util.List;
import dev.backprop.testing.GptLogits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generation with the key/value cache, sampling, GPT model files, the text corpus and the language-model loop. */
class GptDecoderTest {

    private static GPT smallGpt(int block) {
        return new GPT(new GPT.Config(7, 2, 2, 8, block), new Generator(3));
    }

    @Test
    void cachedDecodingGivesTheFullPassLogitsAndRestartsFromHalfTheContextWhenFull() {
        GPT gpt = smallGpt(8);
        GptDecoder decoder = gpt.decoder();
        int[] sequence = {1, 4, 2, 6, 0, 3, 5, 1, 2, 2, 4, 6};
        assertArrayEquals(GptLogits.last(gpt, new int[] {1, 4, 2}), decoder.start(new int[] {1, 4, 2}), 1e-5f);
        for (int n = 4; n <= 8; n++) {
            float[] cached = decoder.next(sequence[n - 1]);
            assertArrayEquals(GptLogits.last(gpt, java.util.Arrays.copyOf(sequence, n)), cached, 1e-5f, n + " tokens");
        }
        assertEquals(8, decoder.contextLength());
        // The 9th token does not fit: the decoder keeps the newest 4 (3 old and the new one).
        float[] afterRestart = decoder.next(sequence[8]);
        assertArrayEquals(GptLogits.last(gpt, java.util.Arrays.copyOfRange(sequence, 5, 9)), afterRestart, 1e-5f);
        assertEquals(4, decoder.contextLength());
        float[] following = decoder.next(sequence[9]);
        assertArrayEquals(GptLogits.last(gpt, java.util.Arrays.copyOfRange(sequence, 5, 10)), following, 1e-5f);
        // A prompt longer than the context is read from its last 8 tokens.
        assertArrayEquals(GptLogits.last(gpt, java.util.Arrays.copyOfRange(sequence, 4, 12)), decoder.start(sequence), 1e-5f);
        assertThrows(IllegalArgumentException.class, () -> decoder.start(new int[0]));
    }

    @Test
    void samplingHonoursTemperatureAndTopK() {
        float[] logits = {0.5f, 2.0f, 1.9f, -1f, 1.0f};
        Generator g = new Generator(9);
        assertEquals(1, GptDecoder.sample(logits, 0f, 0, g), "temperature 0 takes the highest score");
        int[] counts = new int[5];
        for (int i = 0; i < 20_000; i++) {
            counts[GptDecoder.sample(logits, 1f, 2, g)]++;
        }
        assertEquals(0, counts[0] + counts[3] + counts[4], "top-2 never draws the others");
        // softmax over {2.0, 1.9}: 0.525 and 0.475.
        assertEquals(0.525, counts[1] / 20_000.0, 0.015);
        assertThrows(IllegalArgumentException.class, () -> GptDecoder.sample(logits, -1f, 0, g));
    }

    @Test
    void aGptModelFileKeepsItsVocabularyAndSaysWhatItIs(@TempDir Path dir) throws Exception {
        GPT.Config config = new GPT.Config(4, 1, 2, 8, 6, 0.1f);
        GPT gpt = new GPT(config, new Generator(1));
        assertEquals(gpt.parameterCount(), config.parameterCount());
        Path file = dir.resolve("gpt.safetensors");
        ModelFile.save(file, new ModelFile.Model(new ModelSpec.Gpt(config), gpt,
                new ModelFile.Info("tinyshakespeare", List.of("\n", " ", "a", "b"), Preprocessing.NONE)));
        ModelFile.Model loaded = ModelFile.load(file);
        ModelFile.LanguageModel lm = loaded.languageModel(file.toString());
        assertEquals("\n ab", lm.tokenizer().vocabulary());
        assertEquals(config, lm.gpt().config());
        assertArrayEquals(GptLogits.last(gpt, new int[] {2, 3, 1}), GptLogits.last(lm.gpt(), new int[] {2, 3, 1}), 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loaded.requireFeatureModel("gpt.safetensors", "predict"));
        assertTrue(e.getMessage().contains("holds a gpt (1 layers, 2 heads, width 8, context 6, vocabulary 4, dropout 0.1)"
                + " trained on tinyshakespeare, a language model") && e.getMessage().contains("sample text from it"), e.getMessage());

        ModelSpec mlp = Architecture.parse("mlp:4").bind(new int[] {3}, 2);
        ModelFile.Model classifier = new ModelFile.Model(mlp, mlp.build(new Generator(0)),
                new ModelFile.Info("iris", List.of("a", "b"), Preprocessing.NONE));
        e = assertThrows(IllegalArgumentException.class, () -> classifier.languageModel("iris.safetensors"));
        assertTrue(e.getMessage().contains("iris.safetensors holds a mlp 3-4-2 relu trained on iris, not a GPT"), e.getMessage());
    }

    @Test
    void gptSpecsParseWithDefaultsAndNameBadKeys() {
        ModelSpec.Gpt spec = ((Architecture.Gpt) Architecture.parse("gpt:layers=2,block=32")).bind(new int[0], 65);
        assertEquals(new GPT.Config(65, 2, 4, 128, 32), spec.config());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Architecture.parse("gpt:depth=3"));
        assertTrue(e.getMessage().contains("'depth=3' is not one of layers=N"), e.getMessage());
    }

    @Test
    void dropoutActsOnlyWhileTraining() {
        GPT gpt = new GPT(new GPT.Config(5, 1, 1, 8, 4, 0.5f), new Generator(2));
        Tensor tokens = Tensor.fromArray(new float[] {1, 2, 3, 4}, 1, 4);
        gpt.train();
        assertNotEquals(gpt.forward(tokens).sum().item(), gpt.forward(tokens).sum().item());
        gpt.eval();
        assertEquals(gpt.forward(tokens).sum().item(), gpt.forward(tokens).sum().item());
    }

    @Test
    void theCorpusSplitsNinetyTenAndTargetsAreTheNextCharacter() {
        TextCorpus corpus = TextCorpus.of("abcdefghij".repeat(10), 0.1);
        assertEquals(90, corpus.trainSize());
        assertEquals(10, corpus.validationSize());
        dev.backprop.data.Batch b = corpus.batch(TextCorpus.Part.TRAIN, 3, 5, new Generator(1));
        float[] x = b.inputs().toFloatArray();
        float[] y = b.targets().toFloatArray();
        for (int i = 0; i < 15; i++) {
            assertEquals((x[i] + 1) % 10, y[i], "position " + i);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> corpus.batch(TextCorpus.Part.VALIDATION, 1, 10, new Generator(1)));
        assertTrue(e.getMessage().contains("windows of 10 tokens from a validation part of 10 tokens"), e.getMessage());
    }

    @Test
    void warmUpThenCosineDecay() {
        WarmupCosineLR s = new WarmupCosineLR(10, 110, 1e-4);
        assertEquals(1e-4, s.lr(1e-3, 0), 1e-12);
        assertEquals(1e-3, s.lr(1e-3, 9), 1e-12);
        assertEquals(1e-3, s.lr(1e-3, 10), 1e-12);
        assertEquals(5.5e-4, s.lr(1e-3, 60), 1e-12);
        assertEquals(1e-4, s.lr(1e-3, 110), 1e-12);
    }

    @Test
    void theLanguageModelLoopLearnsARepeatingText() {
        TextCorpus corpus = TextCorpus.of("the cat sat on the mat. ".repeat(60), 0.1);
        GPT gpt = new GPT(new GPT.Config(corpus.tokenizer().size(), 1, 2, 16, 16), new Generator(4));
        LanguageModelRecipe recipe = LanguageModelRecipe.DEFAULT.withIterations(300).withBatch(8)
                .withLr(1e-2, 1e-3).withWarmup(10).withEvaluation(0, 5);
        History h = recipe.fit(gpt, corpus);
        assertEquals(1, h.epochs().size(), "evaluation only at the end: one pass of 300 steps");
        assertEquals(300, h.last().step());
        double trainEstimate = recipe.trainer(gpt).evaluate(recipe.trainingEstimate(corpus, 16)).loss();
        // Random text over 11 characters costs ln 11 = 2.4 nats; the pattern is almost fully predictable.
        assertTrue(h.last().validation().loss() < 0.3 && trainEstimate < 0.3, h.last() + ", train estimate " + trainEstimate);
        assertTrue(h.speed().average() > 0 && h.speed().unit().name().equals("tokens"), h.speed().toString());
    }
}
