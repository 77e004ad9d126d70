package dev.backprop.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.onnx.load.OnnxImport;
import dev.backprop.onnx.load.OnnxImportException;
import dev.backprop.onnx.load.OnnxModel;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * ONNX import cases ({@code onnx-import/NAME.json} beside {@code NAME.onnx}, see that folder's
 * README): the exported model imported into Backprop gives PyTorch's output for the case's inputs,
 * and backpropagating {@code sum(output * upstream)} through the imported graph gives PyTorch's
 * gradient for every parameter, which must be exactly the file's floating-point initializers
 * (running statistics aside).
 */
final class OnnxImportCases {
    /** Ops whose presence makes the output a long float32 chain, compared with {@link Tolerance#CHAIN}. */
    private static final Set<String> CHAIN_OPS = Set.of("Conv", "BatchNormalization", "LayerNormalization", "Softmax",
            "ReduceMean", "MatMul");

    private OnnxImportCases() {
    }

    /** Every case in {@code dir}, in name order. */
    static List<CaseResult> run(Path dir, java.util.function.Function<Path, JsonNode> read) throws IOException {
        List<Path> jsons;
        try (Stream<Path> files = Files.list(dir)) {
            jsons = files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        List<CaseResult> results = new ArrayList<>();
        for (Path json : jsons) {
            String base = json.getFileName().toString().replaceFirst("\\.json$", "");
            Path onnx = dir.resolve(base + ".onnx");
            String name = "onnx-import/" + base;
            if (!Files.isRegularFile(onnx)) {
                results.add(new CaseResult(name, CaseResult.Status.FAILED, "no " + onnx.getFileName() + " beside "
                        + json.getFileName()));
                continue;
            }
            try {
                results.add(check(name, onnx, read.apply(json)));
            } catch (MalformedReferenceException e) {
                throw e;
            } catch (OnnxImportException | RuntimeException e) {
                results.add(new CaseResult(name, CaseResult.Status.FAILED, e.getClass().getSimpleName() + ": "
                        + e.getMessage()));
            }
        }
        return results;
    }

    private static CaseResult check(String name, Path onnx, JsonNode root) throws OnnxImportException {
        OnnxModel model = OnnxImport.load(onnx);
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        root.path("inputs").fields().forEachRemaining(e -> inputs.put(e.getKey(),
                ReferenceJson.tensor(e.getValue(), name + " input " + e.getKey())));
        JsonNode expected = root.get("output");
        String outputName = expected.path("name").asText(model.outputNames().get(0));
        Tensor out = model.run(inputs).get(outputName);
        if (out == null) {
            return new CaseResult(name, CaseResult.Status.FAILED, "the model has no output '" + outputName + "'");
        }
        boolean chain = false;
        for (JsonNode op : root.path("ops")) {
            chain |= CHAIN_OPS.contains(op.asText());
        }
        NetworkCases.Check outputs = new NetworkCases.Check(chain ? Tolerance.CHAIN : Tolerance.OP);
        outputs.values("output " + outputName, out.toFloatArray(), ReferenceJson.values(expected));
        CaseResult first = outputs.result(name);
        if (first.status() == CaseResult.Status.FAILED) {
            return first;
        }
        out.mul(ReferenceJson.tensor(root.get("upstream"), name + " upstream")).sum().backward();
        Map<String, Tensor> params = model.namedParameters();
        NetworkCases.Check grads = new NetworkCases.Check(Tolerance.CHAIN);
        JsonNode expectedGrads = root.path("grads");
        List<String> names = new ArrayList<>();
        expectedGrads.fieldNames().forEachRemaining(names::add);
        if (!params.keySet().equals(new java.util.LinkedHashSet<>(names))) {
            return new CaseResult(name, CaseResult.Status.FAILED, "parameters " + params.keySet()
                    + ", PyTorch's " + names);
        }
        for (String p : names) {
            Tensor g = params.get(p).grad();
            if (g == null) {
                return new CaseResult(name, CaseResult.Status.FAILED, "no gradient reached " + p);
            }
            grads.values("grad " + p, g.toFloatArray(), ReferenceJson.values(expectedGrads.get(p)));
        }
        CaseResult result = grads.result(name);
        return result.status() == CaseResult.Status.FAILED ? result
                : new CaseResult(name, CaseResult.Status.PASSED, first.detail() + " (output), " + result.detail()
                        + " (" + names.size() + " parameter gradients)");
    }
}
