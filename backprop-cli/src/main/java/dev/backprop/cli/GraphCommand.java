package dev.backprop.cli;

import dev.backprop.explain.GraphExport;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.Architecture;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.nn.functional.Losses;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code backprop graph}: the autograd graph of one training step of a model, as DOT or SVG. */
@Command(name = "graph", mixinStandardHelpOptions = true,
        description = "Runs one example through a model and its cross-entropy loss and writes the autograd graph: the"
                + " forward graph (ops with their output shapes, parameters by name) or, with --backward, the gradient"
                + " rules from the loss down to the parameters. DOT on standard output, or a .dot or .svg file (SVG needs"
                + " Graphviz's dot: apt install graphviz).",
        footer = {"", "Examples:", "  ./backprop graph --model lenet --out lenet.svg",
                "  ./backprop graph --model mlp:16,8 --inputs 4 --classes 3 --backward --out backward.svg",
                "  ./backprop graph --model cnn:8 | dot -Tpng > cnn.png"})
final class GraphCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "SPEC", defaultValue = "mlp:16",
            description = "as for train: mlp:H1,H2,..., lenet, cnn:WIDTH or gpt:layers=N,... (a context of four tokens of"
                    + " --classes symbols). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--inputs", paramLabel = "N", defaultValue = "784", description = "features of an mlp's input. Default: ${DEFAULT-VALUE}.")
    int inputs;

    @Option(names = "--classes", paramLabel = "N", defaultValue = "10", description = "Default: ${DEFAULT-VALUE}.")
    int classes;

    @Option(names = "--activation", paramLabel = "NAME", description = "an mlp's activation (default relu)")
    String activation;

    @Option(names = "--backward", description = "the backward graph instead of the forward one")
    boolean backward;

    @Option(names = "--out", paramLabel = "FILE", description = "write FILE.dot or FILE.svg instead of printing DOT")
    Path out;

    @Override
    public Integer call() throws Exception {
        Architecture architecture = Architecture.parse(model);
        if (activation != null) {
            architecture = architecture.withActivation(ActivationKind.of(activation));
        }
        int[] example = switch (architecture.input()) {
            case FEATURES -> new int[] {inputs};
            case IMAGES -> new int[] {1, 28, 28};
            case TOKENS -> new int[] {4};
        };
        ModelSpec spec = architecture.bind(example, classes);
        Module net = spec.build(new Generator(0));
        Generator g = new Generator(1);
        Tensor loss;
        Tensor x;
        if (architecture.input() == Architecture.Input.TOKENS) {
            // Four tokens of a vocabulary of --classes; the loss is next-token cross-entropy at each.
            float[] tokens = new float[5];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = i % classes;
            }
            x = Tensor.fromArray(java.util.Arrays.copyOf(tokens, 4), 1, 4);
            Tensor next = Tensor.fromArray(java.util.Arrays.copyOfRange(tokens, 1, 5), 4);
            loss = Losses.crossEntropy(net.forward(x).reshape(4, classes), next);
        } else {
            int[] shape = new int[example.length + 1];
            shape[0] = 1;
            System.arraycopy(example, 0, shape, 1, example.length);
            x = Tensor.rand(g, shape);
            loss = Losses.crossEntropy(net.forward(x), Tensor.zeros(1));
        }
        Map<String, Tensor> names = new LinkedHashMap<>(net.namedParameters());
        names.put("input", x);
        String dot = GraphExport.dot(loss, names, backward ? GraphExport.Direction.BACKWARD : GraphExport.Direction.FORWARD);
        if (out == null) {
            System.out.print(dot);
            return 0;
        }
        String file = out.getFileName().toString();
        if (file.endsWith(".svg")) {
            Files.writeString(out, GraphExport.svg(dot));
        } else if (file.endsWith(".dot") || file.endsWith(".gv")) {
            Files.writeString(out, dot);
        } else {
            throw new IllegalArgumentException("--out " + out + ": the name must end in .svg or .dot");
        }
        System.out.println("wrote " + out);
        return 0;
    }
}
