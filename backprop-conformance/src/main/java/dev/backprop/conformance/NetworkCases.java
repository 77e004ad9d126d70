package dev.backprop.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.functional.Losses;
import dev.backprop.optim.SGD;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Whole small networks: {@code mlp.json} (4-8-6-3, ReLU then tanh, cross-entropy over a batch
 * of 5: loss and every parameter gradient) and {@code mazur.json} (the 2-2-2 sigmoid network of
 * the classic worked example: forward values, gradients and one SGD step).
 */
final class NetworkCases {
    private NetworkCases() {
    }

    /** The mlp.json network, with PyTorch's parameter names fc1, fc2, fc3. */
    static final class Mlp extends Module {
        final Linear fc1;
        final Linear fc2;
        final Linear fc3;

        Mlp(int in, int h1, int h2, int out) {
            Generator g = new Generator(0);
            fc1 = registerModule("fc1", new Linear(in, h1, g));
            fc2 = registerModule("fc2", new Linear(h1, h2, g));
            fc3 = registerModule("fc3", new Linear(h2, out, g));
        }

        @Override
        public Tensor forward(Tensor x) {
            return fc3.forward(fc2.forward(fc1.forward(x).relu()).tanh());
        }
    }

    static CaseResult mlp(JsonNode root) {
        String name = "mlp.json 4-8-6-3 relu/tanh cross-entropy";
        Map<String, Tensor> params = new LinkedHashMap<>();
        root.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), ReferenceJson.tensor(e.getValue(), name + " " + e.getKey())));
        Tensor x = ReferenceJson.tensor(root.get("x"), name + " x");
        Tensor labels = ReferenceJson.tensor(root.get("labels"), name + " labels");
        Mlp net = new Mlp(x.size(1), params.get("fc1.weight").size(0), params.get("fc2.weight").size(0),
                params.get("fc3.weight").size(0));
        net.loadStateDict(params);
        Tensor logits = net.forward(x);
        Tensor loss = Losses.crossEntropy(logits, labels);
        loss.backward();
        Check check = new Check(Tolerance.OP);
        check.values("logits", logits.toFloatArray(), ReferenceJson.values(root.get("logits")));
        check.values("loss", new float[] {loss.item()}, new double[] {root.path("loss").asDouble()});
        root.path("grads").fields().forEachRemaining(e -> check.values("grad " + e.getKey(),
                net.namedParameters().get(e.getKey()).grad().toFloatArray(), ReferenceJson.values(e.getValue())));
        return check.result(name);
    }

    static CaseResult mazur(JsonNode root) {
        String name = "mazur.json 2-2-2 sigmoid worked example";
        Tensor w1 = tensor(root, "W1", name).setRequiresGrad(true);
        Tensor b1 = tensor(root, "b1", name).setRequiresGrad(true);
        Tensor w2 = tensor(root, "W2", name).setRequiresGrad(true);
        Tensor b2 = tensor(root, "b2", name).setRequiresGrad(true);
        Tensor x = tensor(root, "x", name);
        Tensor target = tensor(root, "target", name);
        Tensor hidden = w1.matmul(x).add(b1).sigmoid();
        Tensor out = w2.matmul(hidden).add(b2).sigmoid();
        Tensor loss = halfSquaredError(out, target);
        loss.backward();
        Check check = new Check(Tolerance.OP);
        check.values("hidden", hidden.toFloatArray(), ReferenceJson.values(root.get("hidden")));
        check.values("output", out.toFloatArray(), ReferenceJson.values(root.get("output")));
        check.values("loss", new float[] {loss.item()}, new double[] {root.path("loss").asDouble()});
        check.values("dW1", w1.grad().toFloatArray(), ReferenceJson.values(root.get("dW1")));
        check.values("db1", b1.grad().toFloatArray(), ReferenceJson.values(root.get("db1")));
        check.values("dW2", w2.grad().toFloatArray(), ReferenceJson.values(root.get("dW2")));
        check.values("db2", b2.grad().toFloatArray(), ReferenceJson.values(root.get("db2")));
        SGD sgd = new SGD(java.util.List.of(w1, w2), SGD.Config.DEFAULT.withLr(root.path("lr").asDouble()));
        sgd.step();
        check.values("W1 after one step", w1.toFloatArray(), ReferenceJson.values(root.get("W1_after")));
        check.values("W2 after one step", w2.toFloatArray(), ReferenceJson.values(root.get("W2_after")));
        return check.result(name);
    }

    /** The worked example's loss: {@code sum of 1/2 (target - out)^2}. */
    static Tensor halfSquaredError(Tensor out, Tensor target) {
        Tensor d = target.sub(out);
        return d.mul(d).mul(0.5f).sum();
    }

    private static Tensor tensor(JsonNode root, String key, String name) {
        return ReferenceJson.tensor(root.get(key), name + " " + key);
    }

    /** Collects the first disagreement and the worst error over several comparisons. */
    static final class Check {
        private final Tolerance tolerance;
        private String problem;
        private double worst;

        Check(Tolerance tolerance) {
            this.tolerance = tolerance;
        }

        void values(String what, float[] ours, double[] ref) {
            if (problem == null) {
                problem = tolerance.compare(what, ours, ref);
                worst = Math.max(worst, Tolerance.maxError(ours, ref));
            }
        }

        CaseResult result(String name) {
            return problem != null ? new CaseResult(name, CaseResult.Status.FAILED, problem)
                    : new CaseResult(name, CaseResult.Status.PASSED, String.format(Locale.ROOT, "max error %.2e", worst));
        }
    }
}
