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
 */
class KillAndResumeTest {
    private static final List<String> TRAIN = List.of("train", "--model", "mlp:128", "--dropout", "0.2", "--epochs", "8",
            "--batch", "16", "--seed", "3");

    private static Process start(Path dir, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.backprop.cli.Main"));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("log-" + System.nanoTime() + ".txt").toFile())
                .start();
    }

    private static List<String> with(String... extra) {
        List<String> args = new ArrayList<>(TRAIN);
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
    void killedRunsResumeToTheUninterruptedWeights(@TempDir Path dir) throws Exception {
        Path whole = dir.resolve("whole.safetensors");
        long begin = System.nanoTime();
        Process p = start(dir, with("--out", whole.toString()));
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
                    ? with("--resume", ckpt.toString(), "--checkpoint-every", "3", "--out", resumed.toString())
                    : with("--checkpoint-dir", ckpt.toString(), "--checkpoint-every", "3", "--out", resumed.toString());
            Process run = start(dir, args);
            // A moment between 30% and 90% of an uninterrupted run's time, start-up included.
            long delay = runMillis * (30 + random.nextInt(61)) / 100;
            if (!run.waitFor(delay, TimeUnit.MILLISECONDS)) {
                run.destroyForcibly();   // SIGKILL
                run.waitFor(30, TimeUnit.SECONDS);
                kills++;
            }
            assertEveryCheckpointLoads(ckpt);
        }
        resumptions += hasCheckpoint(ckpt) ? 1 : 0;
        Process last = start(dir, hasCheckpoint(ckpt)
                ? with("--resume", ckpt.toString(), "--checkpoint-every", "3", "--out", resumed.toString())
                : with("--checkpoint-dir", ckpt.toString(), "--checkpoint-every", "3", "--out", resumed.toString()));
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
