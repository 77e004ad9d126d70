package dev.backprop.cli;

import dev.backprop.data.NamedDataset;
import dev.backprop.nn.Architecture;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The heap a command needs, worked out before its JVM starts: the {@code backprop} launcher runs
 * this first and passes what it prints ({@code -Xmx288m -XX:+UseParallelGC}, say) to the JVM that runs the command.
 * A JVM left to itself takes a quarter of the machine's memory as its limit, and its collector then
 * lets garbage grow the resident set far past what the job holds (training the MNIST MLP: 750 MB
 * resident for 60 MB of live data); a limit sized for the job keeps it near the live data, at the
 * same speed, with the parallel collector ({@link #PLANNED_COLLECTOR}).
 *
 * <p>Planned: {@code train} of a classifier or regression (mlp, lenet, cnn) on a named image or table
 * dataset on one machine, where the data, the parameters with their gradients and optimizer state,
 * and the activations of a training and an evaluation batch are known from the options. Everything
 * else (language models, the text encoders, Spark, users' own files) prints nothing and runs with the
 * JVM's own limit. The limit is 2.5 times what those parts need (with twice, 288 MB, a LeNet epoch ran
 * 8% slower than with 384 MB: the collector ran more often), at least 256 MB. A heap limit the user sets
 * in {@code BACKPROP_JVM_OPTS} ({@code -Xmx...}) replaces the whole plan, a collector there the planned
 * one; a job that still runs out of memory says so with that hint.
 *
 * <p>Fine-tuning the pretrained text encoder ({@code train --model minilm}) keeps the JVM's limit but
 * starts with all of it ({@code -XX:InitialRAMPercentage=25}, the default maximum's share): each step lets
 * go of tensors of tens of MB, every one a humongous object for G1, and in a heap that starts small these
 * set off a concurrent marking cycle every fraction of a second (313 in 70 s of steps), which takes one of
 * the two cores from the kernels. MiniLM's training steps (batch 16, 128 tokens) ran 9.1-9.4 sentences/s
 * against 7.1-7.6 with the default start, in alternating runs on two cores of an Intel Xeon (family 6,
 * 2026-12-03). Embeddings alone (no training) showed no difference we could tell from the machine's swings.
 */
final class HeapPlan {
    /** The smallest limit planned: the JVM's own objects, picocli and the backends take some tens of MB. */
    static final long MIN_MB = 256;
    /** Heap in use before any data: classes' statics, the command line, the worker pool. */
    private static final long BASE_BYTES = 48L << 20;
    /**
     * The batch the plan allows an evaluation pass: {@link ClassifierJob} evaluates at the training
     * batch, and the plan leaves room for one of 512 (a planned heap that runs out fails the job).
     */
    private static final int EVAL_BATCH = 512;

    private HeapPlan() {
    }

    /** The flag for fine-tuning the text encoder: an initial heap as large as the JVM's default maximum. */
    static final String WHOLE_HEAP_AT_START = "-XX:InitialRAMPercentage=25";

    /**
     * The collector for a planned heap: the parallel collector. G1's own structures (remembered sets,
     * marking bitmaps: 44 MB committed beside a 288 MB heap) and its growing the heap to the limit
     * kept the MNIST MLP's training at 390 MB resident; the parallel collector held it to 275-281 MB
     * (LeNet-5: 305-308 MB against 458), epochs as fast or faster (alternating runs, Intel Xeon,
     * 2026-12-03). The one job measured larger with it, cnn:7 under a 480 MB limit (563-589 MB against
     * 510-515), is not one the memory target covers.
     */
    static final String PLANNED_COLLECTOR = "-XX:+UseParallelGC";

    /**
     * Prints the JVM flags planned for the command line in args, separated by spaces (nothing when
     * none), given the user's own options in {@code BACKPROP_JVM_OPTS}.
     */
    public static void main(String[] args) {
        String user = System.getenv("BACKPROP_JVM_OPTS");
        List<String> flags = flags(user == null || user.isBlank() ? List.of() : List.of(user.trim().split("\\s+")),
                List.of(args));
        if (!flags.isEmpty()) {
            System.out.println(String.join(" ", flags));
        }
    }

    /** The JVM flags planned for a command line: a heap limit and collector, the whole heap at start, or none. */
    static List<String> flags(List<String> args) {
        return flags(List.of(), args);
    }

    /**
     * The flags planned for a command line run with the user's own JVM options: none when the user
     * set a heap limit, and without the planned collector when the user chose one (the JVM refuses two).
     */
    static List<String> flags(List<String> userOptions, List<String> args) {
        if (userOptions.stream().anyMatch(o -> o.startsWith("-Xmx") || o.startsWith("-XX:MaxHeapSize")
                || o.startsWith("-XX:MaxRAM"))) {
            return List.of();
        }
        boolean ownCollector = userOptions.stream().anyMatch(o -> o.startsWith("-XX:+Use") && o.endsWith("GC"));
        OptionalLong mb = megabytes(args);
        if (mb.isPresent()) {
            String limit = "-Xmx" + mb.getAsLong() + "m";
            return ownCollector ? List.of(limit) : List.of(limit, PLANNED_COLLECTOR);
        }
        return encoderJob(args) ? List.of(WHOLE_HEAP_AT_START) : List.of();
    }

    /** Whether the command fine-tunes the pretrained text encoder ({@code train --model minilm...}) on one machine. */
    static boolean encoderJob(List<String> args) {
        return !args.isEmpty() && args.get(0).equals("train") && value(args, "--model", "").startsWith("minilm")
                && !has(args, "--spark");
    }

    /** The heap limit for this command line in MB, or empty when it is not planned. */
    static OptionalLong megabytes(List<String> args) {
        if (args.isEmpty() || !args.get(0).equals("train") || has(args, "--spark")) {
            return OptionalLong.empty();
        }
        try {
            NamedDataset dataset = NamedDataset.of(value(args, "--dataset", "digits"));
            Architecture model = Architecture.parse(value(args, "--model", "mlp:128"));
            int batch = Integer.parseInt(value(args, "--batch", String.valueOf(ClassifierJob.DEFAULT_BATCH)));
            OptionalLong bytes = bytes(dataset, model, batch);
            if (bytes.isEmpty()) {
                return bytes;
            }
            long mb = (5 * bytes.getAsLong() / 2 + (1 << 20) - 1) >> 20;
            return OptionalLong.of(Math.max(MIN_MB, (mb + 31) / 32 * 32));
        } catch (RuntimeException notPlanned) {
            // A text model, a user's file, a malformed option: the command itself reports what is wrong.
            return OptionalLong.empty();
        }
    }

    /** What a classifier job on {@code dataset} holds at its peak, or empty for jobs not planned. */
    static OptionalLong bytes(NamedDataset dataset, Architecture model, int batch) {
        if (dataset.isText() || model instanceof Architecture.Gpt || batch <= 0) {
            return OptionalLong.empty();
        }
        boolean images = dataset == NamedDataset.MNIST || dataset == NamedDataset.FASHION_MNIST;
        // Images are kept as one byte per pixel; the tables are a few thousand rows of floats.
        long data = images ? 70_000L * (784 + 4) : 2L << 20;
        int features = images ? 784 : 64;
        long[] perExample = activations(model, features);
        if (perExample == null) {
            return OptionalLong.empty();
        }
        // Weights, gradients, two moments of Adam and one temporary per parameter.
        long parameters = 5L * 4 * perExample[2];
        long training = 4L * batch * perExample[0];
        long evaluation = 4L * Math.max(EVAL_BATCH, batch) * perExample[1];
        return OptionalLong.of(BASE_BYTES + data + parameters + training + evaluation);
    }

    /**
     * Floats per example kept through a training step (the outputs each layer saves for backward,
     * and their gradients), floats per example alive at once during evaluation, and parameters;
     * null for an architecture this does not know.
     */
    static long[] activations(Architecture model, int features) {
        if (model instanceof Architecture.Mlp mlp) {
            long saved = features;
            long widest = features;
            long params = 0;
            int in = features;
            for (int h : mlp.hidden()) {
                saved += 4L * h;   // pre-activation, activation, dropout mask and output, and gradients of each
                widest = Math.max(widest, h);
                params += (long) in * h + h;
                in = h;
            }
            params += in * 10L + 10;
            return new long[] {2 * saved + 30, 3 * widest, params};
        }
        if (model instanceof Architecture.LeNet) {
            long saved = 6 * 28 * 28 * 2 + 6 * 14 * 14 + 16 * 10 * 10 * 2 + 400 + 2 * (120 + 84);
            return new long[] {2 * saved, 3 * 6 * 28 * 28, 61_706};
        }
        if (model instanceof Architecture.Cnn cnn) {
            long w = cnn.width();
            // Each convolution saves its output, the batch norm's and the ReLU's; then the pools.
            long saved = 3 * (2 * w * 784 + 2 * 2 * w * 196) + w * 196 + 2 * w * 49 + 3 * 128;
            long params = 9 * (w + w * w + 2 * w * w + 4 * w * w) + 2 * w * 49 * 128 + 128 * 10;
            return new long[] {2 * saved, 3 * w * 784, params};
        }
        return null;
    }

    private static boolean has(List<String> args, String name) {
        return args.stream().anyMatch(a -> a.equals(name) || a.startsWith(name + "="));
    }

    /** The value of {@code --name V} or {@code --name=V}, the last one given, or {@code otherwise}. */
    private static String value(List<String> args, String name, String otherwise) {
        String found = otherwise;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals(name) && i + 1 < args.size()) {
                found = args.get(i + 1);
            } else if (a.startsWith(name + "=")) {
                found = a.substring(name.length() + 1);
            }
        }
        return found.toLowerCase(Locale.ROOT);
    }
}
