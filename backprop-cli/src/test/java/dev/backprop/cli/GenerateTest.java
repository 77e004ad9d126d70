package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --model gpt} and {@code generate} end to end on a small text, and their messages for bad input. */
class GenerateTest {

    @Test
    void aGptTrainedFromTheCommandLineContinuesItsTextAndBadInputIsNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tinyshakespeare.txt"), "ROMEO: to be or not to be.\n".repeat(80));
        Path model = dir.resolve("gpt.safetensors");
        CliRun train = CliRun.of("train", "--dataset", "tinyshakespeare", "--data", dir.toString(),
                "--model", "gpt:layers=1,heads=2,embd=32,block=32", "--iters", "400", "--warmup", "10", "--lr", "1e-2",
                "--batch", "8", "--eval-every", "100", "--out", model.toString());
        assertEquals(0, train.exit(), train.out() + train.err());
        assertTrue(train.out().contains("step 100/400  loss") && train.out().contains("tokens/s on average"), train.out());
        double validation = Double.parseDouble(train.lastLine().replaceAll(".*: ([0-9.]+) nats/char", "$1"));
        assertTrue(validation < 0.2, train.out());

        CliRun gen = CliRun.of("generate", model.toString(), "--prompt", "ROMEO: to be or", "--tokens", "40",
                "--temperature", "0");
        assertEquals(0, gen.exit(), gen.err());
        assertTrue(gen.out().startsWith("ROMEO: to be or not to be.\nROMEO: to be or not"), gen.out());
        // The rate, overall and over the characters after the warm-up (half of so short a run).
        assertTrue(gen.err().matches("(?s).*40 characters in [0-9.]+ s \\([0-9,]+ characters/s; [0-9,]+/s once warm,"
                + " after the first 20\\)\\R"), gen.err());

        CliRun outside = CliRun.of("generate", model.toString(), "--prompt", "JULIET:");
        assertEquals(1, outside.exit());
        assertTrue(outside.err().contains("--prompt: the character 'J' (U+004A) at position 0 is not in the vocabulary"),
                outside.err());

        CliRun longPrompt = CliRun.of("generate", model.toString(), "--prompt", "to be or not to be. ".repeat(3), "--tokens", "5");
        assertEquals(0, longPrompt.exit(), longPrompt.err());
        assertTrue(longPrompt.err().contains("the prompt has 60 characters; the model's context is 32, so it reads the last 32"),
                longPrompt.err());

        CliRun evaluate = CliRun.of("evaluate", model.toString());
        assertEquals(1, evaluate.exit());
        assertTrue(evaluate.err().contains("a language model over characters; evaluate needs a classifier")
                && evaluate.err().contains("decoder instead: ./backprop generate " + model), evaluate.err());

        CliRun epochs = CliRun.of("train", "--dataset", "tinyshakespeare", "--data", dir.toString(), "--model", "gpt", "--epochs", "2");
        assertEquals(1, epochs.exit());
        assertTrue(epochs.err().contains("--epochs: not for model 'gpt:layers=4,heads=4,embd=128,block=64': they shape"
                + " training by epochs over a dataset"), epochs.err());
    }

    @Test
    void aGptRunHasTheLoopsCheckpointsReportDashboardNanPolicyAndAnomalyDetection(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tinyshakespeare.txt"), "ROMEO: to be or not to be.\n".repeat(80));
        Path ckpt = dir.resolve("ckpt");
        Path report = dir.resolve("report");
        String[] args = {"train", "--dataset", "tinyshakespeare", "--data", dir.toString(),
                "--model", "gpt:layers=1,heads=2,embd=16,block=16", "--iters", "60", "--warmup", "5", "--batch", "4",
                "--eval-every", "20", "--checkpoint-dir", ckpt.toString(), "--checkpoint-every", "7", "--keep", "2",
                "--report", report.toString(), "--dashboard", "--on-nan", "skip", "--detect-anomalies", "--patience", "5"};
        CliRun train = CliRun.of(args);
        assertEquals(0, train.exit(), train.out() + train.err());
        assertTrue(train.out().contains("dashboard: http://127.0.0.1:"), train.out());
        assertTrue(train.out().contains("step 60/60  loss") && train.out().contains("steady (after 12 warm-up steps)"),
                train.out());
        assertTrue(Files.exists(report.resolve("index.html")) && Files.exists(report.resolve("loss.png"))
                && Files.exists(report.resolve("gradients.png")), "the report's page and charts");
        try (var files = Files.list(ckpt)) {
            assertEquals(List.of("checkpoint-e0004-b000000.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList().subList(1, 2),
                    "the newest two are kept; the last marks the end of the third stretch of 20 steps");
        }
        double validation = Double.parseDouble(train.lastLine().replaceAll(".*: ([0-9.]+) nats/char", "$1"));

        CliRun patience = CliRun.of(java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--resume", ckpt.toString())).toArray(String[]::new));
        assertEquals(1, patience.exit());
        assertTrue(patience.err().contains("--resume cannot be combined with --patience"), patience.err());
        String[] resume = java.util.Arrays.copyOf(args, args.length - 2);
        CliRun resumed = CliRun.of(java.util.stream.Stream.concat(java.util.Arrays.stream(resume),
                java.util.stream.Stream.of("--resume", ckpt.toString())).toArray(String[]::new));
        assertEquals(0, resumed.exit(), resumed.err());
        assertEquals(validation, Double.parseDouble(resumed.lastLine().replaceAll(".*: ([0-9.]+) nats/char", "$1")),
                "resuming a finished run changes nothing: " + resumed.out());
    }

    @Test
    void theGraphOfAGptShowsItsAttentionAndItsEmbeddings() {
        CliRun r = CliRun.of("graph", "--model", "gpt:layers=1,heads=2,embd=8,block=4", "--classes", "5");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("self_attention") && r.out().contains("wte.weight")
                && r.out().contains("cross_entropy"), r.out());
    }

    @Test
    void generatingFromAClassifierSaysWhatTheFileHolds(@TempDir Path dir) {
        Path model = dir.resolve("digits.safetensors");
        assertEquals(0, CliRun.of("train", "--model", "mlp:16", "--epochs", "1", "--out", model.toString()).exit());
        CliRun r = CliRun.of("generate", model.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("holds a mlp 64-16-10 relu trained on digits, not a GPT language model")
                && r.err().contains(": ./backprop train --dataset tinyshakespeare --model gpt"), r.err());
    }
}
