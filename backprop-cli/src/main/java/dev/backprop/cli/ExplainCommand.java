package dev.backprop.cli;

import dev.backprop.explain.Walkthrough;
import dev.backprop.nn.ActivationKind;
import dev.backprop.tensor.Generator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code backprop explain}: one step of forward and backward propagation, every number written out. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Walks one gradient-descent step through a small dense network with every number shown: each"
                + " neuron's weighted sum and activation, the error 1/2 sum (target - out)^2, each neuron's chain-rule"
                + " factors, each weight's gradient and its new value. Without options: the classic 2-2-2 sigmoid"
                + " example (inputs 0.05, 0.10; targets 0.01, 0.99; learning rate 0.5).",
                "With --model, --input and --target: a network of random weights (seeded) of that shape."},
        footer = {"", "Examples:", "  ./backprop explain",
                "  ./backprop explain --steps 1000",
                "  ./backprop explain --model mlp:3 --input 1,0,1 --target 1 --activation tanh --lr 0.1 --steps 50",
                "  ./backprop explain --markdown > step.md"})
final class ExplainCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "SPEC", description = "hidden layer sizes, e.g. mlp:3 or mlp:4,3 (inputs and"
            + " outputs follow --input and --target)")
    String model;

    @Option(names = "--input", paramLabel = "X1,X2,...", split = ",", description = "one input example")
    List<Double> input;

    @Option(names = "--target", paramLabel = "T1,T2,...", split = ",", description = "its target outputs")
    List<Double> target;

    @Option(names = "--activation", paramLabel = "NAME", defaultValue = "sigmoid",
            description = "sigmoid, tanh or relu. Default: ${DEFAULT-VALUE}.")
    String activation;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.5", description = "learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @picocli.CommandLine.Mixin
    SeedOption seed;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "1",
            description = "gradient-descent steps: the first is explained in full, then the error of every step is listed")
    int steps;

    @Option(names = "--markdown", description = "write Markdown (headings, lists) instead of terminal text")
    boolean markdown;

    @Override
    public Integer call() {
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        }
        Walkthrough w = network();
        System.out.print(w.explain(markdown ? Walkthrough.Style.MARKDOWN : Walkthrough.Style.TERMINAL));
        if (steps > 1) {
            List<Walkthrough.Step> more = w.train(steps - 1);
            System.out.println(markdown ? "\n## The error over the next steps\n" : "\nTHE ERROR OVER THE NEXT STEPS");
            int every = Math.max(1, more.size() / 20);
            for (Walkthrough.Step s : more) {
                if ((s.number() - 1) % every == 0 || s.number() == more.size()) {
                    System.out.printf(Locale.ROOT, markdown ? "- step %d: E total %.9f%n" : "  step %d: E total %.9f%n",
                            s.number() + 1, s.error());
                }
            }
        }
        return 0;
    }

    private Walkthrough network() {
        ActivationKind kind = ActivationKind.of(activation);
        if (model == null && input == null && target == null) {
            Walkthrough classic = Walkthrough.mazur();
            if (kind != ActivationKind.SIGMOID || lr != 0.5) {
                throw new IllegalArgumentException("the classic example is sigmoid with learning rate 0.5; to change them,"
                        + " give --model, --input and --target too");
            }
            return classic;
        }
        if (model == null || input == null || target == null) {
            throw new IllegalArgumentException("--model, --input and --target go together (e.g. --model mlp:3 --input 1,0"
                    + " --target 1); with none of them, explain shows the classic 2-2-2 example");
        }
        String[] parts = model.trim().split(":", 2);
        if (!parts[0].equals("mlp")) {
            throw new IllegalArgumentException("explain works on dense networks: --model mlp:H1,H2,..., got '" + model + "'");
        }
        List<Integer> sizes = new ArrayList<>();
        sizes.add(input.size());
        if (parts.length == 2 && !parts[1].isBlank()) {
            for (String h : parts[1].split(",")) {
                try {
                    sizes.add(Integer.parseInt(h.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--model '" + model + "': '" + h.trim() + "' is not a layer size");
                }
            }
        }
        sizes.add(target.size());
        return Walkthrough.random(sizes.stream().mapToInt(Integer::intValue).toArray(), kind,
                input.stream().mapToDouble(Double::doubleValue).toArray(),
                target.stream().mapToDouble(Double::doubleValue).toArray(), lr, new Generator(seed.seed));
    }
}
