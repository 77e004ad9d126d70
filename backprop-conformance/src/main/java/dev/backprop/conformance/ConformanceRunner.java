package dev.backprop.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Runs the PyTorch reference cases of a directory in the reference format (see
 * {@code shared/reference/README.md}) against Backprop: each op's output, then backward with the
 * case's upstream gradient and each input's gradient. Returns one {@link CaseResult} per case.
 *
 * <pre>{@code
 * List<CaseResult> results = ConformanceRunner.run(Path.of("../shared/reference/pytorch"));
 * }</pre>
 */
public final class ConformanceRunner {
    /** Ops whose results come out of long float32 chains and get {@link Tolerance#CHAIN}. */
    private static final Set<String> CHAIN_OPS = Set.of("conv2d", "batch_norm", "layer_norm",
            "scaled_dot_product_attention", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d");

    private ConformanceRunner() {
    }

    /**
     * Runs every case found in {@code dir}: {@code ops.json} (required), and {@code optim.json},
     * {@code sched.json}, {@code mlp.json}, {@code mazur.json}, {@code seq.json} and the ONNX import cases
     * of {@code onnx-import/} where present.
     */
    public static List<CaseResult> run(Path dir) throws IOException {
        Path ops = dir.resolve("ops.json");
        if (!Files.isRegularFile(ops)) {
            throw new IOException("conformance: " + dir + " has no ops.json; expected a directory in the"
                    + " reference format (such as shared/reference/pytorch)");
        }
        JsonNode cases = read(ops).get("cases");
        if (cases == null || !cases.isArray()) {
            throw new MalformedReferenceException(ops + ": expected a top-level \"cases\" array");
        }
        List<CaseResult> results = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            results.add(runCase(cases.get(i), String.format(Locale.ROOT, "ops.json#%02d", i)));
        }
        if (Files.isRegularFile(dir.resolve("optim.json"))) {
            results.addAll(OptimizerCases.run(read(dir.resolve("optim.json"))));
        }
        if (Files.isRegularFile(dir.resolve("sched.json"))) {
            results.addAll(ScheduleCases.run(read(dir.resolve("sched.json"))));
        }
        if (Files.isRegularFile(dir.resolve("mlp.json"))) {
            results.add(guard("mlp.json", () -> NetworkCases.mlp(read(dir.resolve("mlp.json")))));
        }
        if (Files.isRegularFile(dir.resolve("mazur.json"))) {
            results.add(guard("mazur.json", () -> NetworkCases.mazur(read(dir.resolve("mazur.json")))));
        }
        if (Files.isRegularFile(dir.resolve("seq.json"))) {
            results.addAll(SequenceCases.run(read(dir.resolve("seq.json"))));
        }
        if (Files.isDirectory(dir.resolve("onnx-import"))) {
            results.addAll(OnnxImportCases.run(dir.resolve("onnx-import"), file -> {
                try {
                    return read(file);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        return results;
    }

    private static JsonNode read(Path file) throws IOException {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new MalformedReferenceException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** A case that throws (a reference file that does not fit) fails with the message, not the run. */
    private static CaseResult guard(String name, IoCase body) throws IOException {
        try {
            return body.run();
        } catch (MalformedReferenceException e) {
            throw e;
        } catch (RuntimeException e) {
            return new CaseResult(name, CaseResult.Status.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    @FunctionalInterface
    private interface IoCase {
        CaseResult run() throws IOException;
    }

    static CaseResult runCase(JsonNode c, String id) {
        String op = c.path("op").asText("?");
        Attributes attrs = new Attributes(c.get("attrs"), id);
        String name = id + " " + op + (attrs.note().isEmpty() ? "" : " (" + attrs.note() + ")");
        OpRegistry.Op plain = OpRegistry.find(op);
        OpRegistry.StatefulOp stateful = OpRegistry.findStateful(op);
        if (plain == null && stateful == null) {
            String later = OpRegistry.laterIssue(op);
            return later != null
                    ? new CaseResult(name, CaseResult.Status.SKIPPED, "arrives with " + later)
                    : new CaseResult(name, CaseResult.Status.FAILED, "op '" + op + "' is not supported by Backprop");
        }
        try {
            return check(c, name, op, plain, stateful, attrs);
        } catch (MalformedReferenceException e) {
            throw e;
        } catch (RuntimeException e) {
            return new CaseResult(name, CaseResult.Status.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static CaseResult check(JsonNode c, String name, String op, OpRegistry.Op plain,
                                    OpRegistry.StatefulOp stateful, Attributes attrs) {
        Tolerance tol = CHAIN_OPS.contains(op) ? Tolerance.CHAIN : Tolerance.OP;
        List<Tensor> inputs = new ArrayList<>();
        JsonNode inputNodes = c.path("inputs");
        for (int i = 0; i < inputNodes.size(); i++) {
            inputs.add(ReferenceJson.tensor(inputNodes.get(i), name + " input " + i).setRequiresGrad(true));
        }
        Map<String, Tensor> ints = new LinkedHashMap<>();
        c.path("int_inputs").fields().forEachRemaining(e -> ints.put(e.getKey(), ReferenceJson.tensor(e.getValue(), name + " " + e.getKey())));

        Map<String, Tensor> state = new LinkedHashMap<>();
        Tensor out = plain != null ? plain.apply(inputs, ints, attrs) : stateful.apply(inputs, attrs, state);
        JsonNode expected = c.get("output");
        ReferenceJson.tensor(expected, name + " output");  // validates the reference's own shape/data
        if (!out.shape().equals(dev.backprop.tensor.Shape.of(shapeOf(expected)))) {
            return fail(name, "output shape " + out.shape() + ", PyTorch " + expected.get("shape"));
        }
        float[] outValues = out.toFloatArray();
        String problem = tol.compare("output", outValues, ReferenceJson.values(expected));
        if (problem != null) {
            return fail(name, problem);
        }
        double worst = Tolerance.maxError(outValues, ReferenceJson.values(expected));
        for (var e : state.entrySet()) {
            if (c.hasNonNull(e.getKey())) {
                double[] ref = ReferenceJson.values(c.get(e.getKey()));
                String stateProblem = tol.compare(e.getKey(), e.getValue().toFloatArray(), ref);
                if (stateProblem != null) {
                    return fail(name, stateProblem);
                }
                worst = Math.max(worst, Tolerance.maxError(e.getValue().toFloatArray(), ref));
            }
        }

        JsonNode grads = c.get("grads");
        if (grads != null && grads.isArray() && out.requiresGrad()) {
            Tensor upstream = c.hasNonNull("upstream")
                    ? ReferenceJson.tensor(c.get("upstream"), name + " upstream")
                    : Tensor.full(1f, out.shape().dims());
            out.backward(upstream.reshape(out.shape().dims()));
            for (int i = 0; i < grads.size() && i < inputs.size(); i++) {
                JsonNode g = grads.get(i);
                if (g == null || g.isNull()) {
                    continue;
                }
                Tensor ours = inputs.get(i).grad();
                float[] values = ours == null ? new float[inputs.get(i).numel()] : ours.toFloatArray();
                double[] ref = ReferenceJson.values(g);
                String gradProblem = tol.compare("grad of input " + i, values, ref);
                if (gradProblem != null) {
                    return fail(name, gradProblem);
                }
                worst = Math.max(worst, Tolerance.maxError(values, ref));
            }
        }
        return new CaseResult(name, CaseResult.Status.PASSED, String.format(Locale.ROOT, "max error %.2e", worst));
    }

    private static int[] shapeOf(JsonNode tensor) {
        JsonNode s = tensor.get("shape");
        int[] dims = new int[s.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = s.get(i).asInt();
        }
        return dims;
    }

    private static CaseResult fail(String name, String why) {
        return new CaseResult(name, CaseResult.Status.FAILED, why);
    }

    /** The closing line: {@code N passed, M failed, K skipped}. */
    public static String summary(List<CaseResult> results) {
        long passed = results.stream().filter(r -> r.status() == CaseResult.Status.PASSED).count();
        long failed = results.stream().filter(r -> r.status() == CaseResult.Status.FAILED).count();
        long skipped = results.stream().filter(r -> r.status() == CaseResult.Status.SKIPPED).count();
        return passed + " passed, " + failed + " failed, " + skipped + " skipped";
    }
}
