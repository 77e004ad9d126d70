package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class StartupTrainingTest {

    /**
     * The launcher records the start-up cache by running this class, and starts without the cache if it
     * fails, so a renamed option or a broken job here would only show as slower starts: it must run
     * through, print nothing, and give standard output back.
     */
    @Test
    void runsEveryKindOfModelQuietly() throws Exception {
        PrintStream before = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(printed, true);
        System.setOut(capture);
        try {
            StartupTraining.main(new String[0]);
            assertSame(capture, System.out);
        } finally {
            System.setOut(before);
        }
        assertEquals("", printed.toString());
    }
}
