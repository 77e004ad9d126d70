package dev.backprop.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.optim.schedule.CosineAnnealingLR;
import dev.backprop.optim.schedule.ExponentialLR;
import dev.backprop.optim.schedule.LinearLR;
import dev.backprop.optim.schedule.LrSchedule;
import dev.backprop.optim.schedule.OneCycleLR;
import dev.backprop.optim.schedule.StepLR;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code sched.json}: the learning rate at each step of each PyTorch scheduler, from {@code base_lr}. */
final class ScheduleCases {
    private ScheduleCases() {
    }

    static List<CaseResult> run(JsonNode root) {
        double baseLr = root.path("base_lr").asDouble(Double.NaN);
        if (Double.isNaN(baseLr)) {
            throw new MalformedReferenceException("sched.json: expected a numeric \"base_lr\"");
        }
        List<CaseResult> results = new ArrayList<>();
        JsonNode cases = root.path("cases");
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String type = c.path("scheduler").asText();
            String name = String.format(Locale.ROOT, "sched.json#%02d %s %s", i, type, c.path("args"));
            try {
                LrSchedule schedule = build(type, new Attributes(c.get("args"), name));
                results.add(schedule == null
                        ? new CaseResult(name, CaseResult.Status.FAILED, "scheduler '" + type + "' is not supported")
                        : compare(name, schedule, baseLr, c.path("lr")));
            } catch (RuntimeException e) {
                results.add(new CaseResult(name, CaseResult.Status.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
        }
        return results;
    }

    private static CaseResult compare(String name, LrSchedule schedule, double baseLr, JsonNode expected) {
        double worst = 0;
        for (int t = 0; t < expected.size(); t++) {
            double ours = schedule.lr(baseLr, t);
            double ref = expected.get(t).asDouble();
            double err = Math.abs(ours - ref);
            if (err > 1e-12 + 1e-9 * Math.abs(ref)) {
                return new CaseResult(name, CaseResult.Status.FAILED, String.format(Locale.ROOT,
                        "step %d: lr %.12g, PyTorch %.12g", t, ours, ref));
            }
            worst = Math.max(worst, err);
        }
        return new CaseResult(name, CaseResult.Status.PASSED,
                String.format(Locale.ROOT, "%d steps, max error %.2e", expected.size(), worst));
    }

    static LrSchedule build(String type, Attributes a) {
        return switch (type) {
            case "StepLR" -> new StepLR(a.integer("step_size"), a.real("gamma", 0.1));
            case "ExponentialLR" -> new ExponentialLR(a.real("gamma", Double.NaN));
            case "CosineAnnealingLR" -> new CosineAnnealingLR(a.integer("T_max"), a.real("eta_min", 0));
            case "LinearLR" -> new LinearLR(a.real("start_factor", 1.0 / 3), a.real("end_factor", 1.0),
                    a.integer("total_iters", 5));
            case "OneCycleLR" -> new OneCycleLR(a.real("max_lr", Double.NaN), a.integer("total_steps"),
                    a.real("pct_start", 0.3), a.real("div_factor", 25), a.real("final_div_factor", 1e4));
            default -> null;
        };
    }
}
