package dev.backprop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import dev.backprop.nn.functional.Losses;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Shape;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.ProgressBar;
import dev.backprop.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** The README's two API examples, as written there, so that they keep compiling and working. */
class ReadmeExamplesTest {

    @Test
    void trainingExample() throws IOException {
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        PreparedData digits = NamedDatasets.embeddedDigits();             // 80/20 split, pixels scaled to [0, 1]
        Generator gen = new Generator(42);                                  // explicit, seeded randomness
        Module model = new Sequential(new Linear(64, 128, gen), Activation.relu(), new Linear(128, 10, gen));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT.withLr(3e-3)),
                LossFunction.crossEntropy());
        trainer.fit(digits.train(), digits.test(), FitConfig.DEFAULT.withEpochs(20), new ProgressBar(out));
        out.println(trainer.evaluate(digits.test(), 512).classification().report());
        assertTrue(trainer.evaluate(digits.test(), 512).classification().accuracy() > 0.95);
    }

    @Test
    void autogradExample() {
        Generator gen = new Generator(42);
        Tensor x = Tensor.randn(gen, 5, 3);                          // a batch of 5 inputs
        Tensor labels = Tensor.of(0, 2, 1, 1, 0);                    // class indices
        Tensor w = Tensor.randn(gen, 3, 3).setRequiresGrad(true);    // parameters
        Tensor b = Tensor.zeros(3).setRequiresGrad(true);

        Tensor loss = Losses.crossEntropy(x.matmul(w).add(b), labels);
        loss.backward();                                             // chain rule, end to end
        assertEquals(Shape.of(3, 3), w.grad().shape());              // d loss / d w, shape [3, 3]

        float before = loss.item();
        try (var scope = GradMode.noGrad()) {                        // a plain gradient-descent step
            w.subInPlace(w.grad().mul(0.1f));
            b.subInPlace(b.grad().mul(0.1f));
        }
        assertTrue(Losses.crossEntropy(x.matmul(w).add(b), labels).item() < before, "one step lowers the loss");
    }
}
