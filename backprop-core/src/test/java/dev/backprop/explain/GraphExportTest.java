package dev.backprop.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.nn.Activation;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Sequential;
import dev.backprop.nn.functional.Losses;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class GraphExportTest {

    private static long count(String text, String piece) {
        return text.split(java.util.regex.Pattern.quote(piece), -1).length - 1L;
    }

    @Test
    void forwardAndBackwardGraphsNameOpsParametersAndShapes() throws IOException {
        Generator g = new Generator(1);
        Sequential net = new Sequential(new Linear(3, 4, g), Activation.tanh(), new Linear(4, 2, g));
        Tensor x = Tensor.randn(g, 5, 3);
        Tensor loss = Losses.crossEntropy(net.forward(x), Tensor.fromArray(new float[] {0, 1, 1, 0, 1}, 5));
        Map<String, Tensor> names = new LinkedHashMap<>(net.namedParameters());
        names.put("x", x);

        String forward = GraphExport.dot(loss, names, GraphExport.Direction.FORWARD);
        assertTrue(forward.startsWith("digraph forward {"), forward);
        for (String label : new String[] {"0.weight\\n[4, 3]", "0.bias\\n[4]", "2.weight\\n[2, 4]", "x\\n[5, 3]",
                "linear\\n[5, 4]", "tanh\\n[5, 4]", "linear\\n[5, 2]"}) {
            assertTrue(forward.contains(label), label + " in\n" + forward);
        }
        // Edges into the ops: linear 3, tanh 1, linear 3, cross_entropy 1 (the logits), mean 1.
        assertEquals(9, count(forward, " -> "), forward);

        String backward = GraphExport.dot(loss, names, GraphExport.Direction.BACKWARD);
        assertTrue(backward.contains("accumulate grad\\n0.weight\\n[4, 3]") && backward.contains("tanh backward"), backward);
        assertEquals(4, count(backward, "accumulate grad"), "one per parameter; the input needs no gradient");
        assertTrue(backward.contains("[label=\"[5, 4]\"]"), backward);

        Assumptions.assumeTrue(dotInstalled(), "Graphviz's dot is not installed; the SVG part is not checked");
        String svg = GraphExport.svg(forward);
        assertTrue(svg.contains("<svg") && svg.contains("0.weight"), svg.substring(0, Math.min(300, svg.length())));
    }

    private static boolean dotInstalled() {
        try {
            return new ProcessBuilder("dot", "-V").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
