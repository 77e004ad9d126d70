package dev.backprop.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server over real HTTP on loopback: the protocol's routes, batching, overload, bad input, timeouts, shutdown. */
class ModelServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static ModelServer server;

    @BeforeAll
    static void start() throws Exception {
        Map<String, Servable> models = new LinkedHashMap<>();
        models.put("iris", Servable.of(Models.copy(Models.iris())));
        models.put("digits", Servable.of(Models.copy(Models.digits())));
        models.put("table", Servable.of(Models.copy(Models.regressor())));
        models.put("spam", Servable.of(Models.copy(Models.spam())));
        server = ModelServer.start(ServeConfig.defaults().withAddress("127.0.0.1", 0)
                .withLimits(64 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(10)), models);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    static Reply get(ModelServer s, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(s.uri().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), r);
    }

    static Reply post(ModelServer s, String path, String contentType, String body) throws Exception {
        return postAsync(s, path, contentType, body).get();
    }

    static CompletableFuture<Reply> postAsync(ModelServer s, String path, String contentType, String body) {
        HttpRequest req = HttpRequest.newBuilder(s.uri().resolve(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(r -> new Reply(r.statusCode(), r.body(), r));
    }

    static String inferBody(String input, String datatype, long[] shape, String data, String extra) {
        return "{\"id\":\"req-1\",\"inputs\":[{\"name\":\"" + input + "\",\"shape\":" + Arrays.toString(shape)
                + ",\"datatype\":\"" + datatype + "\",\"data\":" + data + "}]" + extra + "}";
    }

    static String numbers(float[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",").append(values[i]);
        }
        return sb.append(']').toString();
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    /** The reply is the error {@code status} and its message says {@code says}. */
    static void assertProblem(Reply r, int status, String says) throws Exception {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.json().get("error").asText().contains(says), r.body());
    }

    static JsonNode output(JsonNode response, String name) {
        for (JsonNode o : response.get("outputs")) {
            if (o.get("name").asText().equals(name)) {
                return o;
            }
        }
        throw new AssertionError("no output " + name + " in " + response);
    }

    @Test
    void healthAndMetadataRoutesAnswerAsTheProtocolSays() throws Exception {
        assertEquals(200, get(server, "/v2/health/live").status());
        Reply ready = get(server, "/v2/health/ready");
        assertEquals(200, ready.status());
        assertTrue(ready.json().get("ready").asBoolean());
        assertEquals("backprop", get(server, "/v2").json().get("name").asText());

        JsonNode iris = get(server, "/v2/models/iris").json();
        assertEquals("iris", iris.get("name").asText());
        JsonNode input = iris.get("inputs").get(0);
        assertEquals("input", input.get("name").asText());
        assertEquals("FP32", input.get("datatype").asText());
        assertEquals("[-1,4]", input.get("shape").toString());
        assertEquals(List.of("logits", "probabilities", "label"),
                iris.get("outputs").findValuesAsText("name"));
        assertEquals("[\"setosa\",\"versicolor\",\"virginica\"]", iris.get("parameters_classes").toString());
        assertEquals("[-1,1,28,28]", get(server, "/v2/models/digits").json().get("inputs").get(0).get("shape").toString());
        JsonNode spam = get(server, "/v2/models/spam").json().get("inputs").get(0);
        assertEquals("text", spam.get("name").asText());
        assertEquals("BYTES", spam.get("datatype").asText());
        assertEquals(List.of("logits"), get(server, "/v2/models/table").json().get("outputs").findValuesAsText("name"));
        assertTrue(get(server, "/v2/models/iris/ready").json().get("ready").asBoolean());

        Reply missing = get(server, "/v2/models/roses");
        assertProblem(missing, 404, "[iris, digits, table, spam]");
        assertEquals("[\"iris\",\"digits\",\"table\",\"spam\"]", get(server, "/models").json().get("models").toString());
        JsonNode openApi = get(server, "/openapi.json").json();
        assertEquals("3.0.3", openApi.get("openapi").asText());
        assertTrue(openApi.get("paths").has("/v2/models/{name}/infer"));
        Reply wrongMethod = get(server, "/v2/models/iris/infer");
        assertEquals(405, wrongMethod.status());
        assertEquals("POST", wrongMethod.raw().headers().firstValue("Allow").orElse(""));
    }

    @Test
    void inferenceAnswersWhatPredictComputesInProcess() throws Exception {
        float[] raw = Models.rows(10, 5, 4, 7f);
        Reply r = post(server, "/v2/models/iris/infer", "application/json",
                inferBody("input", "FP32", new long[] {5, 4}, numbers(raw), ""));
        assertEquals(200, r.status(), r.body());
        JsonNode body = r.json();
        assertEquals("iris", body.get("model_name").asText());
        assertEquals("req-1", body.get("id").asText());
        float[] expected = Models.expected(Models.iris(), raw, 5, 4);
        JsonNode logits = output(body, "logits");
        assertEquals("[5,3]", logits.get("shape").toString());
        assertArrayEquals(expected, floats(logits.get("data")), 1e-5f);
        float[] p = floats(output(body, "probabilities").get("data"));
        List<String> classes = List.of("setosa", "versicolor", "virginica");
        for (int row = 0; row < 5; row++) {
            assertEquals(1.0, p[row * 3] + p[row * 3 + 1] + p[row * 3 + 2], 1e-5);
            int best = InferenceProtocol.argmax(expected, row, 3);
            assertEquals(classes.get(best), output(body, "label").get("data").get(row).asText());
            assertEquals(Math.exp(expected[row * 3 + best]) / (Math.exp(expected[row * 3]) + Math.exp(expected[row * 3 + 1])
                    + Math.exp(expected[row * 3 + 2])), p[row * 3 + best], 1e-5);
        }
        // only the outputs asked for; INT32 data read as numbers
        Reply labelsOnly = post(server, "/v2/models/iris/infer", "application/json",
                inferBody("input", "INT32", new long[] {1, 4}, "[5, 3, 1, 0]", ",\"outputs\":[{\"name\":\"label\"}]"));
        assertEquals(200, labelsOnly.status(), labelsOnly.body());
        assertEquals(List.of("label"), labelsOnly.json().get("outputs").findValuesAsText("name"));
        assertEquals(classes.get(InferenceProtocol.argmax(Models.expected(Models.iris(), new float[] {5, 3, 1, 0}, 1, 4), 0, 3)),
                output(labelsOnly.json(), "label").get("data").get(0).asText());

        // images: nested [2, 1, 28, 28] and flattened [2, 784] give the same answer
        float[] pixels = Models.rows(11, 2, 784, 255f);
        float[] digits = Models.expected(Models.digits(), pixels, 2, 1, 28, 28);
        StringBuilder nested = new StringBuilder("[");
        for (int n = 0; n < 2; n++) {
            nested.append(n == 0 ? "[[" : ",[[");
            for (int y = 0; y < 28; y++) {
                nested.append(y == 0 ? "" : ",").append(numbers(Arrays.copyOfRange(pixels, n * 784 + y * 28, n * 784 + y * 28 + 28)));
            }
            nested.append("]]");
        }
        nested.append(']');
        for (String[] form : new String[][] {{"[2, 1, 28, 28]", nested.toString()}, {"[2, 784]", numbers(pixels)}}) {
            Reply d = post(server, "/v2/models/digits/infer", "application/json",
                    "{\"inputs\":[{\"name\":\"input\",\"shape\":" + form[0] + ",\"datatype\":\"FP32\",\"data\":" + form[1] + "}]}");
            assertEquals(200, d.status(), d.body());
            assertArrayEquals(digits, floats(output(d.json(), "logits").get("data")), 1e-4f);
        }
        // texts
        List<String> texts = List.of("Click for free money", "agenda for the meeting tomorrow");
        Reply t = post(server, "/v2/models/spam/infer", "application/json",
                inferBody("text", "BYTES", new long[] {2}, JSON.writeValueAsString(texts), ""));
        assertEquals(200, t.status(), t.body());
        assertArrayEquals(Models.expectedText(texts), floats(output(t.json(), "logits").get("data")), 1e-5f);
        // a regressor
        float[] table = Models.rows(12, 3, 3, 2f);
        Reply reg = post(server, "/v2/models/table/infer", "application/json",
                inferBody("input", "FP64", new long[] {3, 3}, numbers(table), ""));
        assertEquals(200, reg.status(), reg.body());
        assertArrayEquals(Models.expected(Models.regressor(), table, 3, 3), floats(output(reg.json(), "logits").get("data")), 1e-5f);
    }

    @Test
    void theConvenienceRouteTakesJsonCsvAndText() throws Exception {
        float[] raw = {5.1f, 3.5f, 1.4f, 0.2f, 6.7f, 3.0f, 5.2f, 2.3f};
        float[] expected = Models.expected(Models.iris(), raw, 2, 4);
        List<String> classes = List.of("setosa", "versicolor", "virginica");
        Reply json = post(server, "/models/iris/predict?top=2", "application/json",
                "{\"instances\": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}");
        Reply csv = post(server, "/models/iris/predict?top=2", "text/csv",
                "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n");
        for (Reply r : List.of(json, csv)) {
            assertEquals(200, r.status(), r.body());
            JsonNode predictions = r.json().get("predictions");
            assertEquals(2, predictions.size());
            for (int row = 0; row < 2; row++) {
                JsonNode p = predictions.get(row);
                assertEquals(classes.get(InferenceProtocol.argmax(expected, row, 3)), p.get("label").asText());
                assertEquals(InferenceProtocol.softmax(expected, row, 3)[InferenceProtocol.argmax(expected, row, 3)],
                        p.get("probability").asDouble(), 1e-5);
                assertEquals(2, p.get("top").size());
            }
        }
        String mail = "Subject: free money\n\nClick here for free money";
        Reply text = post(server, "/models/spam/predict", "text/plain", mail);
        assertEquals(200, text.status(), text.body());
        float[] spam = Models.expectedText(List.of(dev.backprop.text.mail.MailText.of(mail.getBytes(StandardCharsets.UTF_8))));
        assertEquals(List.of("ham", "spam").get(InferenceProtocol.argmax(spam, 0, 2)),
                text.json().get("predictions").get(0).get("label").asText());
        Reply values = post(server, "/models/table/predict", "application/json", "{\"instances\": [[1, 2, 3]]}");
        assertArrayEquals(Models.expected(Models.regressor(), new float[] {1, 2, 3}, 1, 3),
                floats(values.json().get("predictions").get(0).get("values")), 1e-5f);
        Reply image = post(server, "/models/iris/predict", "image/png", "not an image");
        assertProblem(image, 415, "model 'iris' takes 4 numbers (shape [-1, 4]), not an image");
        Reply tooShort = post(server, "/models/iris/predict", "application/json", "{\"instances\": [[1, 2, 3, 4], [1, 2]]}");
        assertProblem(tooShort, 400, "instances[1] has 2 values; model 'iris' takes 4");
    }

    /** An image upload: a 28x28 PNG to the LeNet, answered as the model answers its pixel values; wrong kinds named. */
    @Test
    void theConvenienceRouteTakesAnImageUpload() throws Exception {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        float[] pixels = new float[28 * 28];
        for (int y = 2; y < 26; y++) {
            for (int x = 2; x < 26; x++) {
                pixels[y * 28 + x] = (x * 37 + y * 11) % 256;   // a dark border, so the image is not inverted
                img.getRaster().setSample(x, y, 0, (int) pixels[y * 28 + x]);
            }
        }
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", png);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(server.uri().resolve("/models/digits/predict?top=10"))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(png.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        float[] expected = Models.expected(Models.digits(), pixels, 1, 1, 28, 28);
        JsonNode p = JSON.readTree(r.body()).get("predictions").get(0);
        assertEquals(String.valueOf(InferenceProtocol.argmax(expected, 0, 10)), p.get("label").asText());
        float[] probabilities = InferenceProtocol.softmax(expected, 0, 10);
        for (JsonNode t : p.get("top")) {
            assertEquals(probabilities[Integer.parseInt(t.get("label").asText())], t.get("probability").asDouble(), 1e-5);
        }
        Reply notAnImage = post(server, "/models/digits/predict", "image/png", "not an image");
        assertProblem(notAnImage, 400, "the image: not an image this JVM can read");
        Reply text = post(server, "/models/spam/predict", "image/jpeg", "x");
        assertProblem(text, 415, "model 'spam' takes texts, not an image");
    }

    /** Holds the first forward pass until released, so that requests queue behind it, deterministically. */
    static final class Gate implements UnaryOperator<Function<List<ServedModel.Rows>, float[]>> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean first = new AtomicBoolean(true);

        @Override
        public Function<List<ServedModel.Rows>, float[]> apply(Function<List<ServedModel.Rows>, float[]> forward) {
            return x -> {
                if (first.getAndSet(false)) {
                    entered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return forward.apply(x);
            };
        }
    }

    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(5);
        }
    }

    static CompletableFuture<Reply> inferRow(ModelServer s, float[] row) {
        return postAsync(s, "/v2/models/iris/infer", "application/json",
                inferBody("input", "FP32", new long[] {1, 4}, numbers(row), ",\"outputs\":[{\"name\":\"logits\"}]"));
    }

    static void assertAnswers(float[] row, Reply r) throws Exception {
        assertEquals(200, r.status(), r.body());
        assertArrayEquals(Models.expected(Models.iris(), row, 1, 4), floats(output(r.json(), "logits").get("data")), 1e-5f);
    }

    @Test
    void requestsThatQueueDuringAForwardPassShareTheNextAndEachGetsItsOwnAnswer() throws Exception {
        Gate gate = new Gate();
        try (ModelServer s = ModelServer.start(ServeConfig.defaults().withAddress("127.0.0.1", 0),
                Map.of("iris", Servable.of(Models.copy(Models.iris()))), gate)) {
            float[] firstRow = Models.rows(99, 1, 4, 8f);
            CompletableFuture<Reply> first = inferRow(s, firstRow);
            gate.entered.await();
            int clients = 23;
            List<CompletableFuture<Reply>> replies = new ArrayList<>();
            List<float[]> inputs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                float[] row = Models.rows(100 + c, 1, 4, 8f);
                inputs.add(row);
                replies.add(inferRow(s, row));
            }
            await("23 requests wait", () -> s.waiting("iris") == clients);
            gate.release.countDown();
            assertAnswers(firstRow, first.get());
            for (int c = 0; c < clients; c++) {
                assertAnswers(inputs.get(c), replies.get(c).get());
            }
            assertEquals(2, s.batches("iris"), "the first request alone, then the 23 that queued behind it together");
            String metrics = get(s, "/metrics").body();
            assertTrue(metrics.contains("backprop_requests_total{code=\"200\",model=\"iris\",route=\"infer\"} 24.0"), metrics);
            assertTrue(metrics.contains("backprop_batch_rows_count{model=\"iris\"} 2\n"), metrics);
            assertTrue(metrics.contains("backprop_batch_rows_bucket{model=\"iris\",le=\"16.0\"} 1\n"), metrics);
            assertTrue(metrics.contains("backprop_batch_rows_bucket{model=\"iris\",le=\"32.0\"} 2\n"), metrics);
            assertTrue(metrics.contains("backprop_queue_depth{model=\"iris\"} 0.0"), metrics);
            assertTrue(metrics.contains("backprop_request_duration_seconds_bucket"), metrics);
        }
    }

    @Test
    void aLoneRequestDoesNotWaitForABatch() throws Exception {
        try (ModelServer s = ModelServer.start(ServeConfig.defaults().withAddress("127.0.0.1", 0)
                .withBatching(64, Duration.ofSeconds(5), 16), Map.of("iris", Servable.of(Models.copy(Models.iris()))))) {
            float[] row = Models.rows(98, 1, 4, 8f);
            long start = System.nanoTime();
            assertAnswers(row, inferRow(s, row).get());
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(seconds < 2.5, "a lone request took " + seconds + " s with a 5 s batching delay");
        }
    }

    @Test
    void aFullQueueAnswers503AtOnceAndTheAcceptedRequestsAreAnsweredCorrectly() throws Exception {
        Gate gate = new Gate();
        try (ModelServer s = ModelServer.start(ServeConfig.defaults().withAddress("127.0.0.1", 0)
                .withBatching(64, Duration.ofMillis(2), 4), Map.of("iris", Servable.of(Models.copy(Models.iris()))), gate)) {
            float[] firstRow = Models.rows(199, 1, 4, 8f);
            CompletableFuture<Reply> first = inferRow(s, firstRow);
            gate.entered.await();
            List<CompletableFuture<Reply>> replies = new ArrayList<>();
            List<float[]> inputs = new ArrayList<>();
            for (int c = 0; c < 11; c++) {
                float[] row = Models.rows(200 + c, 1, 4, 8f);
                inputs.add(row);
                replies.add(inferRow(s, row));
            }
            // 4 wait; the other 7 are answered at once, while the forward pass is still held
            await("7 answers come back", () -> replies.stream().filter(CompletableFuture::isDone).count() == 7);
            assertEquals(4, s.waiting("iris"));
            gate.release.countDown();
            assertAnswers(firstRow, first.get());
            int ok = 0;
            int busy = 0;
            for (int c = 0; c < 11; c++) {
                Reply r = replies.get(c).get();
                if (r.status() == 200) {
                    ok++;
                    assertAnswers(inputs.get(c), r);
                } else {
                    busy++;
                    assertEquals(503, r.status(), r.body());
                    assertEquals("1", r.raw().headers().firstValue("Retry-After").orElse(""));
                    assertTrue(r.json().get("error").asText().contains("4 requests waiting"), r.body());
                }
            }
            assertEquals(4, ok);
            assertEquals(7, busy);
            assertEquals(2, s.batches("iris"));
        }
    }

    @Test
    void badInputGets4xxSayingWhatWasExpectedAndTheServerCarriesOn() throws Exception {
        String good = inferBody("input", "FP32", new long[] {1, 4}, "[5.1, 3.5, 1.4, 0.2]", "");
        Map<String, String[]> cases = new LinkedHashMap<>();
        cases.put("{\"inputs\": [", new String[] {"400", "not valid JSON"});
        cases.put("[1, 2]", new String[] {"400", "must be a JSON object"});
        cases.put("{}", new String[] {"400", "has no \"inputs\""});
        cases.put(inferBody("input", "FP32", new long[] {1, 5}, "[1, 2, 3, 4, 5]", ""), new String[] {"400", "takes [-1, 4]"});
        cases.put(inferBody("input", "FP32", new long[] {2, 4}, "[1, 2, 3, 4]", ""), new String[] {"400", "holds 8 values but \"data\" has 4"});
        cases.put(inferBody("input", "STRING", new long[] {1, 4}, "[1, 2, 3, 4]", ""), new String[] {"400", "datatype STRING"});
        cases.put(inferBody("input", "FP32", new long[] {1, 4}, "[1, NaN, 3, 4]", ""), new String[] {"400", "value 1 (row 0) is NaN"});
        cases.put(inferBody("input", "FP32", new long[] {1, 4}, "[1, \"two\", 3, 4]", ""), new String[] {"400", "must be numbers"});
        cases.put(inferBody("input", "INT32", new long[] {1, 4}, "[1, 2.5, 3, 4]", ""), new String[] {"400", "whole numbers"});
        cases.put(inferBody("features", "FP32", new long[] {1, 4}, "[1, 2, 3, 4]", ""), new String[] {"400", "one input named 'input'"});
        cases.put(inferBody("input", "BYTES", new long[] {1}, "[\"hello\"]", ""), new String[] {"400", "takes numbers"});
        cases.put(inferBody("input", "FP32", new long[] {1, 4}, "[1, 2, 3, 4]", ",\"outputs\":[{\"name\":\"scores\"}]"),
                new String[] {"400", "no output 'scores'"});
        cases.put(inferBody("input", "FP32", new long[] {0, 4}, "[]", ""), new String[] {"400", "at least 1 row"});
        cases.put(inferBody("input", "FP32", new long[] {1, 4000000000L}, "[1]", ""), new String[] {"400", "holds 4000000000 values but \"data\" has 1"});
        for (var c : cases.entrySet()) {
            Reply r = post(server, "/v2/models/iris/infer", "application/json", c.getKey());
            assertEquals(Integer.parseInt(c.getValue()[0]), r.status(), c.getKey() + " -> " + r.body());
            assertTrue(r.json().get("error").asText().contains(c.getValue()[1]), c.getKey() + " -> " + r.body());
        }
        Reply unknown = post(server, "/v2/models/roses/infer", "application/json", good);
        assertProblem(unknown, 404, "no model named 'roses'");
        Reply tooLarge = post(server, "/v2/models/iris/infer", "application/json", " ".repeat(70 * 1024) + good);
        assertProblem(tooLarge, 413, "at most 65536");
        // without a Content-Length (chunked), the limit holds while reading
        byte[] big = (" ".repeat(70 * 1024) + good).getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> chunked = HTTP.send(HttpRequest.newBuilder(server.uri().resolve("/v2/models/iris/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, chunked.statusCode(), chunked.body());
        assertTrue(chunked.body().contains("65536"), chunked.body());
        assertEquals("close", chunked.headers().firstValue("Connection").orElse(""), "the rest of the body is unread");
        Reply text = post(server, "/v2/models/spam/infer", "application/json",
                inferBody("text", "FP32", new long[] {1, 6}, "[1, 2, 3, 4, 5, 6]", ""));
        assertProblem(text, 400, "takes texts, datatype BYTES");

        Reply after = post(server, "/v2/models/iris/infer", "application/json", good);
        assertEquals(200, after.status(), after.body());
        assertArrayEquals(Models.expected(Models.iris(), new float[] {5.1f, 3.5f, 1.4f, 0.2f}, 1, 4),
                floats(output(after.json(), "logits").get("data")), 1e-5f);
    }

    @Test
    void aClientThatStopsSendingIsAnswered408AndDisconnected() throws Exception {
        try (ModelServer s = irisWithReadTimeout(400);
             Socket socket = new Socket("127.0.0.1", s.port())) {
            startBody(socket, "{\"inputs\"");
            long start = System.nanoTime();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);   // until closed
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("did not arrive within 400 ms"), answer);
            assertTrue(seconds < 5, "took " + seconds + " s");
            assertEquals(200, post(s, "/v2/models/iris/infer", "application/json",
                    inferBody("input", "FP32", new long[] {1, 4}, "[1, 2, 3, 4]", "")).status());
        }
    }

    @Test
    void aClientThatDribblesItsBodyPastTheDeadlineIsAnswered408() throws Exception {
        // a byte every 100 ms never trips the 400 ms idle timeout; the deadline for the whole body stops it
        try (ModelServer s = irisWithReadTimeout(400);
             Socket socket = new Socket("127.0.0.1", s.port())) {
            OutputStream out = startBody(socket, "");
            long start = System.nanoTime();
            InputStream in = socket.getInputStream();
            int sent = 0;
            try {
                while (sent < 40 && in.available() == 0) {
                    out.write(' ');
                    out.flush();
                    sent++;
                    Thread.sleep(100);
                }
            } catch (IOException closedByServer) {
                // the server answered and closed while we were still sending: what we expect
            }
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("did not arrive within 400 ms"), answer);
            assertTrue(sent < 40, "the server waited for all " + sent + " bytes, " + seconds + " s");
            assertTrue(seconds < 2, "took " + seconds + " s");
        }
    }

    @Test
    void aBodyDeclaredFarPastTheLimitIsRefusedBeforeItArrives() throws Exception {
        // 1 MiB limit; 50 MB declared is more than the server drains, so it answers at once, not at the read timeout
        try (ModelServer s = irisWithReadTimeout(5000);
             Socket socket = new Socket("127.0.0.1", s.port())) {
            socket.setSoTimeout(10_000);
            long start = System.nanoTime();
            socket.getOutputStream().write(("POST /v2/models/iris/infer HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.contains("the body is 50000000 bytes"), answer);
            assertTrue(seconds < 2, "took " + seconds + " s");
        }
    }

    private static ModelServer irisWithReadTimeout(int millis) throws Exception {
        return ModelServer.start(ServeConfig.defaults().withAddress("127.0.0.1", 0)
                .withLimits(1 << 20, Duration.ofMillis(millis), Duration.ofSeconds(5)),
                Map.of("iris", Servable.of(Models.copy(Models.iris()))));
    }

    /** Sends the head of a POST whose body is 100 bytes long, and the first of them; returns the stream for the rest. */
    private static OutputStream startBody(Socket socket, String bodyStart) throws IOException {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v2/models/iris/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n" + bodyStart).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return out;
    }

    @Test
    void closingAnswersTheRequestsInFlightThenRefusesConnections() throws Exception {
        Gate gate = new Gate();
        ModelServer s = ModelServer.start(ServeConfig.defaults().withAddress("127.0.0.1", 0),
                Map.of("iris", Servable.of(Models.copy(Models.iris()))), gate);
        int port = s.port();
        List<CompletableFuture<Reply>> replies = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            float[] row = Models.rows(300 + c, 1, 4, 8f);
            inputs.add(row);
            replies.add(inferRow(s, row));
            if (c == 0) {
                gate.entered.await();
            }
        }
        await("5 requests wait", () -> s.waiting("iris") == 5);
        Thread closing = Thread.ofPlatform().start(s::close);
        await("the port is closed", () -> {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return false;
            } catch (IOException refused) {
                return true;
            }
        });
        assertTrue(closing.isAlive(), "close() returned with requests in flight");
        gate.release.countDown();
        closing.join(20_000);
        assertFalse(closing.isAlive());
        for (int c = 0; c < 6; c++) {
            assertAnswers(inputs.get(c), replies.get(c).get());
        }
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    }
}
