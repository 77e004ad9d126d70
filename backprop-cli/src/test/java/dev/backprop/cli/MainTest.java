package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.conformance.ReferenceData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void conformancePassesOnTheSharedReference() {
        Run r = run("conformance", ReferenceData.pytorchDirectory().toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(84, lines.length, "83 case lines and a summary");
        assertEquals("69 passed, 0 failed, 14 skipped", lines[lines.length - 1]);
        assertTrue(lines[0].startsWith("PASS  ops.json#00 add"), lines[0]);
    }

    @Test
    void conformanceOnAFolderWithoutCasesExitsNonZeroWithAMessage(@TempDir Path dir) {
        Run r = run("conformance", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("has no ops.json"), r.err());
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("conformance"), r.out());
    }
}
