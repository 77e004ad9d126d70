package dev.backprop.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.SharedFolder;
import dev.backprop.nn.ActivationKind;
import dev.backprop.tensor.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class WalkthroughTest {

    /** The numbers of one array in mazur.json, read without a JSON library (the file is flat and small). */
    private static double[] reference(String text, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*\\{\\s*\"shape\":\\s*\\[[^]]*],\\s*\"data\":\\s*\\[([^]]*)]").matcher(text);
        assertTrue(m.find(), key);
        String[] parts = m.group(1).split(",");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Double.parseDouble(parts[i].trim());
        }
        return out;
    }

    @Test
    void theClassicExampleMatchesPyTorchsNumbersAndItsText() throws IOException {
        String json = Files.readString(SharedFolder.find("reference/pytorch/mazur.json"));
        Walkthrough w = Walkthrough.mazur();
        String text = w.explain(Walkthrough.Style.TERMINAL);
        assertTrue(text.contains("out h1 = sigmoid(0.377500000) = 0.593269992"), text);
        assertTrue(text.contains("E total = 0.298371109"), text);
        assertTrue(text.contains("dE/dw5 (h1 -> o1) = dE/dnet o1 x out h1 = 0.138498562 x 0.593269992 = 0.082167041"), text);
        assertTrue(text.contains("w5 (h1 -> o1) = 0.400000000 - 0.500000000 x 0.082167041 = 0.358916480"), text);
        Matcher agreement = Pattern.compile("largest difference ([0-9.e-]+)\\)").matcher(text);
        assertTrue(agreement.find() && Double.parseDouble(agreement.group(1)) < 1e-6, text);

        double[] w1 = reference(json, "W1_after");
        double[] w2 = reference(json, "W2_after");
        double[][][] after = w.weights();
        for (int j = 0; j < 2; j++) {
            for (int i = 0; i < 2; i++) {
                assertEquals(w1[j * 2 + i], after[0][j][i], 1e-12, "W1 after");
                assertEquals(w2[j * 2 + i], after[1][j][i], 1e-12, "W2 after");
            }
        }
        Matcher loss = Pattern.compile("\"loss\":\\s*([0-9.e-]+)").matcher(json);
        assertTrue(loss.find());
        assertEquals(Double.parseDouble(loss.group(1)), Walkthrough.mazur().train(1).get(0).error(), 1e-12);
    }

    @Test
    void theErrorFallsOverStepsForAnyActivationAndAutogradAgrees() {
        for (ActivationKind kind : List.of(ActivationKind.SIGMOID, ActivationKind.TANH, ActivationKind.RELU)) {
            Walkthrough w = Walkthrough.random(new int[] {3, 4, 3, 2}, kind, new double[] {1, 0.5, -1},
                    new double[] {0.2, 0.7}, 0.1, new Generator(4));
            List<Walkthrough.Step> steps = w.train(200);
            assertTrue(steps.get(199).error() < 0.5 * steps.get(0).error(), kind + ": " + steps.get(0) + " -> " + steps.get(199));
            for (Walkthrough.Step s : steps) {
                assertTrue(s.autogradAgreement() < 1e-5, kind + " step " + s);
            }
            String md = w.explain(Walkthrough.Style.MARKDOWN);
            assertTrue(md.startsWith("## Forward pass") && md.contains("- `net h1.1 = ") && md.contains("dE/dw"), md);
        }
    }

    @Test
    void shapesThatDoNotFitAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Walkthrough.random(new int[] {3, 2},
                ActivationKind.SIGMOID, new double[] {1, 2}, new double[] {1, 0}, 0.1, new Generator(0)));
        assertTrue(e.getMessage().contains("2 inputs for layer sizes [3, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Walkthrough.random(new int[] {1, 50, 1},
                ActivationKind.SIGMOID, new double[] {1}, new double[] {1}, 0.1, new Generator(0)));
        assertTrue(e.getMessage().contains("51 neurons"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Walkthrough.random(new int[] {1, 2, 2},
                ActivationKind.GELU, new double[] {1}, new double[] {1, 0}, 0.1, new Generator(0)));
        assertTrue(e.getMessage().contains("sigmoid, tanh or relu"), e.getMessage());
    }
}
