package dev.backprop.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.nn.GRU;
import dev.backprop.nn.LSTM;
import dev.backprop.nn.Module;
import dev.backprop.nn.TransformerBlock;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code seq.json}: an LSTM, a GRU and a GPT-2 block with PyTorch's weights; each case checks the
 * output (and the final states), then backpropagates the given upstream gradient and checks the
 * input's gradient and every parameter's.
 */
final class SequenceCases {
    private SequenceCases() {
    }

    static List<CaseResult> run(JsonNode root) {
        JsonNode cases = root.get("cases");
        if (cases == null || !cases.isArray()) {
            throw new MalformedReferenceException("seq.json: expected a top-level \"cases\" array");
        }
        List<CaseResult> out = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String name = String.format(java.util.Locale.ROOT, "seq.json#%d %s", i, c.path("module").asText());
            try {
                out.add(one(c, name));
            } catch (RuntimeException e) {
                out.add(new CaseResult(name, CaseResult.Status.FAILED, e.toString()));
            }
        }
        return out;
    }

    private static CaseResult one(JsonNode c, String name) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        c.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), ReferenceJson.tensor(e.getValue(), name + " " + e.getKey())));
        Tensor x = ReferenceJson.tensor(c.path("inputs").get(0), name + " input").setRequiresGrad(true);
        Generator g = new Generator(0);
        NetworkCases.Check check = new NetworkCases.Check(Tolerance.CHAIN);
        Module module;
        Tensor output;
        switch (c.path("module").asText()) {
            case "lstm" -> {
                LSTM lstm = new LSTM(x.size(2), params.get("weight_hh_l0").size(1), 1, g);
                lstm.loadStateDict(params);
                LSTM.Output o = lstm.run(x, null, null);
                check.values("h_n", o.hN().toFloatArray(), ReferenceJson.values(c.get("h_n")));
                check.values("c_n", o.cN().toFloatArray(), ReferenceJson.values(c.get("c_n")));
                module = lstm;
                output = o.output();
            }
            case "gru" -> {
                GRU gru = new GRU(x.size(2), params.get("weight_hh_l0").size(1), 1, g);
                gru.loadStateDict(params);
                GRU.Output o = gru.run(x, null);
                check.values("h_n", o.hN().toFloatArray(), ReferenceJson.values(c.get("h_n")));
                module = gru;
                output = o.output();
            }
            case "gpt_block" -> {
                int heads = c.path("note").asText().contains("2 heads") ? 2 : 1;
                TransformerBlock block = new TransformerBlock(x.size(2), heads, g);
                block.loadStateDict(params);
                module = block;
                output = block.forward(x);
            }
            default -> throw new IllegalArgumentException("unknown module '" + c.path("module").asText() + "'");
        }
        check.values("output", output.toFloatArray(), ReferenceJson.values(c.get("output")));
        output.backward(ReferenceJson.tensor(c.get("upstream"), name + " upstream"));
        check.values("input grad", x.grad().toFloatArray(), ReferenceJson.values(c.path("input_grads").get(0)));
        c.path("param_grads").fields().forEachRemaining(e -> check.values("grad " + e.getKey(),
                module.namedParameters().get(e.getKey()).grad().toFloatArray(), ReferenceJson.values(e.getValue())));
        return check.result(name);
    }
}
