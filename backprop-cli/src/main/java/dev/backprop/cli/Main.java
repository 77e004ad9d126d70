package dev.backprop.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code backprop} command. Each subcommand is a small class of its own; this one only wires
 * them together and maps exceptions to short messages and exit codes.
 */
@Command(name = "backprop",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Build, train and inspect neural networks on the JVM.",
        footer = {"", "Examples:",
                "  ./backprop train",
                "  ./backprop train --dataset mnist --data ../shared/datasets --model mlp:256,128 --out mnist.safetensors",
                "  ./backprop evaluate mnist.safetensors --dataset mnist --data ../shared/datasets",
                "  ./backprop predict mnist.safetensors digit.png",
                "  ./backprop generate shakespeare.safetensors --prompt \"ROMEO:\" --tokens 300",
                "  ./backprop embed \"I love sentence transformers.\"",
                "  ./backprop similar \"how do I reset my password\" --corpus faq.txt",
                "  ./backprop conformance ../shared/reference/pytorch",
                "  ./backprop help conformance"})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** The subcommands, in the order the help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(TrainCommand.class, GenerateCommand.class,
            EvaluateCommand.class, PredictCommand.class, ExportCommand.class, EmbedCommand.class, SimilarCommand.class,
            ServeCommand.class, ExplainCommand.class, GraphCommand.class, DemoCommand.class, BenchCommand.class,
            ConformanceCommand.class, CommandLine.HelpCommand.class);

    /** Runs the command line and returns the exit code (0 success, 1 failure, 2 usage error). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        for (Class<?> command : commands(args)) {
            cli.addSubcommand(command);
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("backprop " + String.join(" ", parsed.originalArgs()) + ": " + message(e));
            return 1;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            cli.getErr().println("backprop " + String.join(" ", args) + ": " + outOfMemory(e));
            return 1;
        } catch (ExceptionInInitializerError e) {
            cli.getErr().println("backprop " + String.join(" ", args) + ": " + initializerFailure(e));
            return 1;
        }
    }

    /**
     * A class that could not load: the kernels read their settings then ({@code -Dbackprop.gemm.rows=5} or {@code
     * -Dbackprop.gemm.sparse=maybe} in {@code BACKPROP_JVM_OPTS} are refused with what to give instead), so the cause's
     * own words, not a stack trace.
     */
    static String initializerFailure(ExceptionInInitializerError e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    /**
     * The subcommands this command line needs: the one it names first, when it names one, else all of them (for
     * the help, a usage error's suggestions, or {@code help COMMAND}). picocli reads every option of every command
     * it is given, in interpreted code at start-up: building all fourteen took 277-299 ms against 185-202 ms for
     * {@code train} alone (a fresh JVM without the start-up cache, the AVX2 machine, 2026-12-05).
     */
    static List<Class<?>> commands(String... args) {
        if (args.length > 0) {
            for (Class<?> command : COMMANDS) {
                Command c = command.getAnnotation(Command.class);
                if (command != CommandLine.HelpCommand.class && c != null && c.name().equals(args[0])) {
                    return List.of(command);
                }
            }
        }
        return COMMANDS;
    }

    /**
     * What ran out ({@code e}'s own words: the heap, metaspace, direct buffers), where (the innermost of
     * Backprop's frames) and what to do: the JVM's limit now and a flag that doubles it.
     */
    static String outOfMemory(OutOfMemoryError e) {
        String where = "";
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getClassName().startsWith("dev.backprop.")) {
                String type = frame.getClassName().substring(frame.getClassName().lastIndexOf('.') + 1);
                where = " in " + type + "." + frame.getMethodName();
                break;
            }
        }
        long limitMb = Runtime.getRuntime().maxMemory() >> 20;
        long more = Math.max(512, 2 * limitMb);
        return "out of memory (" + (e.getMessage() == null ? "no detail" : e.getMessage()) + ")" + where
                + "; the JVM may use at most " + limitMb + " MB of heap. Give it more, e.g. BACKPROP_JVM_OPTS=-Xmx"
                + more + "m ./backprop ..., or make the job smaller"
                + " (a smaller --batch, model or dataset).";
    }

    /** The exception's message; a missing file, whose message is only its path, says so. */
    private static String message(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException missing) {
            return missing.getFile() + ": no such file";
        }
        if (e instanceof dev.backprop.data.DatasetNotFoundException) {
            return e.getMessage() + " On the command line, --data DIR names the folder.";
        }
        return e.getMessage();
    }
}
