package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.autograd.GradCheck;
import org.junit.jupiter.api.Test;

/** A user's own op with its own gradient rule, checked against finite differences and against the built-in ops. */
class CustomOpTest {

    /** softplus(x) = log(1 + e^x), computed on plain arrays; its derivative is the sigmoid. */
    static final CustomOp SOFTPLUS = new CustomOp() {
        @Override
        public String name() {
            return "softplus";
        }

        @Override
        public Tensor forward(Tensor... in) {
            float[] x = in[0].toFloatArray();
            float[] y = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = (float) Math.log1p(Math.exp(x[i]));
            }
            return Tensor.fromArray(y, in[0].shape().dims());
        }

        @Override
        public Tensor[] backward(Tensor grad, Tensor out, Tensor... in) {
            return new Tensor[] {grad.mul(in[0].sigmoid())};
        }
    };

    /** a * b + a, two inputs; the gradient rule is written out by hand. */
    static final CustomOp MUL_ADD = new CustomOp() {
        @Override
        public String name() {
            return "mul_add";
        }

        @Override
        public Tensor forward(Tensor... in) {
            return in[0].mul(in[1]).add(in[0]);
        }

        @Override
        public Tensor[] backward(Tensor grad, Tensor out, Tensor... in) {
            return new Tensor[] {grad.mul(in[1].add(Tensor.scalar(1f))), grad.mul(in[0])};
        }
    };

    @Test
    void gradientsAgreeWithFiniteDifferencesAndTheBuiltInOps() {
        Generator g = new Generator(3);
        Tensor x = Tensor.randn(g, 3, 4);
        GradCheck.Result one = GradCheck.check(in -> CustomOp.apply(SOFTPLUS, in[0]).mul(in[0]).sum(), x);
        assertTrue(one.passed(), one.report());
        Tensor a = Tensor.randn(g, 5);
        Tensor b = Tensor.randn(g, 5);
        GradCheck.Result two = GradCheck.check(in -> CustomOp.apply(MUL_ADD, in[0], in[1]).tanh().sum(), a, b);
        assertTrue(two.passed(), two.report());

        // The same gradient as the built-in ops give for log(1 + e^x).
        Tensor p = x.clone().setRequiresGrad(true);
        CustomOp.apply(SOFTPLUS, p).sum().backward();
        Tensor q = x.clone().setRequiresGrad(true);
        q.exp().add(Tensor.scalar(1f)).log().sum().backward();
        assertArrayEquals(q.grad().toFloatArray(), p.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void withoutGradientsNothingIsRecordedAndTheInputsAreUntouched() {
        Tensor x = Tensor.of(1f, 2f);
        Tensor y = CustomOp.apply(SOFTPLUS, x);
        assertNull(y.gradFn());
        // forward may return an input itself: the output is still a tensor of its own in the graph.
        CustomOp identity = new CustomOp() {
            public String name() { return "identity"; }
            public Tensor forward(Tensor... in) { return in[0]; }
            public Tensor[] backward(Tensor grad, Tensor out, Tensor... in) { return new Tensor[] {grad.mul(Tensor.scalar(2f))}; }
        };
        Tensor leaf = Tensor.of(3f).setRequiresGrad(true);
        CustomOp.apply(identity, leaf).sum().backward();
        assertEquals(2f, leaf.grad().item());
        assertNull(leaf.gradFn());
    }

    @Test
    void anInputChangedInPlaceBeforeBackwardIsRefused() {
        Tensor a = Tensor.of(1f, 2f).setRequiresGrad(true);
        Tensor b = Tensor.of(3f, 4f);
        Tensor y = CustomOp.apply(MUL_ADD, a, b).sum();
        try (var scope = GradMode.noGrad()) {
            b.addInPlace(Tensor.scalar(1f));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("'mul_add' needs was modified in place"), e.getMessage());
    }

    @Test
    void aWrongGradientRuleIsNamedWithTheOp() {
        CustomOp tooFew = new CustomOp() {
            public String name() { return "too_few"; }
            public Tensor forward(Tensor... in) { return in[0].add(in[1]); }
            public Tensor[] backward(Tensor grad, Tensor out, Tensor... in) { return new Tensor[] {grad}; }
        };
        Tensor a = Tensor.of(1f, 2f).setRequiresGrad(true);
        Tensor b = Tensor.of(3f).setRequiresGrad(true);
        IllegalStateException count = assertThrows(IllegalStateException.class,
                () -> CustomOp.apply(tooFew, a, b).sum().backward());
        assertTrue(count.getMessage().contains("custom op 'too_few': backward returned 1 gradients for 2 inputs"), count.getMessage());

        CustomOp unreduced = new CustomOp() {
            public String name() { return "unreduced"; }
            public Tensor forward(Tensor... in) { return in[0].add(in[1]); }
            public Tensor[] backward(Tensor grad, Tensor out, Tensor... in) { return new Tensor[] {grad, grad}; }
        };
        IllegalStateException shape = assertThrows(IllegalStateException.class,
                () -> CustomOp.apply(unreduced, a, b).sum().backward());
        assertTrue(shape.getMessage().contains("the gradient for input 1 has shape [2], but that input has shape [1]")
                && shape.getMessage().contains("reduce it over the broadcast dimensions"), shape.getMessage());
    }
}
