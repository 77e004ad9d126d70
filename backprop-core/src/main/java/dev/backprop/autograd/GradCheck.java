package dev.backprop.autograd;

import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.Locale;
import java.util.function.Function;

/**
 * Checks analytic gradients against central finite differences, like PyTorch's
 * {@code gradcheck}. The function's output is projected onto a fixed random direction {@code u}, so
 * that a single scalar {@code L = sum(u * f(x))} covers every output element; each input element
 * is then nudged by {@code +-step} and {@code (L+ - L-) / (x+ - x-)} is compared with the gradient
 * backward computed. Sums and differences are taken in float64, and the denominator uses the
 * nudged values as actually rounded to float32, so the only float32 error is in {@code f} itself.
 *
 * <pre>{@code
 * GradCheck.Result r = GradCheck.check(in -> in[0].matmul(in[1]).tanh(), a, b);
 * if (!r.passed()) System.out.println(r.report());
 * }</pre>
 *
 * Choose inputs away from kinks (ReLU at 0, ties in max): there the function has no derivative.
 */
public final class GradCheck {

    /**
     * Settings: the finite-difference {@code step}, and a pair passes when
     * {@code |analytic - numeric| <= absTolerance + relTolerance * |numeric|}.
     */
    public record Options(double step, double absTolerance, double relTolerance, long seed) {
        /** Defaults sized for float32 evaluation: step 1e-3, tolerances 1e-3 absolute and 1e-2 relative. */
        public static final Options DEFAULT = new Options(1e-3, 1e-3, 1e-2, 1234);

        public Options {
            if (!(step > 0) || absTolerance < 0 || relTolerance < 0) {
                throw new IllegalArgumentException("GradCheck.Options: step must be positive and tolerances"
                        + " non-negative, got step " + step + ", abs " + absTolerance + ", rel " + relTolerance);
            }
        }

        public Options withStep(double value) {
            return new Options(value, absTolerance, relTolerance, seed);
        }

        public Options withTolerances(double abs, double rel) {
            return new Options(step, abs, rel, seed);
        }
    }

    /** The outcome: whether every element agreed, the worst disagreement, and a readable report. */
    public record Result(boolean passed, double maxAbsError, String report) {
    }

    private GradCheck() {
    }

    /** Checks with {@link Options#DEFAULT}. */
    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(Options.DEFAULT, f, inputs);
    }

    /** Checks the gradient of {@code f} with respect to every input at the given values. */
    public static Result check(Options options, Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            leaves[i] = Tensor.fromArray(inputs[i].toFloatArray(), inputs[i].shape().dims()).setRequiresGrad(true);
        }
        Tensor out = f.apply(leaves);
        Tensor direction = Tensor.randn(new Generator(options.seed()), out.shape().dims());
        float[] u = direction.toFloatArray();
        out.backward(direction);

        StringBuilder report = new StringBuilder();
        boolean passed = true;
        double worst = 0;
        for (int i = 0; i < leaves.length; i++) {
            float[] analytic = leaves[i].grad() == null
                    ? new float[leaves[i].numel()] : leaves[i].grad().toFloatArray();
            float[] numeric = numericGradient(options, f, leaves, i, u);
            for (int j = 0; j < numeric.length; j++) {
                double err = Math.abs(analytic[j] - (double) numeric[j]);
                worst = Math.max(worst, err);
                if (err > options.absTolerance() + options.relTolerance() * Math.abs(numeric[j])) {
                    if (passed || report.length() < 2000) {
                        report.append(String.format(Locale.ROOT,
                                "input %d %s, element %d: analytic %.6g, numeric %.6g (error %.3g)%n",
                                i, leaves[i].shape(), j, analytic[j], numeric[j], err));
                    }
                    passed = false;
                }
            }
        }
        if (passed) {
            report.append(String.format(Locale.ROOT, "all gradients agree (max error %.3g)", worst));
        }
        return new Result(passed, worst, report.toString());
    }

    private static float[] numericGradient(Options options, Function<Tensor[], Tensor> f,
                                           Tensor[] leaves, int which, float[] u) {
        float[] base = leaves[which].toFloatArray();
        int[] dims = leaves[which].shape().dims();
        float[] result = new float[base.length];
        Tensor[] args = leaves.clone();
        try (var scope = GradMode.noGrad()) {
            for (int j = 0; j < base.length; j++) {
                float[] values = base.clone();
                float plus = (float) (base[j] + options.step());
                float minus = (float) (base[j] - options.step());
                values[j] = plus;
                args[which] = Tensor.fromArray(values, dims);
                double lPlus = project(f.apply(args), u);
                values[j] = minus;
                args[which] = Tensor.fromArray(values, dims);
                double lMinus = project(f.apply(args), u);
                result[j] = (float) ((lPlus - lMinus) / ((double) plus - minus));
            }
        }
        return result;
    }

    private static double project(Tensor out, float[] u) {
        float[] v = out.toFloatArray();
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            sum += (double) u[i] * v[i];
        }
        return sum;
    }
}
