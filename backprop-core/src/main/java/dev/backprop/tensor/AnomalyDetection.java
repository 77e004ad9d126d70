package dev.backprop.tensor;

import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Anomaly mode: while a detection scope is open on this thread, every recorded op's output and
 * every gradient that backward computes is checked for NaN and infinity, and the first op that
 * produces one stops the computation with an {@link AnomalyException} that names the op, the
 * module it ran in (found through the parameters it read, or the last module seen before it),
 * and the shapes and statistics of its inputs. Off by default; when off, each op pays one read
 * of a static field. Open it through {@code Module.detectAnomalies()} to get module names:
 *
 * <pre>{@code
 * try (var scope = model.detectAnomalies()) {
 *     Tensor loss = Losses.crossEntropy(model.forward(x), y);
 *     loss.backward();
 * }
 * }</pre>
 */
public final class AnomalyDetection implements AutoCloseable {
    private static final ThreadLocal<AnomalyDetection> ACTIVE = new ThreadLocal<>();
    /** Open scopes on any thread: when 0, ops skip the check with one field read. */
    private static volatile int open;

    private final Map<Tensor, String> parameterModules = new IdentityHashMap<>();
    private final AnomalyDetection previous;
    private String lastModule;
    /** Inside a backward pass the ops of gradient rules are checked as the rule's results, not one by one. */
    private boolean inBackward;

    private AnomalyDetection(Map<String, Tensor> parameters, Function<String, String> moduleOf) {
        parameters.forEach((name, t) -> parameterModules.put(t, moduleOf.apply(name)));
        previous = ACTIVE.get();
        ACTIVE.set(this);
        synchronized (AnomalyDetection.class) {
            open++;
        }
    }

    /**
     * Opens a scope; {@code parameters} by dotted name and {@code moduleOf}, which turns a
     * parameter's name into its module's description ({@code features.3 (Conv2d)}), let reports
     * say where an op ran. Both may be empty.
     */
    public static AnomalyDetection enable(Map<String, Tensor> parameters, Function<String, String> moduleOf) {
        return new AnomalyDetection(parameters, moduleOf);
    }

    @Override
    public void close() {
        ACTIVE.set(previous);
        synchronized (AnomalyDetection.class) {
            open--;
        }
    }

    /** Thrown at the first non-finite value an op or a gradient rule produces, while detection is on. */
    public static final class AnomalyException extends ArithmeticException {
        private static final long serialVersionUID = 1L;

        AnomalyException(String message) {
            super(message);
        }
    }

    /** Where the op reading {@code inputs} runs, for the report; null while detection is off. */
    static String place(Tensor[] inputs) {
        if (open == 0) {
            return null;
        }
        AnomalyDetection d = ACTIVE.get();
        if (d == null || d.inBackward) {
            return null;
        }
        for (Tensor t : inputs) {
            String module = t == null ? null : d.parameterModules.get(t);
            if (module != null) {
                d.lastModule = module;
                return "in " + module;
            }
        }
        return d.lastModule == null ? "before any module with parameters" : "after " + d.lastModule;
    }

    /** Marks the start (true) or end (false) of a backward pass on this thread; returns the previous mark. */
    static boolean backward(boolean running) {
        AnomalyDetection d = open == 0 ? null : ACTIVE.get();
        if (d == null) {
            return false;
        }
        boolean before = d.inBackward;
        d.inBackward = running;
        return before;
    }

    /** Checks an op's forward output; {@code where} comes from {@link #place} (detection is on). */
    static void checkForward(String op, Tensor output, Tensor[] inputs, String where) {
        String bad = nonFinite(output);
        if (bad != null) {
            throw new AnomalyException("anomaly: op '" + op + "' " + where + " produced " + bad + " in its output "
                    + output.shape() + "; inputs: " + describe(inputs));
        }
    }

    /** Checks the gradients a node's rule returned (when detection is on). */
    static void checkBackward(Node node, Tensor gradOutput, Tensor[] inputGrads) {
        if (open == 0 || ACTIVE.get() == null) {
            return;
        }
        for (int j = 0; j < inputGrads.length; j++) {
            String bad = inputGrads[j] == null ? null : nonFinite(inputGrads[j]);
            if (bad != null) {
                throw new AnomalyException("anomaly in backward: the gradient of op '" + node.op + "' "
                        + (node.where == null ? "" : node.where + " ") + "for its input " + j + " has " + bad
                        + "; incoming gradient: " + stats(gradOutput) + "; inputs: " + describe(node.inputs));
            }
        }
    }

    private static String nonFinite(Tensor t) {
        int nan = 0;
        int inf = 0;
        for (float v : t.toFloatArray()) {
            if (Float.isNaN(v)) {
                nan++;
            } else if (Float.isInfinite(v)) {
                inf++;
            }
        }
        if (nan == 0 && inf == 0) {
            return null;
        }
        return (nan > 0 ? nan + " NaN" : "") + (nan > 0 && inf > 0 ? " and " : "") + (inf > 0 ? inf + " infinite" : "")
                + " of " + t.numel() + " values";
    }

    private static String describe(Tensor[] inputs) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < inputs.length; i++) {
            sb.append(i == 0 ? "" : "; ").append('#').append(i).append(' ').append(inputs[i] == null ? "none" : stats(inputs[i]));
        }
        return sb.toString();
    }

    private static String stats(Tensor t) {
        if (t == null) {
            return "none";
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        int finite = 0;
        int bad = 0;
        for (float v : t.toFloatArray()) {
            if (Float.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
                sum += v;
                finite++;
            } else {
                bad++;
            }
        }
        return String.format(Locale.ROOT, "%s min %.4g max %.4g mean %.4g%s", t.shape(), min, max,
                finite == 0 ? Double.NaN : sum / finite, bad > 0 ? " (" + bad + " non-finite)" : "");
    }
}
