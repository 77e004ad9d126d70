package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standalone Spark cluster of its own processes, as users run one: a master and two workers of one
 * core, each a child JVM on 127.0.0.1, and {@code train --spark spark://127.0.0.1:PORT} against it.
 * In the {@code cluster} profile ({@code ./mvnw -Pcluster verify}): it starts four JVMs.
 */
@Tag("cluster")
class StandaloneClusterTest {

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A Spark daemon in a JVM of its own, with this JVM's class path and flags. */
    private static Process daemon(Path dir, Path home, String name, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-Xmx")) {
                command.add(a);
            }
        }
        command.addAll(List.of("-Xmx512m", "-cp", classPath()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    private static String classPath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            entries.add(Path.of(e).toAbsolutePath().toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void awaitPort(int port, Process owner) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && owner.isAlive()) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the Spark master did not listen on " + port + " within 60 s");
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void theCommandLineTrainsOnAStandaloneMasterWithTwoWorkers(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("spark-home");
        Files.createDirectories(home.resolve("jars"));
        int port = freePort();
        List<Process> daemons = new ArrayList<>();
        try {
            Process master = daemon(dir, home, "master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", Integer.toString(port), "--webui-port", Integer.toString(freePort()));
            daemons.add(master);
            awaitPort(port, master);
            for (int w = 0; w < 2; w++) {
                daemons.add(daemon(dir, home, "worker-" + w, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                        "--cores", "1", "--memory", "1g", "--webui-port", Integer.toString(freePort()),
                        "spark://127.0.0.1:" + port));
            }
            // Executors run this test's classes from folders, not from the CLI jar: give them the class path.
            System.setProperty("spark.executor.extraClassPath", classPath());
            System.setProperty("spark.executorEnv.JAVA_HOME", System.getProperty("java.home"));
            System.setProperty("spark.executorEnv.SPARK_SCALA_VERSION", "2.13");
            CliRun r = CliRun.of("train", "--model", "mlp:64", "--epochs", "5", "--batch", "32", "--spark",
                    "spark://127.0.0.1:" + port, "--workers", "2");
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("epoch 5/5  loss"), r.out());
            assertEquals("test accuracy: 0.9359", r.lastLine(), "the same model as on local[2] and local-cluster: " + r.out());
        } finally {
            System.clearProperty("spark.executor.extraClassPath");
            System.clearProperty("spark.executorEnv.JAVA_HOME");
            System.clearProperty("spark.executorEnv.SPARK_SCALA_VERSION");
            for (Process p : daemons) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
