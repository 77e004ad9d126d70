package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandRunTest {

    @Test
    void aWholeCommandInItsOwnProcessWithItsTimeAndPeakMemory() throws Exception {
        CommandRun run = CommandRun.of(List.of("train", "--epochs", "2"));
        assertEquals(0, run.exit(), run.out());
        double accuracy = run.figure("test accuracy:");
        assertTrue(accuracy > 0.5 && accuracy <= 1, run.out());
        assertTrue(run.seconds() > 0.1, "seconds: " + run.seconds());
        if (Files.exists(Path.of("/proc/self/status"))) {
            // A JVM that trained a model holds tens of MB at least, and far less than this machine's memory.
            assertTrue(run.peakRssMb() > 30 && run.peakRssMb() < 8192, "peak: " + run.peakRssMb());
        }
        CommandRun bad = CommandRun.of(List.of("train", "--model", "nonsense"));
        assertEquals(1, bad.exit(), bad.out());
        assertTrue(bad.out().contains("nonsense"), bad.out());
        assertTrue(Double.isNaN(bad.figure("test accuracy:")));
    }
}
