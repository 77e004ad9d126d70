package dev.backprop.train;

import dev.backprop.io.CorruptFileException;
import dev.backprop.io.Json;
import dev.backprop.io.Safetensors;
import dev.backprop.optim.Optimizer;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Everything needed to continue a training run exactly where it stopped: the model's parameters
 * and buffers, the optimizer's state, the position in the data (epoch, batches done, this pass's
 * example order when the source has one), the generators of the batch source and of the model
 * (dropout), and the running sums of the epoch's loss. Stored as a safetensors file ({@code model.*}, {@code optimizer.*} and
 * {@code data.order} tensors; the rest in its metadata), named so that names sort by progress.
 *
 * @param epoch   the epoch in progress, from 1
 * @param batch   batches of that epoch already trained
 * @param order   the pass's example order (null at the start of an epoch, and for sources without one)
 * @param data    the batch source's generator state (null for a source that draws nothing)
 * @param recipe  a description of the run's settings; resuming under other settings is refused
 */
public record Checkpoint(int epoch, int batch, double lossSum, int seen, int[] order, Generator.State data,
                         Map<String, Generator.State> modelGenerators, Optimizer.State optimizer,
                         Map<String, Tensor> model, String recipe) {
    static final String FORMAT = "backprop-checkpoint";
    static final int VERSION = 1;
    private static final System.Logger LOG = System.getLogger("dev.backprop.train");
    private static final Pattern NAME = Pattern.compile("checkpoint-e(\\d{4,})-b(\\d{6,})\\.safetensors");

    /** The file name for this progress: {@code checkpoint-e0003-b000120.safetensors}. */
    static String fileName(int epoch, int batch) {
        return String.format(java.util.Locale.ROOT, "checkpoint-e%04d-b%06d.safetensors", epoch, batch);
    }

    /** Writes this checkpoint atomically to {@code file}. */
    public void save(Path file) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.forEach((name, t) -> tensors.put("model." + name, t));
        optimizer.tensors().forEach((name, t) -> tensors.put("optimizer." + name, t));
        if (order != null) {
            if (order.length > 1 << 24) {
                throw new IllegalArgumentException("Checkpoint: datasets above 16,777,216 examples cannot be checkpointed mid-epoch yet");
            }
            float[] o = new float[order.length];
            for (int i = 0; i < o.length; i++) {
                o[i] = order[i];
            }
            tensors.put("data.order", Tensor.fromArray(o, o.length));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("format_version", Integer.toString(VERSION));
        meta.put("epoch", Integer.toString(epoch));
        meta.put("batch", Integer.toString(batch));
        meta.put("seen", Integer.toString(seen));
        meta.put("loss_sum", Double.toString(lossSum));
        Map<String, Object> generators = new LinkedHashMap<>();
        if (data != null) {
            generators.put("data", state(data));
        }
        modelGenerators.forEach((name, s) -> generators.put("model." + name, state(s)));
        meta.put("generators", Json.write(generators));
        meta.put("optimizer_steps", Integer.toString(optimizer.steps()));
        meta.put("optimizer_lr", Double.toString(optimizer.lr()));
        Map<String, Object> numbers = new LinkedHashMap<>();
        optimizer.numbers().forEach((name, values) -> {
            List<String> texts = new ArrayList<>();
            for (double v : values) {
                texts.add(Double.toString(v));
            }
            numbers.put(name, texts);
        });
        meta.put("optimizer_numbers", Json.write(numbers));
        meta.put("recipe", recipe);
        Safetensors.write(file, tensors, meta);
    }

    private static List<String> state(Generator.State s) {
        return List.of(Long.toString(s.seed()), Double.toString(s.spareGaussian()));
    }

    /** Reads a checkpoint, validating every field; a damaged file is rejected whole. */
    public static Checkpoint load(Path file) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new CorruptFileException(file + ": not a Backprop checkpoint (no format=" + FORMAT + " in its metadata)");
        }
        if (!Integer.toString(VERSION).equals(meta.get("format_version"))) {
            throw new CorruptFileException(file + ": checkpoint version " + meta.get("format_version")
                    + " is not supported; this Backprop reads version " + VERSION);
        }
        try {
            Map<String, Tensor> model = new LinkedHashMap<>();
            Map<String, Tensor> optimizerTensors = new LinkedHashMap<>();
            int[] order = null;
            for (var e : c.tensors().entrySet()) {
                if (e.getKey().startsWith("model.")) {
                    model.put(e.getKey().substring(6), e.getValue());
                } else if (e.getKey().startsWith("optimizer.")) {
                    optimizerTensors.put(e.getKey().substring(10), e.getValue());
                } else if (e.getKey().equals("data.order")) {
                    float[] o = e.getValue().toFloatArray();
                    order = new int[o.length];
                    for (int i = 0; i < o.length; i++) {
                        order[i] = (int) o[i];
                    }
                } else {
                    throw new IllegalArgumentException("unexpected tensor '" + e.getKey() + "'");
                }
            }
            Map<?, ?> generators = (Map<?, ?>) Json.parse(meta.get("generators"));
            Generator.State data = null;
            Map<String, Generator.State> modelGenerators = new LinkedHashMap<>();
            for (var e : generators.entrySet()) {
                List<?> s = (List<?>) e.getValue();
                Generator.State state = new Generator.State(Long.parseLong((String) s.get(0)), Double.parseDouble((String) s.get(1)));
                String name = (String) e.getKey();
                if (name.equals("data")) {
                    data = state;
                } else if (name.startsWith("model.")) {
                    modelGenerators.put(name.substring(6), state);
                } else {
                    throw new IllegalArgumentException("unexpected generator '" + name + "'");
                }
            }
            Map<String, double[]> numbers = new LinkedHashMap<>();
            for (var e : ((Map<?, ?>) Json.parse(meta.get("optimizer_numbers"))).entrySet()) {
                List<?> texts = (List<?>) e.getValue();
                double[] values = new double[texts.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = Double.parseDouble((String) texts.get(i));
                }
                numbers.put((String) e.getKey(), values);
            }
            Optimizer.State optimizer = new Optimizer.State(Integer.parseInt(meta.get("optimizer_steps")),
                    Double.parseDouble(meta.get("optimizer_lr")), optimizerTensors, numbers);
            int epoch = Integer.parseInt(meta.get("epoch"));
            int batch = Integer.parseInt(meta.get("batch"));
            if (epoch < 1 || batch < 0 || batch == 0 && order != null) {
                throw new IllegalArgumentException("inconsistent progress: epoch " + epoch + ", batch " + batch
                        + (order == null ? " without" : " with") + " a data order");
            }
            return new Checkpoint(epoch, batch, Double.parseDouble(meta.get("loss_sum")), Integer.parseInt(meta.get("seen")),
                    order, data, modelGenerators, optimizer, model, meta.getOrDefault("recipe", ""));
        } catch (RuntimeException e) {
            throw new CorruptFileException(file + ": damaged checkpoint metadata: " + e, e);
        }
    }

    /** The checkpoint files in {@code directory}, oldest first. */
    static List<Path> list(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
    }

    /**
     * The checkpoint to resume from: {@code path} itself when it is a file, else the newest
     * checkpoint in the directory that loads; damaged ones are skipped with a warning to the
     * {@code dev.backprop.train} {@link System.Logger}.
     */
    public static Checkpoint latest(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new java.io.FileNotFoundException(path + ": no such checkpoint file or directory");
        }
        if (!Files.isDirectory(path)) {
            return load(path);
        }
        List<Path> files = new ArrayList<>(list(path));
        java.util.Collections.reverse(files);
        for (Path f : files) {
            try {
                return load(f);
            } catch (CorruptFileException e) {
                LOG.log(System.Logger.Level.WARNING, "skipping damaged checkpoint " + f + ": " + e.getMessage());
            }
        }
        throw new java.io.FileNotFoundException(path + ": no checkpoint-e*-b*.safetensors file to resume from");
    }

    /** Deletes all but the newest {@code keep} checkpoints, and temporary files that killed writes left behind. */
    static void prune(Path directory, int keep) throws IOException {
        List<Path> files = list(directory);
        for (int i = 0; i < files.size() - keep; i++) {
            Files.deleteIfExists(files.get(i));
        }
        try (Stream<Path> stale = Files.list(directory)) {
            for (Path p : stale.filter(p -> p.getFileName().toString().startsWith("checkpoint-")
                    && p.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
