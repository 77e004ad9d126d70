package dev.backprop.compare;

import dev.backprop.backend.Backend;
import dev.backprop.backend.Backends;
import dev.backprop.cpu.PeakFlops;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Backprop's SGEMM beside OpenBLAS's in one run, the two timed in alternating rounds on the same
 * arrays: the square sizes and the shapes the MNIST MLP, LeNet-5, the GPT recipe and MiniLM (a batch
 * of 32 sentences of 128 tokens) multiply, each as a share of the FMA peak measured in the same run,
 * and the MLP epoch's GEMM-only floor (its 8 products times the steps of an epoch). Both results are
 * compared, so a fast wrong kernel shows. {@code --shapes} picks groups of shapes by model.
 */
final class GemmCompare {
    /** One product: C [m, n] = A B in the form NN, NT (B stored transposed) or TN (A stored transposed). */
    record Shape(String model, String what, int m, int n, int k, String form) {
        double flops() {
            return 2.0 * m * n * k;
        }
    }

    /** The MLP 784-256-256-10 at batch 128: its forward, the inputs' gradients and the weights' gradients. */
    static final List<Shape> MLP = List.of(
            new Shape("mlp", "fc1 forward", 128, 256, 784, "NT"),
            new Shape("mlp", "fc2 forward", 128, 256, 256, "NT"),
            new Shape("mlp", "fc3 forward", 128, 10, 256, "NT"),
            new Shape("mlp", "fc3 dX", 128, 256, 10, "NN"),
            new Shape("mlp", "fc2 dX", 128, 256, 256, "NN"),
            new Shape("mlp", "fc3 dW", 10, 256, 128, "TN"),
            new Shape("mlp", "fc2 dW", 256, 256, 128, "TN"),
            new Shape("mlp", "fc1 dW", 256, 784, 128, "TN"));

    static final List<Shape> OTHERS = List.of(
            new Shape("square", "256", 256, 256, 256, "NN"),
            new Shape("square", "512", 512, 512, 512, "NN"),
            new Shape("square", "1024", 1024, 1024, 1024, "NN"),
            new Shape("square", "2048", 2048, 2048, 2048, "NN"),
            // LeNet-5 at batch 128: the convolutions as im2col products, then the dense layers.
            new Shape("lenet", "conv1 as im2col", 100_352, 6, 25, "NT"),
            new Shape("lenet", "conv2 as im2col", 12_800, 16, 150, "NT"),
            new Shape("lenet", "fc1 forward", 128, 120, 400, "NT"),
            new Shape("lenet", "fc1 dW", 120, 400, 128, "TN"),
            // The GPT recipe: 12 windows of 64 tokens, width 128, 65 symbols.
            new Shape("gpt", "qkv forward", 768, 384, 128, "NT"),
            new Shape("gpt", "mlp up forward", 768, 512, 128, "NT"),
            new Shape("gpt", "mlp down forward", 768, 128, 512, "NT"),
            new Shape("gpt", "head forward", 768, 65, 128, "NT"),
            new Shape("gpt", "mlp down dX", 768, 512, 128, "NN"),
            new Shape("gpt", "qkv dW", 384, 128, 768, "TN"),
            new Shape("gpt", "mlp up dW", 512, 128, 768, "TN"),
            // all-MiniLM-L6-v2 at inference, 32 sentences of 128 tokens: the ONNX file's weights are [in, out].
            new Shape("minilm", "q, k, v, out", 4096, 384, 384, "NN"),
            new Shape("minilm", "ffn up", 4096, 1536, 384, "NN"),
            new Shape("minilm", "ffn down", 4096, 384, 1536, "NN"));

    /** The groups of shapes, by the model that multiplies them. */
    static final List<String> MODELS = List.of("square", "lenet", "gpt", "minilm", "mlp");

    private GemmCompare() {
    }

    /** The groups a comma-separated list names, checked against {@link #MODELS}. */
    static List<String> models(String list) {
        List<String> named = List.of(list.split(","));
        for (String m : named) {
            if (!MODELS.contains(m)) {
                throw new IllegalArgumentException("--shapes " + list + ": unknown group '" + m + "'; give some of "
                        + String.join(",", MODELS));
            }
        }
        return named;
    }

    static void run(int threads, List<String> models) {
        OpenBlas blas = OpenBlas.load();
        blas.threads(threads);
        Backend backend = Backends.active();
        double peak = PeakFlops.measure(1000);
        System.out.printf(Locale.ROOT, "SGEMM, %s, %d threads; FMA peak measured now %.1f GFLOP/s; Backprop %s backend,"
                + " OpenBLAS %s kernels%n", dev.backprop.cpu.CpuInfo.current(), threads, peak, backend.name(), blas.coreType());
        System.out.printf(Locale.ROOT, "%-7s %-17s %6s %6s %6s %4s  %9s %6s  %9s %6s  %6s  %s%n", "model", "product", "m",
                "n", "k", "form", "Backprop", "%peak", "OpenBLAS", "%peak", "ratio", "max rel diff");
        List<Shape> all = new ArrayList<>(OTHERS);
        all.addAll(MLP);
        all.removeIf(s -> !models.contains(s.model()));
        double mlpOurs = 0;
        double mlpTheirs = 0;
        for (Shape s : all) {
            double[] seconds = time(s, backend, blas);
            if (s.model().equals("mlp")) {
                mlpOurs += seconds[0];
                mlpTheirs += seconds[1];
            }
            double ours = s.flops() / seconds[0] / 1e9;
            double theirs = s.flops() / seconds[1] / 1e9;
            System.out.printf(Locale.ROOT, "%-7s %-17s %6d %6d %6d %4s  %9.1f %5.0f%%  %9.1f %5.0f%%  %6.2f  %.1e%n",
                    s.model(), s.what(), s.m(), s.n(), s.k(), s.form(), ours, 100 * ours / peak, theirs,
                    100 * theirs / peak, ours / theirs, seconds[2]);
        }
        double steps = 60_000 / 128.0;
        if (!models.contains("mlp")) {
            return;
        }
        System.out.printf(Locale.ROOT, "the MNIST MLP epoch's 8 GEMMs x %.0f steps: Backprop %.3f s, OpenBLAS %.3f s (the"
                + " GEMM-only floor)%n", steps, mlpOurs * steps, mlpTheirs * steps);
    }

    /** Seconds per product for Backprop and OpenBLAS (best of alternating rounds) and their results' largest difference. */
    private static double[] time(Shape s, Backend backend, OpenBlas blas) {
        Generator g = new Generator(1);
        float[] a = Tensor.randn(g, s.m() * s.k()).toFloatArray();
        float[] b = Tensor.randn(g, s.k() * s.n()).toFloatArray();
        float[] ours = new float[s.m() * s.n()];
        float[] theirs = new float[s.m() * s.n()];
        boolean ta = s.form().charAt(0) == 'T';
        boolean tb = s.form().charAt(1) == 'T';
        int aRs = ta ? 1 : s.k();
        int aCs = ta ? s.m() : 1;
        int bRs = tb ? 1 : s.n();
        int bCs = tb ? s.k() : 1;
        // Rounds of about 0.1 s each; the first of each side warms it up and is discarded.
        int reps = (int) Math.max(2, Math.min(100_000, 2e10 / s.flops() / 2));
        double best0 = Double.MAX_VALUE;
        double best1 = Double.MAX_VALUE;
        for (int round = 0; round < 6; round++) {
            long start = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                backend.gemm(s.m(), s.n(), s.k(), a, 0, aRs, aCs, b, 0, bRs, bCs, ours, 0, s.n(), false);
            }
            long mid = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                blas.gemm(s.form(), s.m(), s.n(), s.k(), a, b, theirs);
            }
            long end = System.nanoTime();
            if (round > 0) {
                best0 = Math.min(best0, (mid - start) / 1e9 / reps);
                best1 = Math.min(best1, (end - mid) / 1e9 / reps);
            }
        }
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < ours.length; i++) {
            diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
            scale = Math.max(scale, Math.abs(theirs[i]));
        }
        return new double[] {best0, best1, diff / scale};
    }
}
