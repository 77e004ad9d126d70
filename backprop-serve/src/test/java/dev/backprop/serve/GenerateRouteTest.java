package dev.backprop.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.data.CharTokenizer;
import dev.backprop.data.Preprocessing;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.GPT;
import dev.backprop.nn.GptDecoder;
import dev.backprop.nn.ModelSpec;
import dev.backprop.tensor.Generator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A GPT through the protocol's generate extension: the same text as sampling in-process, and bad requests refused. */
class GenerateRouteTest {
    private static final String VOCABULARY = "\n !,.:?ABCDEIJLMNOQRSTUWabcdefghijklmnopqrstuvwxyz";

    static ModelFile.Model gpt() {
        ModelSpec.Gpt spec = new ModelSpec.Gpt(new GPT.Config(VOCABULARY.length(), 2, 2, 16, 16));
        List<String> chars = VOCABULARY.chars().mapToObj(c -> String.valueOf((char) c)).toList();
        return new ModelFile.Model(spec, spec.build(new Generator(5)), new ModelFile.Info("tiny", chars, Preprocessing.NONE));
    }

    /** What {@code ./backprop generate} samples for the same prompt and parameters. */
    static String expected(String prompt, int tokens, float temperature, int topK, long seed) throws Exception {
        ModelFile.LanguageModel lm = Models.copy(gpt()).languageModel("copy");
        CharTokenizer tokenizer = lm.tokenizer();
        GptDecoder decoder = lm.gpt().decoder();
        Generator generator = new Generator(seed);
        float[] logits = decoder.start(tokenizer.encode(prompt));
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            int next = GptDecoder.sample(logits, temperature, topK, generator);
            out.append(tokenizer.decode(new int[] {next}));
            if (i + 1 < tokens) {
                logits = decoder.next(next);
            }
        }
        return out.toString();
    }

    @Test
    void generatesWhatTheDecoderSamplesAndRefusesBadRequests() throws Exception {
        Map<String, Servable> models = new LinkedHashMap<>();
        models.put("tiny", Servable.of(Models.copy(gpt())));
        models.put("iris", Servable.of(Models.copy(Models.iris())));
        try (ModelServer s = ModelServer.start(ServeConfig.defaults().withAddress("127.0.0.1", 0), models)) {
            JsonNode meta = ModelServerTest.get(s, "/v2/models/tiny").json();
            assertEquals("text_input", meta.get("inputs").get(0).get("name").asText());
            assertEquals("text_output", meta.get("outputs").get(0).get("name").asText());
            assertEquals(16, meta.get("parameters_context").asInt());

            String body = "{\"text_input\": \"ROMEO:\", \"parameters\": {\"max_tokens\": 40, \"temperature\": 0.8,"
                    + " \"top_k\": 5, \"seed\": 3}}";
            ModelServerTest.Reply r = ModelServerTest.post(s, "/v2/models/tiny/generate", "application/json", body);
            assertEquals(200, r.status(), r.body());
            assertEquals(expected("ROMEO:", 40, 0.8f, 5, 3), r.json().get("text_output").asText());
            // the prompt is longer than the context: read from its end, as generate does
            String longPrompt = "MERCUTIO: O, then I see Queen Mab hath been with you.";
            ModelServerTest.Reply greedy = ModelServerTest.post(s, "/v2/models/tiny/generate", "application/json",
                    "{\"text_input\": \"" + longPrompt + "\", \"parameters\": {\"max_tokens\": 30, \"temperature\": 0}}");
            assertEquals(200, greedy.status(), greedy.body());
            assertEquals(expected(longPrompt, 30, 0f, 40, 0), greedy.json().get("text_output").asText());

            String[][] bad = {
                {"{\"text_input\": \"JULIET~\"}", "text_input: "},
                {"{\"text_input\": \"A\", \"parameters\": {\"max_tokens\": 0}}", "max_tokens is 0"},
                {"{\"text_input\": \"A\", \"parameters\": {\"max_tokens\": 100000}}", "give 1 to 4096"},
                {"{\"text_input\": \"A\", \"parameters\": {\"temperature\": -1}}", "temperature is -1.0"},
                {"{\"text_input\": \"A\", \"parameters\": {\"top_k\": 2.5}}", "parameters.top_k is 2.5"},
                {"{\"prompt\": \"A\"}", "expected {\"text_input\""},
                {"{\"text_input\": \"\"}", "text_input is empty"},
            };
            for (String[] c : bad) {
                ModelServerTest.Reply b = ModelServerTest.post(s, "/v2/models/tiny/generate", "application/json", c[0]);
                assertEquals(400, b.status(), c[0] + " -> " + b.body());
                assertTrue(b.json().get("error").asText().contains(c[1]), c[0] + " -> " + b.body());
            }
            ModelServerTest.Reply infer = ModelServerTest.post(s, "/v2/models/tiny/infer", "application/json", "{}");
            assertEquals(400, infer.status());
            assertTrue(infer.json().get("error").asText().contains("/v2/models/tiny/generate"), infer.body());
            assertEquals("[\"tiny\",\"iris\"]", ModelServerTest.get(s, "/models").json().get("models").toString());
            assertEquals(200, ModelServerTest.post(s, "/v2/models/tiny/generate", "application/json", body).status());
        }
    }
}
