package dev.backprop.compare;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.backprop.data.DatasetLocator;
import dev.backprop.data.NamedDataset;
import dev.backprop.data.NamedDatasets;
import dev.backprop.data.Preprocessing;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.onnx.OnnxExport;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Inference, Backprop against ONNX Runtime running Backprop's own ONNX export of the same model, same
 * threads, one run: the MNIST MLP and LeNet-5 at batch 1 (latency) and batch 64 (throughput), medians
 * of many calls in alternating rounds ({@link Timing#alternate}) after seconds of warm-up (the JIT's, and
 * ONNX Runtime's own); the two sides' logits are compared too. Each model and batch runs on uniform noise
 * and, where MNIST is found ({@code --data}, {@code BACKPROP_DATA} or the cache), on the first MNIST test
 * images: a layer whose input is mostly zeros (the MLP's first, over real pixels) skips them in Backprop, and
 * noise has none to skip.
 *
 * <pre>
 * backprop-compare/run --inference [--threads 2] [--data DIR] [--json]
 * </pre>
 * With {@code --json} it prints one JSON array instead of the table (which {@code ./backprop bench --json}
 * reads as its {@code "inference"}).
 */
final class InferenceCompare {
    /** Seconds each side runs before it is timed, then rounds of each side and timed calls per round. */
    private static final double WARMUP_S = 4;
    private static final int ROUNDS = 10;
    private static final int CALLS = 50;

    private InferenceCompare() {
    }

    static void run(int threads, Path data, boolean json) throws Exception {
        Tensor testImages = firstTestImages(data, 64);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (!json) {
            System.out.printf(Locale.ROOT, "inference, %s, %d threads; medians (best) of %d calls in alternating rounds"
                    + " after %.0f s of warm-up each%n", dev.backprop.cpu.CpuInfo.current(), threads, ROUNDS * CALLS, WARMUP_S);
            System.out.printf(Locale.ROOT, "%-8s %5s %-10s  %22s  %22s  %18s  %s%n", "model", "batch", "input",
                    "Backprop, us", "ONNX Runtime 1.29, us", "ratio (rounds)", "max |diff| of logits");
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        List<ModelSpec> specs = List.of(new ModelSpec.Mlp(784, List.of(256, 256), 10, ActivationKind.RELU, 0f),
                new ModelSpec.LeNet5(1, 10));
        for (ModelSpec spec : specs) {
            Module model = spec.build(new Generator(0));
            model.eval();
            byte[] onnx = OnnxExport.export(spec, model.stateDict(), Preprocessing.NONE);
            boolean image = spec instanceof ModelSpec.LeNet5;
            try (OrtSession session = env.createSession(onnx, options)) {
                for (boolean real : testImages == null ? new boolean[] {false} : new boolean[] {false, true}) {
                    for (int batch : new int[] {1, 64}) {
                        int[] dims = image ? new int[] {batch, 1, 28, 28} : new int[] {batch, 784};
                        Tensor x = real ? testImages.narrow(0, 0, batch).contiguous().reshape(dims)
                                : Tensor.rand(new Generator(batch), dims);
                        Map<String, Object> row = time(env, session, model, image, x, real ? "mnist-test" : "uniform",
                                threads, json);
                        if (row != null) {
                            rows.add(row);
                        }
                    }
                }
            }
        }
        if (json) {
            System.out.println(dev.backprop.io.Json.write(rows));
        }
    }

    /**
     * One model, batch and input: both sides timed in alternating rounds and their logits compared; with {@code json}
     * the row for the JSON array, otherwise the table's line printed and null.
     */
    private static Map<String, Object> time(OrtEnvironment env, OrtSession session, Module model, boolean image,
                                            Tensor x, String source, int threads, boolean json) throws Exception {
        int batch = x.size(0);
        long[] shape = image ? new long[] {batch, 1, 28, 28} : new long[] {batch, 784};
        float[] input = x.toFloatArray();
        float[][] theirLogits = new float[1][];
        Timing.Paired t = Timing.alternate(WARMUP_S, ROUNDS, CALLS, () -> forward(model, x),
                () -> theirLogits[0] = runtime(env, session, input, shape));
        double[] ours = t.a();
        double[] theirs = t.b();
        float[] ourLogits;
        try (var off = GradMode.noGrad()) {
            ourLogits = model.forward(x).toFloatArray();
        }
        double diff = 0;
        for (int i = 0; i < ourLogits.length; i++) {
            diff = Math.max(diff, Math.abs(ourLogits[i] - theirLogits[0][i]));
        }
        if (!json) {
            System.out.printf(Locale.ROOT, "%-8s %5d %-10s  %13.1f (%6.1f)  %13.1f (%6.1f)  %6.2f (%.2f-%.2f)"
                    + "  %.1e%n", image ? "lenet" : "mlp", batch, source, ours[0] * 1e6, ours[1] * 1e6,
                    theirs[0] * 1e6, theirs[1] * 1e6, t.ratio(), t.lowest(), t.highest(), diff);
            return null;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", image ? "lenet" : "mlp");
        row.put("batch", batch);
        row.put("input", source);
        row.put("threads", threads);
        row.put("backprop_median_us", round(ours[0] * 1e6));
        row.put("onnx_runtime_median_us", round(theirs[0] * 1e6));
        row.put("backprop_speedup", round(t.ratio()));   // ONNX Runtime's time over ours
        row.put("backprop_speedup_rounds", List.of(round(t.lowest()), round(t.highest())));
        row.put("max_abs_diff", diff);
        return row;
    }

    /**
     * The first {@code count} of MNIST's test images from {@code data} (may be null), {@code BACKPROP_DATA} or the
     * cache, without downloading; null, with a note on standard error, when none of them has it (then only noise is
     * timed).
     */
    private static Tensor firstTestImages(Path data, int count) throws IOException {
        DatasetLocator locator = DatasetLocator.standard(data, false);
        try {
            locator.locate(NamedDataset.MNIST);
        } catch (IOException notFound) {
            System.err.println("inference: MNIST not found (" + notFound.getMessage() + "); timing uniform noise"
                    + " only. Give --data DIR to time real images too.");
            return null;
        }
        return NamedDatasets.load(NamedDataset.MNIST, locator).test().features().narrow(0, 0, count).contiguous();
    }

    private static void forward(Module model, Tensor x) {
        try (var off = GradMode.noGrad()) {
            model.forward(x);
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** One run of the session, the input copied into ONNX Runtime's tensor as a caller of it would. */
    private static float[] runtime(OrtEnvironment env, OrtSession session, float[] input, long[] shape) throws Exception {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
             OrtSession.Result out = session.run(Map.of("input", t))) {
            float[][] logits = (float[][]) out.get(0).getValue();
            float[] flat = new float[logits.length * logits[0].length];
            for (int i = 0; i < logits.length; i++) {
                System.arraycopy(logits[i], 0, flat, i * logits[0].length, logits[0].length);
            }
            return flat;
        }
    }
}
