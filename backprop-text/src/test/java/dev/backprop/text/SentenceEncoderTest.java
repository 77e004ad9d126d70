package dev.backprop.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.backprop.nn.Linear;
import dev.backprop.nn.functional.Losses;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * all-MiniLM-L6-v2 imported from its ONNX file: the embeddings sentence-transformers publishes, the
 * encoder's output equal to ONNX Runtime's on a padded batch of sentences, long texts cut into
 * pieces, and gradients through every layer of the imported graph equal to finite differences.
 */
class SentenceEncoderTest {
    private static SentenceEncoder minilm;

    @BeforeAll
    static void load() throws Exception {
        minilm = SentenceEncoder.load(MiniLmFiles.onnx(), MiniLmFiles.tokenizer());
    }

    static List<String> sentences() {
        return List.of("I love sentence transformers.", "The cat sat on the mat.", "A man is playing a guitar.",
                "Stock markets fell sharply on Monday after the announcement.", "Hi!", "What is the capital of France?",
                "Paris is the capital and most populous city of France.", "Deep learning models need a lot of data.",
                "Backpropagation computes gradients by the chain rule.", "¿Dónde está la biblioteca?",
                "The quick brown fox jumps over the lazy dog.", "I'd like a cup of coffee, please.",
                "Transformers use self-attention to weigh the words of a sentence.", "It rained all day in Seattle.",
                "She won the chess tournament in 2019.", "Free money!!! Click here now to claim your prize",
                "Meeting moved to 3pm tomorrow, see the agenda attached.", "The mitochondria is the powerhouse of the cell.",
                "日本語の文も扱えます。", "Gradient descent takes small steps downhill.", "ok",
                "An apple a day keeps the doctor away, or so they say, though few doctors agree with it entirely.",
                "Emoji 🚀 are tokens too.", "Java runs on the JVM.");
    }

    @Test
    void theExampleSentenceHasSentenceTransformersEmbedding() {
        float[] e = minilm.embed(List.of("I love sentence transformers."))[0];
        assertEquals(384, e.length);
        assertEquals(36 + 13 + 6 + 6, minilm.encoder().fusedPatterns(), "dense layers, layer norms, GELUs, attention");
        assertEquals(-0.0803190097, e[0], 1e-4);
        assertEquals(-0.0561899580, e[383], 1e-4);
        double norm = 0;
        for (float v : e) {
            norm += v * v;
        }
        assertEquals(1.0, norm, 1e-5);
    }

    @Test
    void lastHiddenStateEqualsOnnxRuntimeOnAPaddedBatch() throws Exception {
        List<Encoding> batch = minilm.encode(sentences());
        int longest = batch.stream().mapToInt(Encoding::length).max().orElseThrow();
        Tensor ours;
        try (var off = GradMode.noGrad()) {
            ours = minilm.hidden(batch);
        }
        long[] ids = new long[batch.size() * longest];
        long[] mask = new long[ids.length];
        for (int i = 0; i < batch.size(); i++) {
            int[] e = batch.get(i).ids();
            for (int j = 0; j < e.length; j++) {
                ids[i * longest + j] = e[j];
                mask[i * longest + j] = 1;
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = {batch.size(), longest};
        try (OrtSession session = env.createSession(MiniLmFiles.onnx().toString(), new OrtSession.SessionOptions());
             OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor b = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor c = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape);
             OrtSession.Result r = session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
            OnnxTensor out = (OnnxTensor) r.get("last_hidden_state").orElseThrow();
            float[] expected = new float[(int) out.getInfo().getNumElements()];
            out.getFloatBuffer().get(expected);
            float[] actual = ours.toFloatArray();
            assertEquals(expected.length, actual.length);
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
            }
            assertTrue(worst <= 1e-4, "largest difference from ONNX Runtime " + worst + " over " + batch.size()
                    + " sentences padded to " + longest + " tokens");
        }
    }

    @Test
    void aLongTextIsEmbeddedInPiecesWeightedByTheirTokens() {
        String text = String.join(" ", java.util.Collections.nCopies(60, "Backprop trains networks on the JVM."));
        SentenceEncoder small = minilm.with(64, SentenceEncoder.LongText.CHUNK);
        List<Encoding> pieces = small.pieces(text);
        assertTrue(pieces.size() >= 7, pieces.size() + " pieces");
        assertTrue(pieces.stream().allMatch(p -> p.length() <= 64 && p.ids()[0] == 101 && p.ids()[p.length() - 1] == 102));
        float[] chunked = small.embed(List.of(text))[0];
        float[] sum = new float[384];
        try (var off = GradMode.noGrad()) {
            for (Encoding p : pieces) {
                float[] pooled = small.pooled(List.of(p)).toFloatArray();
                for (int j = 0; j < 384; j++) {
                    sum[j] += pooled[j] * p.length();
                }
            }
        }
        double norm = 0;
        for (float v : sum) {
            norm += v * v;
        }
        for (int j = 0; j < 384; j++) {
            assertEquals(sum[j] / Math.sqrt(norm), chunked[j], 1e-5);
        }
        float[] truncated = minilm.with(64, SentenceEncoder.LongText.TRUNCATE).embed(List.of(text))[0];
        float[] first = minilm.with(64, SentenceEncoder.LongText.TRUNCATE).embed(List.of(text.substring(0, 400)))[0];
        assertEquals(first[0], truncated[0], 1e-6, "truncating keeps the first 64 tokens");
    }

    @Test
    void headAndTailKeepsTheFirstAndLastTokensOfALongText() {
        String text = "Dear friend, you have won a prize. " + String.join(" ", java.util.Collections.nCopies(40,
                "Meeting notes follow.")) + " To unsubscribe reply with remove in the subject.";
        Encoding whole = minilm.with(512, SentenceEncoder.LongText.TRUNCATE).encode(List.of(text)).get(0);
        int n = whole.length();
        assertTrue(n > 100 && n < 512, n + " tokens");
        SentenceEncoder ends = minilm.with(16, SentenceEncoder.LongText.HEAD_AND_TAIL);
        Encoding cut = ends.encode(List.of(text)).get(0);
        assertEquals(16, cut.length());
        assertEquals(101, cut.ids()[0]);
        assertEquals(102, cut.ids()[15]);
        for (int i = 0; i < 7; i++) {
            assertEquals(whole.ids()[1 + i], cut.ids()[1 + i], "head token " + i);
            assertEquals(whole.ids()[n - 8 + i], cut.ids()[8 + i], "tail token " + i);
            assertEquals(whole.tokens().get(n - 8 + i), cut.tokens().get(8 + i));
        }
        assertEquals("subject", cut.tokens().get(13), "the text's last word is kept");
        float[] ids = ends.ids(List.of(text)).toFloatArray();
        for (int i = 0; i < 16; i++) {
            assertEquals(cut.ids()[i], (int) ids[i], "ids() cuts the same way, at " + i);
        }
        assertEquals(1, ends.pieces(text).size(), "one piece to embed");
        assertEquals(cut.ids()[9], ends.pieces(text).get(0).ids()[9]);
        Encoding shortText = ends.encode(List.of("Lunch at noon?")).get(0);
        assertEquals(minilm.encode(List.of("Lunch at noon?")).get(0).tokens(), shortText.tokens(), "a short text is whole");
        Encoding odd = minilm.with(15, SentenceEncoder.LongText.HEAD_AND_TAIL).encode(List.of(text)).get(0);
        assertEquals(whole.ids()[7], odd.ids()[7], "13 inner tokens: 7 from the head");
        assertEquals(whole.ids()[n - 7], odd.ids()[8], "and 6 from the tail");
    }

    @Test
    void gradientsReachEveryLayerOfTheImportedEncoderAndEqualFiniteDifferences() {
        Linear head = new Linear(384, 2, new Generator(3));
        List<Encoding> batch = minilm.encode(List.of("Free money, click now", "See you at the meeting"));
        Tensor labels = Tensor.of(1f, 0f);
        minilm.encoder().zeroGrad();
        Tensor loss = Losses.crossEntropy(head.forward(minilm.pooled(batch)), labels);
        loss.backward();
        Map<String, Tensor> params = minilm.encoder().namedParameters();
        long reached = params.values().stream().filter(p -> p.grad() != null).count();
        assertEquals(101, params.size(), "the 102 initializers but the integer position ids");
        assertEquals(params.size(), reached, "every parameter gets a gradient");
        List<String> checked = new ArrayList<>();
        for (String name : List.of("encoder.layer.0.attention.self.query.bias", "encoder.layer.5.output.LayerNorm.weight",
                "embeddings.LayerNorm.bias", "encoder.layer.3.intermediate.dense.bias")) {
            Tensor p = params.get(name);
            float[] g = p.grad().toFloatArray();
            for (int k = 0; k < 3; k++) {
                int i = (k * 131 + 7) % p.numel();
                double numeric = finiteDifference(head, batch, labels, p, i);
                assertEquals(numeric, g[i], 2e-3 + 2e-2 * Math.abs(numeric), name + "[" + i + "]");
                checked.add(name + "[" + i + "]");
            }
        }
        assertEquals(12, checked.size());
    }

    private static double finiteDifference(Linear head, List<Encoding> batch, Tensor labels, Tensor p, int i) {
        float step = 1e-2f;
        try (var off = GradMode.noGrad()) {
            float[] data = p.toFloatArray();
            float original = data[i];
            double[] losses = new double[2];
            for (int s = 0; s < 2; s++) {
                data[i] = original + (s == 0 ? step : -step);
                p.copyInPlace(Tensor.fromArray(data, p.shape().dims()));
                losses[s] = Losses.crossEntropy(head.forward(minilm.pooled(batch)), labels).item();
            }
            data[i] = original;
            p.copyInPlace(Tensor.fromArray(data, p.shape().dims()));
            return (losses[0] - losses[1]) / (2 * step);
        }
    }

    @Test
    void freezingTheLowestLayersIncludesTheWeightsTheExporterNamedItself() {
        EncoderClassifier all = new EncoderClassifier(minilm, 2, new Generator(1));
        try {
            all.freezeLowest(6);
            assertEquals(List.of(all.namedParameters().get("head.weight"), all.namedParameters().get("head.bias")),
                    all.trainableParameters(), "every encoder weight frozen, onnx::MatMul_* included");
            for (var p : all.parameters()) {
                p.setRequiresGrad(true);
            }
            List<String> frozen = all.freezeLowest(3);
            assertTrue(frozen.contains("encoder.layer.2.attention.output.dense.bias") && frozen.contains("onnx::MatMul_787")
                    && frozen.contains("embeddings.word_embeddings.weight"), frozen.toString());
            assertTrue(frozen.stream().noneMatch(n -> n.startsWith("encoder.layer.3.")), frozen.toString());
            long trained = all.trainableParameters().stream().mapToLong(Tensor::numel).sum();
            assertEquals(3 * 1_774_464 + 770, trained, "layers 3 to 5 and the head");
        } finally {
            for (var p : all.parameters()) {
                p.setRequiresGrad(true);   // the encoder is shared with the other tests
            }
        }
    }

    @Test
    void aSavedClassifierLoadsOnTheSamePretrainedGraphWithItsTunedWeights(@org.junit.jupiter.api.io.TempDir
                                                                           java.nio.file.Path dir) throws Exception {
        EncoderClassifier model = new EncoderClassifier(SentenceEncoder.load(MiniLmFiles.onnx(), MiniLmFiles.tokenizer())
                .with(32, SentenceEncoder.LongText.TRUNCATE), 2, new Generator(5));
        try (var off = GradMode.noGrad()) {
            Tensor w = model.namedParameters().get("encoder.encoder.layer.5.output.dense.bias");
            w.copyInPlace(w.add(0.25f));   // a "fine-tuned" weight, different from the pretrained file's
        }
        java.nio.file.Path file = dir.resolve("classifier.safetensors");
        TextClassifierFile.save(file, model, List.of("ham", "spam"));
        TextClassifierFile.Loaded loaded = TextClassifierFile.load(file,
                dev.backprop.data.DatasetLocator.standard(MiniLmFiles.folder(), false));
        assertEquals(List.of("ham", "spam"), loaded.classes());
        assertEquals(32, loaded.maxTokens());
        Tensor ids = model.encoder().ids(List.of("Free money, click now", "Lunch at noon?"));
        try (var off = GradMode.noGrad()) {
            float[] expected = model.eval().forward(ids).toFloatArray();
            float[] actual = loaded.model().eval().forward(ids).toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5);
            }
        }
        EncoderClassifier ends = new EncoderClassifier(model.encoder().with(32, SentenceEncoder.LongText.HEAD_AND_TAIL), 2,
                new Generator(5));
        java.nio.file.Path endsFile = dir.resolve("ends.safetensors");
        TextClassifierFile.save(endsFile, ends, List.of("ham", "spam"));
        dev.backprop.data.DatasetLocator locator = dev.backprop.data.DatasetLocator.standard(MiniLmFiles.folder(), false);
        assertEquals(SentenceEncoder.LongText.HEAD_AND_TAIL,
                TextClassifierFile.load(endsFile, locator).model().encoder().longText(), "the long-text rule is kept");
        dev.backprop.io.Safetensors.Contents saved = dev.backprop.io.Safetensors.read(endsFile);
        Map<String, String> older = new java.util.LinkedHashMap<>(saved.metadata());
        older.remove("long_text");
        java.nio.file.Path olderFile = dir.resolve("older.safetensors");
        dev.backprop.io.Safetensors.write(olderFile, saved.tensors(), older);
        assertEquals(SentenceEncoder.LongText.TRUNCATE,
                TextClassifierFile.load(olderFile, locator).model().encoder().longText(), "files from before kept the head");
        older.put("long_text", "SIDEWAYS");
        dev.backprop.io.Safetensors.write(olderFile, saved.tensors(), older);
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(dev.backprop.io.CorruptFileException.class,
                () -> TextClassifierFile.load(olderFile, locator)).getMessage().contains("long-text rule"));
        java.nio.file.Path other = dir.resolve("other.safetensors");
        dev.backprop.io.Safetensors.write(other, Map.of("x", Tensor.ones(2)), Map.of("format", "something-else"));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(dev.backprop.io.CorruptFileException.class,
                () -> TextClassifierFile.load(other, dev.backprop.data.DatasetLocator.standard(null, false)))
                .getMessage().contains("not a Backprop text classifier"));
    }
}
