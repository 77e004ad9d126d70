package dev.backprop.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code backprop} command run as a user runs it, in a process of its own, for the figures only a
 * whole command has: its wall time from start to result and its peak resident memory. It goes
 * through the {@code backprop} launcher when this jar sits in a checkout that has one (so the heap
 * the launcher plans is part of what is measured); otherwise the same JVM flags and heap plan are
 * applied here.
 *
 * @param exit the command's exit status
 * @param out what it printed, standard output and error together
 * @param seconds wall time from starting the process to its exit
 * @param peakRssMb the most memory it held resident (Linux's VmHWM), or -1 where that cannot be read
 */
record CommandRun(int exit, String out, double seconds, long peakRssMb) {

    /** Runs {@code backprop args...} and waits for it. */
    static CommandRun of(List<String> args) throws IOException, InterruptedException {
        return run(command(args));
    }

    /** The program and arguments that run {@code backprop args...} as {@link #of} runs it, for a process started elsewhere. */
    static List<String> command(List<String> args) {
        List<String> command = new ArrayList<>();
        Path root = checkout();
        Path launcher = root == null ? null : root.resolve("backprop");
        if (launcher != null && Files.isExecutable(launcher)) {
            command.add(launcher.toString());
        } else {
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
            command.addAll(jitFlags());
            command.addAll(HeapPlan.flags(args));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        }
        command.addAll(args);
        return command;
    }

    /**
     * The launcher's JIT flags (see the {@code backprop} script): four compiler threads on machines of fewer than 8
     * cores, and the kernels compiled by C2 after a fifth of the usual invocations.
     */
    static List<String> jitFlags() {
        List<String> flags = new ArrayList<>();
        if (Runtime.getRuntime().availableProcessors() < 8) {
            flags.add("-XX:CICompilerCount=4");
        }
        flags.add("-XX:CompileCommand=quiet");
        flags.add("-XX:CompileCommand=CompileThresholdScaling,dev.backprop.cpu.*::*,0.2");
        return flags;
    }

    /** Runs {@code command} (a program and its arguments) and waits for it. */
    static CommandRun run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("BACKPROP_JVM_OPTS");
        long start = System.nanoTime();
        Process process = builder.start();
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> copy(process.getInputStream(), out));
        long peak = -1;
        Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
        while (process.isAlive()) {
            // The high-water mark only rises, so the last reading before the exit is the peak.
            peak = Math.max(peak, highWaterMark(status));
            Thread.sleep(20);
        }
        int exit = process.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        reader.join();
        return new CommandRun(exit, out.toString(), seconds, peak);
    }

    /** The checkout this {@code backprop-cli/target/backprop.jar} was built in, or null when it runs from elsewhere. */
    static Path checkout() {
        Path jar = ownJar();
        Path root = jar == null || jar.getParent() == null || jar.getParent().getParent() == null ? null
                : jar.getParent().getParent().getParent();
        return root != null && Files.isRegularFile(root.resolve("pom.xml")) ? root : null;
    }

    /** The {@code backprop.jar} this class was loaded from, or null when it runs from classes (in tests). */
    private static Path ownJar() {
        try {
            Path p = Path.of(CommandRun.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) ? p : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** VmHWM of the process whose {@code /proc/PID/status} this is, in MB; -1 when it cannot be read. */
    static long highWaterMark(Path status) {
        return statusMegabytes(status, "VmHWM:");
    }

    /** A memory figure ({@code VmHWM:}, {@code VmRSS:}) of {@code /proc/PID/status}, in MB; -1 when it cannot be read. */
    static long statusMegabytes(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException gone) {
            // The process ended between the check and the read, or this is not Linux.
        }
        return -1;
    }

    private static void copy(InputStream in, StringBuilder out) {
        try (in) {
            byte[] buffer = in.readAllBytes();
            synchronized (out) {
                out.append(new String(buffer, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            synchronized (out) {
                out.append("(output lost: ").append(e.getMessage()).append(')');
            }
        }
    }

    /** The number after {@code prefix} on the last line that starts with it, or NaN. */
    double figure(String prefix) {
        double value = Double.NaN;
        for (String line : out.split("\n")) {
            if (line.startsWith(prefix)) {
                value = Double.parseDouble(line.substring(prefix.length()).trim().split("[ ,;]")[0]);
            }
        }
        return value;
    }
}
