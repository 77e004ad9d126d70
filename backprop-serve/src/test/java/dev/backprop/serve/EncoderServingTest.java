package dev.backprop.serve;

import static dev.backprop.serve.ModelServerTest.floats;
import static dev.backprop.serve.ModelServerTest.get;
import static dev.backprop.serve.ModelServerTest.inferBody;
import static dev.backprop.serve.ModelServerTest.output;
import static dev.backprop.serve.ModelServerTest.post;
import static dev.backprop.serve.ModelServerTest.postAsync;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.text.EncoderClassifier;
import dev.backprop.text.MiniLm;
import dev.backprop.text.SentenceEncoder;
import dev.backprop.text.TextClassifierFile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pretrained all-MiniLM-L6-v2 served for its sentence embeddings, and an encoder text classifier, over real
 * HTTP: each answer is what {@link SentenceEncoder#embed} (or the classifier's forward pass) gives for that
 * request's own texts, whether it ran alone or in a batch with others.
 */
class EncoderServingTest {
    private static SentenceEncoder encoder;
    private static EncoderClassifier classifier;
    private static ModelServer server;

    @BeforeAll
    static void start() throws Exception {
        encoder = MiniLm.load().with(32, SentenceEncoder.LongText.CHUNK);
        classifier = new EncoderClassifier(MiniLm.load().with(32, SentenceEncoder.LongText.TRUNCATE), 2, new Generator(3));
        Map<String, Servable> models = new LinkedHashMap<>();
        models.put("minilm", Servable.embeddings(encoder));
        models.put("spam", Servable.textClassifier(new TextClassifierFile.Loaded(classifier, List.of("ham", "spam"))));
        server = ModelServer.start(ServeConfig.defaults().withAddress("127.0.0.1", 0), models);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String texts(List<String> texts) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < texts.size(); i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(texts.get(i)).append('"');
        }
        return sb.append(']').toString();
    }

    private static float[] flat(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[i].length, rows[i].length);
        }
        return out;
    }

    @Test
    void embeddingsAreTheEncodersOwnForEachRequestAloneOrBatched() throws Exception {
        JsonNode meta = get(server, "/v2/models/minilm").json();
        assertEquals("{\"name\":\"text\",\"datatype\":\"BYTES\",\"shape\":[-1]}", meta.get("inputs").get(0).toString());
        assertEquals("{\"name\":\"embedding\",\"datatype\":\"FP32\",\"shape\":[-1,384]}", meta.get("outputs").get(0).toString());

        // A text longer than the 32-token limit is embedded in pieces and averaged, as embed does.
        List<String> three = List.of("A cat sat on the mat.", "Stock markets fell sharply today.",
                "word ".repeat(70).trim());
        ModelServerTest.Reply r = post(server, "/v2/models/minilm/infer", "application/json",
                inferBody("text", "BYTES", new long[] {3}, texts(three), ""));
        assertEquals(200, r.status(), r.body());
        JsonNode out = output(r.json(), "embedding");
        assertEquals("[3,384]", out.get("shape").toString());
        assertArrayEquals(flat(encoder.embed(three)), floats(out.get("data")), 1e-4f);

        List<CompletableFuture<ModelServerTest.Reply>> replies = new ArrayList<>();
        List<String> sentences = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String s = "sentence number " + i + (i % 3 == 0 ? " with a few more words to pad it out" : "");
            sentences.add(s);
            replies.add(postAsync(server, "/models/minilm/predict", "application/json", "{\"instances\": [\"" + s + "\"]}"));
        }
        for (int i = 0; i < replies.size(); i++) {
            ModelServerTest.Reply p = replies.get(i).get();
            assertEquals(200, p.status(), p.body());
            float[] got = floats(p.json().get("predictions").get(0).get("embedding"));
            assertArrayEquals(encoder.embed(List.of(sentences.get(i)))[0], got, 1e-4f, sentences.get(i));
        }

        ModelServerTest.Reply numbers = post(server, "/v2/models/minilm/infer", "application/json",
                inferBody("text", "FP32", new long[] {1, 2}, "[1, 2]", ""));
        ModelServerTest.assertProblem(numbers, 400, "model 'minilm' takes texts, datatype BYTES");
    }

    @Test
    void aFineTunedEncoderClassifierAnswersLabelsForTexts() throws Exception {
        List<String> mails = List.of("Win a free prize now, click here", "Minutes of Tuesday's meeting attached");
        float[] expected;
        try (var off = GradMode.noGrad()) {
            expected = classifier.forward(classifier.encoder().ids(mails)).toFloatArray();
        }
        ModelServerTest.Reply r = post(server, "/v2/models/spam/infer", "application/json",
                inferBody("text", "BYTES", new long[] {2}, texts(mails), ""));
        assertEquals(200, r.status(), r.body());
        assertArrayEquals(expected, floats(output(r.json(), "logits").get("data")), 1e-4f);
        String label = expected[0] >= expected[1] ? "ham" : "spam";
        assertEquals(label, output(r.json(), "label").get("data").get(0).asText());

        ModelServerTest.Reply text = post(server, "/models/spam/predict", "text/plain", mails.get(0));
        assertEquals(200, text.status(), text.body());
        assertEquals(label, text.json().get("predictions").get(0).get("label").asText());
    }
}
