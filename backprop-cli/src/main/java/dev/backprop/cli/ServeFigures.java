package dev.backprop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.data.Preprocessing;
import dev.backprop.io.ModelFile;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.ModelSpec;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import dev.backprop.text.MiniLm;
import dev.backprop.text.SentenceEncoder;
import dev.backprop.train.Evaluator;
import dev.backprop.train.LossFunction;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench --serve}: the model server under load, as a user runs it. The server ({@code ./backprop serve}, in a
 * process of its own) serves an MNIST MLP 784-256-256-10 and LeNet-5 (untrained: the time does not depend on the
 * weights) and all-MiniLM-L6-v2's embeddings; wrk, in another process, sends one-image (or one-sentence) inference
 * requests from 1, 8, 32 and 128 connections and reports throughput and latency percentiles. Beside each, the ceiling: the same model answering the same rows in this
 * process without HTTP (one row at a time for one client; batches of min(clients, max batch) rows otherwise). With
 * {@code --soak SECONDS}: hey holds 80% of the MLP's measured capacity for that long, while a checker sends distinct
 * inputs and compares every answer with the model run here, and the server's resident memory is sampled.
 */
final class ServeFigures {
    private static final int[] CLIENTS = {1, 8, 32, 128};
    private static final int MAX_BATCH = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeFigures() {
    }

    /** One load level: wrk's figures and the in-process ceiling for the same requests. */
    record Level(String model, int clients, double requestsPerSecond, double p50Ms, double p99Ms, long failed,
                 double ceilingPerSecond) {
    }

    /**
     * The soak's figures: hey's rate and latency (hey keeps the first million results for its percentiles), the
     * server's own count of its answers by status (from {@code /metrics}), the checker's, and resident memory.
     */
    record Soak(double seconds, double targetPerSecond, double requestsPerSecond, double p50Ms, double p99Ms,
                Map<String, Long> serverAnswers, long checked, long mismatched, List<Long> rssMb) {
    }

    static void run(boolean json, int seconds, int soakSeconds) throws Exception {
        requireTool("wrk");
        if (soakSeconds > 0) {
            requireTool("hey");
        }
        Path dir = Files.createTempDirectory("backprop-serve-bench");
        Map<String, ModelFile.Model> models = new LinkedHashMap<>();
        List<String> digits = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        ModelSpec mlp = new ModelSpec.Mlp(784, List.of(256, 256), 10, ActivationKind.RELU, 0f);
        ModelSpec lenet = new ModelSpec.LeNet5(1, 10);
        models.put("mlp", new ModelFile.Model(mlp, mlp.build(new Generator(1)),
                new ModelFile.Info("mnist", digits, Preprocessing.scale(255))));
        models.put("lenet", new ModelFile.Model(lenet, lenet.build(new Generator(2)),
                new ModelFile.Info("mnist", digits, Preprocessing.scale(255))));
        List<String> args = new ArrayList<>(List.of("serve", "--port", "0", "--max-batch", String.valueOf(MAX_BATCH)));
        for (var e : models.entrySet()) {
            Path file = dir.resolve(e.getKey() + ".safetensors");
            ModelFile.save(file, e.getValue());
            args.add(e.getKey() + "=" + file);
        }
        args.add(ServeCommand.MINILM);
        float[] pixels = Tensor.rand(new Generator(7), 784).mul(255f).toFloatArray();
        Path body = dir.resolve("request.json");
        Files.writeString(body, request(pixels));
        Path textBody = dir.resolve("text.json");
        Files.writeString(textBody, "{\"inputs\":[{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\""
                + SENTENCE + "\"]}]}");
        List<Target> targets = new ArrayList<>();
        for (String model : models.keySet()) {
            Evaluator local = new Evaluator(ModelFile.read(ModelFile.toBytes(models.get(model)), model).module(),
                    LossFunction.crossEntropy());
            targets.add(new Target(model, body, batch -> ceiling(local, pixels, batch, model.equals("lenet"))));
        }
        SentenceEncoder encoder = MiniLm.load();
        targets.add(new Target(ServeCommand.MINILM, textBody, batch -> textCeiling(encoder, batch)));

        Process server = new ProcessBuilder(CommandRun.command(args)).redirectErrorStream(true).start();
        try {
            URI uri = awaitServing(server);
            System.err.println("server: " + uri + " (pid " + server.pid() + ")");
            List<Level> levels = new ArrayList<>();
            for (Target t : targets) {
                URI infer = uri.resolve("/v2/models/" + t.model() + "/infer");
                Path script = dir.resolve(t.model() + ".lua");
                Files.writeString(script, luaScript(t.body()));
                wrk(infer, script, 8, 5);   // warm-up: the server's JIT and the batcher
                for (int c : CLIENTS) {
                    JsonNode w = wrk(infer, script, c, seconds);
                    double rps = w.get("requests").asDouble() / (w.get("duration_us").asDouble() / 1e6);
                    long failed = w.get("status").asLong() + w.get("connect").asLong() + w.get("read").asLong()
                            + w.get("timeout").asLong();
                    Level level = new Level(t.model(), c, rps, w.get("p50_us").asDouble() / 1000, w.get("p99_us").asDouble() / 1000,
                            failed, t.ceiling().applyAsDouble(Math.min(c, MAX_BATCH)));
                    levels.add(level);
                    System.err.println(describe(level));
                }
            }
            Soak soak = null;
            if (soakSeconds > 0) {
                double capacity = levels.stream().filter(l -> l.model().equals("mlp"))
                        .mapToDouble(Level::requestsPerSecond).max().orElseThrow();
                soak = soak(uri.resolve("/v2/models/mlp/infer"), body, server.pid(), 0.8 * capacity, soakSeconds,
                        new Evaluator(ModelFile.read(ModelFile.toBytes(models.get("mlp")), "mlp").module(),
                                LossFunction.crossEntropy()));
            }
            print(json, levels, soak);
        } finally {
            server.destroy();   // SIGTERM: the server answers what is in flight and stops
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private static void requireTool(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        throw new IllegalStateException("bench --serve needs " + tool + " as the load generator; on Debian: apt install "
                + tool);
    }

    private static URI awaitServing(Process server) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        Pattern serving = Pattern.compile("^Serving .* on (http://\\S+) ");
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            Matcher m = serving.matcher(line);
            if (m.find()) {
                Thread.ofVirtual().start(() -> {
                    try {
                        out.lines().forEach(l -> System.err.println("server: " + l));
                    } catch (java.io.UncheckedIOException closed) {
                        // the server has exited
                    }
                });
                return URI.create(m.group(1));
            }
        }
        throw new IllegalStateException("the server did not start:\n" + seen);
    }

    private static String request(float[] pixels) {
        StringBuilder sb = new StringBuilder("{\"inputs\":[{\"name\":\"input\",\"shape\":[1,784],\"datatype\":\"UINT8\",\"data\":[");
        for (int i = 0; i < pixels.length; i++) {
            sb.append(i == 0 ? "" : ",").append((int) pixels[i]);
        }
        return sb.append("]}],\"outputs\":[{\"name\":\"logits\"}]}").toString();
    }

    /** wrk's script: POSTs the body, and prints the summary as one JSON line when done. */
    private static String luaScript(Path body) {
        return String.join("\n",
                "local f = assert(io.open(\"" + body + "\", \"rb\"))",
                "wrk.method = \"POST\"",
                "wrk.body = f:read(\"*all\")",
                "f:close()",
                "wrk.headers[\"Content-Type\"] = \"application/json\"",
                "done = function(summary, latency, requests)",
                "  io.write(string.format('{\"requests\":%d,\"duration_us\":%d,\"status\":%d,\"connect\":%d,\"read\":%d,"
                        + "\"timeout\":%d,\"p50_us\":%d,\"p99_us\":%d}\\n', summary.requests, summary.duration,"
                        + " summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.timeout,"
                        + " latency:percentile(50), latency:percentile(99)))",
                "end", "");
    }

    private static JsonNode wrk(URI uri, Path script, int clients, int seconds) throws IOException, InterruptedException {
        List<String> command = List.of("wrk", "-t" + Math.min(2, clients), "-c" + clients, "-d" + seconds + "s",
                "--timeout", "10s", "-s", script.toString(), uri.toString());
        CommandRun run = CommandRun.run(command);
        for (String line : run.out().split("\n")) {
            if (line.startsWith("{\"requests\"")) {
                return JSON.readTree(line);
            }
        }
        throw new IllegalStateException("wrk gave no summary (exit " + run.exit() + "):\n" + run.out());
    }

    /** A model under load: its request body, and its in-process ceiling in rows per second for a batch size. */
    private record Target(String model, Path body, java.util.function.IntToDoubleFunction ceiling) {
    }

    /** Whether the in-process encoder has had its first, long warm-up. */
    private static boolean encoderWarm;

    /** The sentence each MiniLM request embeds (16 tokens with [CLS] and [SEP]). */
    private static final String SENTENCE = "The quick brown fox jumps over the lazy dog by the river bank.";

    /** Texts per second the encoder embeds here, without HTTP, in batches of {@code batch} copies of the sentence, for about 2 s after a warm-up. */
    private static double textCeiling(SentenceEncoder encoder, int batch) {
        List<String> texts = java.util.Collections.nCopies(batch, SENTENCE);
        // The encoder's many kernels take seconds to compile: 10 s before the first level (as the server had its
        // wrk warm-up), 2 s before each other.
        long warmNanos = encoderWarm ? 2_000_000_000L : 10_000_000_000L;
        encoderWarm = true;
        long warm = System.nanoTime();
        while (System.nanoTime() - warm < warmNanos) {
            encoder.embed(texts);
        }
        long start = System.nanoTime();
        long done = 0;
        while (System.nanoTime() - start < 2_000_000_000L) {
            encoder.embed(texts);
            done += batch;
        }
        return done / ((System.nanoTime() - start) / 1e9);
    }

    /** Rows per second the model answers here, without HTTP, in batches of {@code batch} copies of the row, for about 2 s. */
    private static double ceiling(Evaluator model, float[] pixels, int batch, boolean image) {
        float[] rows = new float[batch * pixels.length];
        for (int r = 0; r < batch; r++) {
            System.arraycopy(pixels, 0, rows, r * pixels.length, pixels.length);
        }
        Tensor x = Preprocessing.scale(255).apply(Tensor.fromArray(rows, batch, pixels.length));
        Tensor input = image ? x.reshape(batch, 1, 28, 28) : x;
        for (int i = 0; i < 20; i++) {
            model.predict(input, batch);
        }
        long start = System.nanoTime();
        long done = 0;
        while (System.nanoTime() - start < 2_000_000_000L) {
            model.predict(input, batch);
            done += batch;
        }
        return done / ((System.nanoTime() - start) / 1e9);
    }

    private static Soak soak(URI uri, Path body, long serverPid, double target, int seconds, Evaluator local)
            throws Exception {
        int clients = 32;
        List<String> hey = List.of("hey", "-z", seconds + "s", "-c", String.valueOf(clients), "-q",
                String.format(Locale.ROOT, "%.2f", target / clients), "-m", "POST", "-T", "application/json",
                "-D", body.toString(), uri.toString());
        List<Long> rss = new ArrayList<>();
        AtomicLong checked = new AtomicLong();
        AtomicLong mismatched = new AtomicLong();
        Path status = Path.of("/proc", String.valueOf(serverPid), "status");
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!stop.get()) {
                rss.add(CommandRun.statusMegabytes(status, "VmRSS:"));
                sleep(10_000);
            }
        });
        Thread checker = Thread.ofPlatform().daemon().start(() -> check(uri, local, stop, checked, mismatched));
        CommandRun run = CommandRun.run(hey);
        stop.set(true);
        checker.join();
        sampler.join();
        rss.add(CommandRun.statusMegabytes(status, "VmRSS:"));
        String out = run.out();
        if (out.contains("Error distribution:")) {
            System.err.println("hey reported errors:\n" + out.substring(out.indexOf("Error distribution:")));
        }
        return new Soak(seconds, target, number(out, "Requests/sec:\\s+([0-9.]+)"),
                1000 * number(out, "50%+ in ([0-9.]+) secs"), 1000 * number(out, "99%+ in ([0-9.]+) secs"),
                answers(uri), checked.get(), mismatched.get(), rss);
    }

    /** Sends distinct rows one after another and compares every answer with the model run here. */
    private static void check(URI uri, Evaluator local, java.util.concurrent.atomic.AtomicBoolean stop,
                              AtomicLong checked, AtomicLong mismatched) {
        HttpClient http = HttpClient.newHttpClient();
        long seed = 1000;
        while (!stop.get()) {
            float[] pixels = Tensor.rand(new Generator(seed++), 784).mul(255f).toFloatArray();
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (int) pixels[i];
            }
            float[] expected = local.predict(Preprocessing.scale(255).apply(Tensor.fromArray(pixels, 1, 784)), 1)
                    .toFloatArray();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(request(pixels))).build(), HttpResponse.BodyHandlers.ofString());
                boolean same = r.statusCode() == 200;
                if (same) {
                    JsonNode data = JSON.readTree(r.body()).get("outputs").get(0).get("data");
                    for (int j = 0; j < expected.length; j++) {
                        same &= Math.abs(data.get(j).asDouble() - expected[j]) <= 1e-4 * (1 + Math.abs(expected[j]));
                    }
                }
                checked.incrementAndGet();
                if (!same) {
                    mismatched.incrementAndGet();
                    System.err.println("checker: answer " + r.statusCode() + " differs: " + r.body());
                }
            } catch (IOException | InterruptedException e) {
                mismatched.incrementAndGet();
                System.err.println("checker: " + e);
            }
            sleep(100);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The server's count of its inference answers by status code, from its {@code /metrics}. */
    private static Map<String, Long> answers(URI infer) throws IOException, InterruptedException {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(infer.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Long> byCode = new java.util.TreeMap<>();
        Matcher m = Pattern.compile("^backprop_requests_total\\{code=\"(\\d+)\",model=\"mlp\",route=\"infer\"} ([0-9.E]+)$",
                Pattern.MULTILINE).matcher(metrics);
        while (m.find()) {
            byCode.put(m.group(1), (long) Double.parseDouble(m.group(2)));
        }
        return byCode;
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static String describe(Level l) {
        return String.format(Locale.ROOT, "%-6s %4d clients  %8.0f req/s  p50 %7.2f ms  p99 %7.2f ms  failed %d"
                        + "  | in-process %8.0f rows/s (%.0f%%)", l.model(), l.clients(), l.requestsPerSecond(), l.p50Ms(),
                l.p99Ms(), l.failed(), l.ceilingPerSecond(), 100 * l.requestsPerSecond() / l.ceilingPerSecond());
    }

    private static void print(boolean json, List<Level> levels, Soak soak) throws IOException {
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("cpu", dev.backprop.cpu.CpuInfo.current().toString());
            out.put("max_batch", MAX_BATCH);
            List<Object> rows = new ArrayList<>();
            for (Level l : levels) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("model", l.model());
                e.put("clients", l.clients());
                e.put("requests_per_second", Math.round(l.requestsPerSecond()));
                e.put("p50_ms", round(l.p50Ms()));
                e.put("p99_ms", round(l.p99Ms()));
                e.put("failed", l.failed());
                e.put("in_process_rows_per_second", Math.round(l.ceilingPerSecond()));
                rows.add(e);
            }
            out.put("load", rows);
            if (soak != null) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("seconds", soak.seconds());
                s.put("target_per_second", Math.round(soak.targetPerSecond()));
                s.put("requests_per_second", Math.round(soak.requestsPerSecond()));
                s.put("p50_ms", round(soak.p50Ms()));
                s.put("p99_ms", round(soak.p99Ms()));
                s.put("server_answers_by_status_whole_run", soak.serverAnswers());
                s.put("checked", soak.checked());
                s.put("wrong", soak.mismatched());
                s.put("rss_mb_every_10_s", soak.rssMb());
                out.put("soak", s);
            }
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
            return;
        }
        System.out.println(dev.backprop.cpu.CpuInfo.current() + "; server: ./backprop serve, max batch " + MAX_BATCH
                + ", 2 ms delay; load: wrk on the same machine");
        for (Level l : levels) {
            System.out.println(describe(l));
        }
        if (soak != null) {
            System.out.println(String.format(Locale.ROOT, "soak %.0f s aiming at %.0f req/s (80%% of the MLP's best):"
                            + " %.0f req/s, p50 %.2f ms, p99 %.2f ms; the server's MLP answers by status over the whole run: %s; checker: %d"
                            + " distinct requests, %d wrong; server resident memory (MB, every 10 s): %s", soak.seconds(),
                    soak.targetPerSecond(), soak.requestsPerSecond(), soak.p50Ms(), soak.p99Ms(), soak.serverAnswers(),
                    soak.checked(), soak.mismatched(), soak.rssMb()));
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
