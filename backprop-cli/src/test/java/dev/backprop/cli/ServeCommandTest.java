package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code backprop serve} as a user runs it: a process of its own, a request, SIGTERM; and its argument errors. */
class ServeCommandTest {

    @Test
    void servesASavedModelInItsOwnProcessAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("digits.safetensors");
        assertEquals(0, CliRun.of("train", "--model", "mlp:16", "--epochs", "1", "--out", model.toString()).exit());
        Path log = dir.resolve("server.log");
        Process server = new ProcessBuilder(CommandRun.command(List.of("serve", "digits=" + model, "--port", "0")))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Pattern serving = Pattern.compile("(?m)^Serving digits on (http://\\S+) ");
            long deadline = System.nanoTime() + 60_000_000_000L;
            Matcher m;
            while (!(m = serving.matcher(java.nio.file.Files.readString(log))).find()) {
                assertTrue(server.isAlive() && System.nanoTime() < deadline, "the server did not start: "
                        + java.nio.file.Files.readString(log));
                Thread.sleep(50);
            }
            URI uri = URI.create(m.group(1));
            // 64 features of the 8x8 digits, 0-16 as in the data: the CSV route takes raw rows
            String row = "0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,"
                    + "11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0";
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri.resolve("/models/digits/predict"))
                    .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofString(row + "\n")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            Path csv = dir.resolve("row.csv");
            java.nio.file.Files.writeString(csv, row + "\n");
            CliRun predicted = CliRun.of("predict", model.toString(), csv.toString());
            String label = predicted.out().replaceAll("(?s)^row 1: class (\\S+) .*", "$1").strip();
            assertTrue(r.body().contains("\"label\":\"" + label + "\""), r.body() + " vs predict: " + predicted.out());

            server.destroy();   // SIGTERM
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server did not stop on SIGTERM");
            String said = java.nio.file.Files.readString(log);
            assertTrue(said.contains("stopping: answering the requests in flight"), said);
            assertEquals(143, server.exitValue(), "SIGTERM's exit status");
        } finally {
            server.destroyForcibly();
        }
    }

    @Test
    void badArgumentsAreNamed(@TempDir Path dir) throws Exception {
        CliRun missing = CliRun.of("serve", dir.resolve("nope.safetensors").toString(), "--port", "0");
        assertNotEquals(0, missing.exit());
        assertTrue(missing.err().contains("nope.safetensors does not exist"), missing.err());

        Path model = dir.resolve("m.safetensors");
        assertEquals(0, CliRun.of("train", "--model", "mlp:8", "--epochs", "1", "--out", model.toString()).exit());
        CliRun twice = CliRun.of("serve", "a=" + model, "a=" + model, "--port", "0");
        assertNotEquals(0, twice.exit());
        assertTrue(twice.err().contains("two models named 'a'"), twice.err());
        CliRun badBatch = CliRun.of("serve", model.toString(), "--max-batch", "0");
        assertNotEquals(0, badBatch.exit());
        assertTrue(badBatch.err().contains("maximum batch must be at least 1"), badBatch.err());
        CliRun badName = CliRun.of("serve", "my model=" + model, "--port", "0");
        assertNotEquals(0, badName.exit());
        assertTrue(badName.err().contains("'my model' is not a model name"), badName.err());
    }
}
