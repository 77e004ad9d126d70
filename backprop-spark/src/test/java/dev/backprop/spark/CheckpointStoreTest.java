package dev.backprop.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workers' checkpoints on a Hadoop file system (its local one here, as a file: URI): stored whole, pruned, fetched back. */
class CheckpointStoreTest {

    @Test
    void checkpointsGoUpWholeTheNewestThreeStayAndComeBackByteForByte(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("remote").toUri().toString(), 1);
        Path local = Files.createDirectories(dir.resolve("local"));
        for (int b = 1; b <= 5; b++) {
            Path f = local.resolve(String.format("checkpoint-e0001-b%06d.safetensors", b * 10));
            Files.write(f, new byte[] {(byte) b, 2, 3});
            store.mirror().onCheckpoint(f);
        }
        assertEquals(List.of("checkpoint-e0001-b000030.safetensors", "checkpoint-e0001-b000040.safetensors",
                "checkpoint-e0001-b000050.safetensors"), store.names());
        try (var files = Files.list(dir.resolve("remote").resolve("worker-1"))) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "no partial file left");
        }
        Path back = store.fetch("checkpoint-e0001-b000040.safetensors", dir.resolve("fetched"));
        assertArrayEquals(new byte[] {4, 2, 3}, Files.readAllBytes(back));
        assertEquals(List.of(), new CheckpointStore(dir.resolve("remote").toUri().toString(), 0).names());
    }
}
