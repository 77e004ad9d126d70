package dev.backprop.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.optim.Adagrad;
import dev.backprop.optim.Adam;
import dev.backprop.optim.AdamW;
import dev.backprop.optim.Adamax;
import dev.backprop.optim.NAdam;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.RMSprop;
import dev.backprop.optim.SGD;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code optim.json}: each case gives a parameter, a gradient per step and the parameter after
 * each step; the optimizer built from PyTorch's hyper-parameter names must follow the trajectory.
 */
final class OptimizerCases {
    private OptimizerCases() {
    }

    static List<CaseResult> run(JsonNode root) {
        List<CaseResult> results = new ArrayList<>();
        JsonNode cases = root.path("cases");
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String name = String.format(Locale.ROOT, "optim.json#%02d %s %s", i, c.path("optimizer").asText(),
                    c.path("hyper").toString());
            try {
                results.add(runCase(c, name));
            } catch (MalformedReferenceException e) {
                throw e;
            } catch (RuntimeException e) {
                results.add(new CaseResult(name, CaseResult.Status.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
        }
        return results;
    }

    private static CaseResult runCase(JsonNode c, String name) {
        Tensor param = ReferenceJson.tensor(c.get("param0"), name + " param0").setRequiresGrad(true);
        Optimizer optimizer = build(c.path("optimizer").asText(), new Attributes(c.get("hyper"), name), List.of(param));
        if (optimizer == null) {
            return new CaseResult(name, CaseResult.Status.FAILED, "optimizer '" + c.path("optimizer").asText()
                    + "' is not supported by Backprop");
        }
        JsonNode grads = c.path("grads");
        JsonNode after = c.path("after_each_step");
        double worst = 0;
        for (int step = 0; step < grads.size(); step++) {
            Tensor g = ReferenceJson.tensor(grads.get(step), name + " grads[" + step + "]");
            param.zeroGrad();
            param.mul(g).sum().backward();   // sets param.grad to exactly g
            optimizer.step();
            float[] ours = param.toFloatArray();
            double[] ref = ReferenceJson.values(after.get(step));
            String problem = Tolerance.CHAIN.compare("step " + (step + 1) + " param", ours, ref);
            if (problem != null) {
                return new CaseResult(name, CaseResult.Status.FAILED, problem);
            }
            worst = Math.max(worst, Tolerance.maxError(ours, ref));
        }
        return new CaseResult(name, CaseResult.Status.PASSED,
                String.format(Locale.ROOT, "%d steps, max error %.2e", grads.size(), worst));
    }

    /** The optimizer PyTorch's class name and arguments describe, or null if there is none. */
    static Optimizer build(String type, Attributes h, List<Tensor> params) {
        return switch (type) {
            case "SGD" -> new SGD(params, new SGD.Config(h.real("lr", 0.01), h.real("momentum", 0),
                    h.real("dampening", 0), h.bool("nesterov", false), h.real("weight_decay", 0)));
            case "Adam", "AdamW" -> {
                Adam.Config base = type.equals("Adam") ? Adam.Config.DEFAULT : AdamW.DEFAULT;
                double[] betas = betas(h, base.beta1(), base.beta2());
                Adam.Config cfg = new Adam.Config(h.real("lr", base.lr()), betas[0], betas[1],
                        h.real("eps", base.eps()), h.real("weight_decay", base.weightDecay()),
                        h.bool("amsgrad", false));
                yield type.equals("Adam") ? new Adam(params, cfg) : new AdamW(params, cfg);
            }
            case "RMSprop" -> new RMSprop(params, new RMSprop.Config(h.real("lr", 0.01), h.real("alpha", 0.99),
                    h.real("eps", 1e-8), h.real("weight_decay", 0), h.real("momentum", 0), h.bool("centered", false)));
            case "Adagrad" -> new Adagrad(params, new Adagrad.Config(h.real("lr", 0.01), h.real("lr_decay", 0),
                    h.real("weight_decay", 0), h.real("initial_accumulator_value", 0), h.real("eps", 1e-10)));
            case "Adamax" -> {
                double[] betas = betas(h, 0.9, 0.999);
                yield new Adamax(params, new Adamax.Config(h.real("lr", 2e-3), betas[0], betas[1],
                        h.real("eps", 1e-8), h.real("weight_decay", 0)));
            }
            case "NAdam" -> {
                double[] betas = betas(h, 0.9, 0.999);
                yield new NAdam(params, new NAdam.Config(h.real("lr", 2e-3), betas[0], betas[1],
                        h.real("eps", 1e-8), h.real("weight_decay", 0), h.real("momentum_decay", 4e-3)));
            }
            default -> null;
        };
    }

    private static double[] betas(Attributes h, double b1, double b2) {
        if (!h.has("betas")) {
            return new double[] {b1, b2};
        }
        double[] v = h.doubles("betas");
        return new double[] {v[0], v[1]};
    }
}
