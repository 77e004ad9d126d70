package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.backend.Backends;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector}, as a user's own project starts
 * one, with this module on its class path: it computes with the reference backend after one warning
 * that names the option, and asking for the cpu backend by name is an error that names it too.
 */
class WithoutVectorApiTest {

    /** The child JVM's program: one tensor operation and the backend that ran it. */
    public static void main(String[] args) {
        Tensor t = Tensor.of(1f, 2f, 3f).mul(Tensor.of(2f));
        System.out.println(Backends.active().name() + " " + java.util.Arrays.toString(t.toFloatArray()));
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run child(String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), WithoutVectorApiTest.class.getName()));
        Process p = new ProcessBuilder(command).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out, err);
    }

    @Test
    void theReferenceBackendWithOneWarningNamingTheOption() throws Exception {
        Run run = child();
        assertEquals(0, run.exit(), run.out() + run.err());
        assertEquals("reference [2.0, 4.0, 6.0]", run.out().strip());
        assertTrue(run.err().contains("using the reference backend"), run.err());
        assertEquals(1, run.err().split("--add-modules jdk.incubator.vector", -1).length - 1, run.err());
        assertTrue(!run.err().contains("NoClassDefFoundError"), run.err());

        Run asked = child("-Dbackprop.backend=cpu");
        assertNotEquals(0, asked.exit());
        assertTrue(asked.err().contains("backend 'cpu' is not available here")
                && asked.err().contains("add the JVM option --add-modules jdk.incubator.vector"), asked.err());

        Run with = child("--add-modules", "jdk.incubator.vector");
        assertEquals(0, with.exit(), with.err());
        assertEquals("cpu [2.0, 4.0, 6.0]", with.out().strip());
    }
}
