package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.io.Safetensors;
import dev.backprop.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training in a separate JVM is killed with SIGKILL at random moments, resumed each time from its
 * checkpoint directory, and must end with exactly the weights of a run that was never interrupted;
 * after every kill, every file under a checkpoint name must load (no partial file is ever visible).
 * The same for a classifier trained by epochs and a GPT trained by steps (both with dropout, so the
 * model's generators must resume too).
 */
class KillAndResumeTest {
    private static final List<String> MLP = List.of("train", "--model", "mlp:128", "--dropout", "0.2", "--epochs", "8",
            "--batch", "16", "--seed", "3", "--checkpoint-every", "3");

    private static Process start(Path dir, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.backprop.cli.Main"));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("log-" + System.nanoTime() + ".txt").toFile())
                .start();
    }

    private static List<String> with(List<String> train, String... extra) {
        List<String> args = new ArrayList<>(train);
        args.addAll(List.of(extra));
        return args;
    }

    private static Map<String, float[]> tensors(Path file) throws IOException {
        Map<String, float[]> out = new java.util.TreeMap<>();
        Safetensors.read(file).tensors().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static boolean hasCheckpoint(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().matches("checkpoint-e\\d+-b\\d+\\.safetensors"));
        }
    }

    private static void assertEveryCheckpointLoads(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("checkpoint-e\\d+-b\\d+\\.safetensors")).toList()) {
                Checkpoint.load(f);   // throws on a partial or damaged file
            }
        }
    }

    @Test
    void killedClassifierRunsResumeToTheUninterruptedWeights(@TempDir Path dir) throws Exception {
        killAndResume(dir, MLP);
    }

    @Test
    void killedGptRunsResumeToTheUninterruptedWeights(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tinyshakespeare.txt"), "ROMEO: to be or not to be, that is the question.\n".repeat(60));
        killAndResume(dir, List.of("train", "--dataset", "tinyshakespeare", "--data", dir.toString(), "--model",
                "gpt:layers=1,heads=2,embd=32,block=32,dropout=0.1", "--iters", "500", "--batch", "8", "--warmup", "20",
                "--eval-every", "100", "--seed", "5", "--checkpoint-every", "20"));
    }

    private static void killAndResume(Path dir, List<String> train) throws Exception {
        Path whole = dir.resolve("whole.safetensors");
        long begin = System.nanoTime();
        Process p = start(dir, with(train, "--out", whole.toString()));
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "the uninterrupted run finishes");
        long runMillis = (System.nanoTime() - begin) / 1_000_000;

        Path ckpt = dir.resolve("checkpoints");
        Path resumed = dir.resolve("resumed.safetensors");
        SplittableRandom random = new SplittableRandom(System.nanoTime());
        int kills = 0;
        int resumptions = 0;
        for (int attempt = 0; attempt < 4; attempt++) {
            resumptions += hasCheckpoint(ckpt) ? 1 : 0;
            List<String> args = hasCheckpoint(ckpt)
                    ? with(train, "--resume", ckpt.toString(), "--out", resumed.toString())
                    : with(train, "--checkpoint-dir", ckpt.toString(), "--out", resumed.toString());
            Process run = start(dir, args);
            // The first run is killed a random moment (under 300 ms) after its first checkpoint, so that a kill
            // and a resumption are always tested: a delay proportional to the uninterrupted run let a fresh run
            // finish first when the machine sped up (CI, 2026-12-03). Later runs, resuming, are killed between
            // 30% and 90% of an uninterrupted run's time, start-up included, or not at all if they finish first.
            long delay = attempt == 0 ? 0 : runMillis * (30 + random.nextInt(61)) / 100;
            boolean finished = run.waitFor(delay, TimeUnit.MILLISECONDS);
            while (!finished && !hasCheckpoint(ckpt)) {
                finished = run.waitFor(10, TimeUnit.MILLISECONDS);
            }
            if (!finished && attempt == 0) {
                finished = run.waitFor(random.nextInt(300), TimeUnit.MILLISECONDS);
            }
            if (!finished) {
                run.destroyForcibly();   // SIGKILL
                run.waitFor(30, TimeUnit.SECONDS);
                kills++;
            }
            assertEveryCheckpointLoads(ckpt);
        }
        resumptions += hasCheckpoint(ckpt) ? 1 : 0;
        Process last = start(dir, hasCheckpoint(ckpt)
                ? with(train, "--resume", ckpt.toString(), "--out", resumed.toString())
                : with(train, "--checkpoint-dir", ckpt.toString(), "--out", resumed.toString()));
        assertTrue(last.waitFor(120, TimeUnit.SECONDS) && last.exitValue() == 0, "the last resumption finishes");
        assertTrue(kills > 0, "at least one run was killed");
        assertTrue(resumptions > 0, "at least one killed run had written a checkpoint to resume from");

        Map<String, float[]> expected = tensors(whole);
        Map<String, float[]> actual = tensors(resumed);
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name), actual.get(name), name + " after " + kills + " kills");
        }
    }
}
