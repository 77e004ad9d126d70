package dev.backprop.tensor;

import static dev.backprop.tensor.Elementwise.unary;
import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backends;
import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.UnaryOp;

/**
 * Activation functions, each with its derivative. Formulas follow PyTorch's documentation for the
 * function of the same name.
 */
final class Activations {
    private Activations() {
    }

    /** d tanh(x) = 1 - tanh(x)^2. */
    static Tensor tanh(Tensor x) {
        Tensor y = unary(UnaryOp.TANH, x);
        return Graph.op("tanh", y, x).saves(y).backward(g -> grads(g.mul(y.mul(y).neg().add(1f))));
    }

    /** d sigmoid(x) = s (1 - s). */
    static Tensor sigmoid(Tensor x) {
        Tensor y = unary(UnaryOp.SIGMOID, x);
        return Graph.op("sigmoid", y, x).saves(y).backward(g -> grads(g.mul(y).mul(y.neg().add(1f))));
    }

    /** Gradient 1 where x > 0, else 0 (0 at x = 0, as in PyTorch). */
    static Tensor relu(Tensor x) {
        Tensor y = unary(UnaryOp.RELU, x);
        return Graph.op("relu", y, x).saves(x).backward(g -> grads(Elementwise.binary("relu_backward", BinaryOp.PASS_IF_POSITIVE, g, x)));
    }

    static Tensor leakyRelu(Tensor x, float slope) {
        Tensor y = unary(UnaryOp.LEAKY_RELU, slope, 0f, x);
        return Graph.op("leaky_relu", y, x).saves(x).backward(g -> {
            Tensor positive = unary(UnaryOp.STEP, x);
            return grads(g.mul(positive.mul(1f - slope).add(slope)));
        });
    }

    /** Below 0 the derivative of alpha (e^x - 1) is alpha e^x = y + alpha. */
    static Tensor elu(Tensor x, float alpha) {
        Tensor y = unary(UnaryOp.ELU, alpha, 0f, x);
        return Graph.op("elu", y, x).saves(x, y).backward(g ->
                grads(Tensor.where(unary(UnaryOp.STEP, x), g, g.mul(y.add(alpha)))));
    }

    /** d softplus = sigmoid(beta x) below the threshold, 1 above it. */
    static Tensor softplus(Tensor x, float beta, float threshold) {
        if (beta <= 0f) {
            throw new IllegalArgumentException("softplus: beta must be positive, got " + beta);
        }
        Tensor y = unary(UnaryOp.SOFTPLUS, beta, threshold, x);
        return Graph.op("softplus", y, x).saves(x).backward(g -> {
            Tensor linear = unary(UnaryOp.STEP, threshold, 0f, x.mul(beta));
            return grads(Tensor.where(linear, g, g.mul(unary(UnaryOp.SIGMOID, x.mul(beta)))));
        });
    }

    /** d (x s(x)) = s (1 + x (1 - s)). */
    static Tensor silu(Tensor x) {
        Tensor y = unary(UnaryOp.SILU, x);
        return Graph.op("silu", y, x).saves(x).backward(g -> {
            Tensor s = unary(UnaryOp.SIGMOID, x);
            return grads(g.mul(s.mul(x.mul(s.neg().add(1f)).add(1f))));
        });
    }

    /**
     * Exact: d (x Phi(x)) = Phi(x) + x phi(x) ({@link UnaryOp#derivative}). Tanh form, with u = c (x + 0.044715 x^3):
     * 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) c (1 + 3 * 0.044715 x^2).
     */
    static Tensor gelu(Tensor x, boolean tanhApproximation) {
        UnaryOp op = tanhApproximation ? UnaryOp.GELU_TANH : UnaryOp.GELU;
        if (!Graph.needsGrad(x)) {
            return unary(op, x);   // inference, generation: no derivative to keep
        }
        float[] out = StepMemory.uninitialized(x.numel());
        float[] slope = StepMemory.uninitialized(x.numel());
        // The derivative comes out of the same pass (it shares Phi and the Gaussian with the
        // value), so backward is one multiply.
        Backends.active().mapWithDerivative(op, x.storage.data(), x.layout(), out, slope);
        Tensor y = Tensor.wrap(out, x.shape);
        Tensor derivative = Tensor.wrap(slope, x.shape);
        return Graph.op(tanhApproximation ? "gelu_tanh" : "gelu", y, x).backward(g -> grads(g.mul(derivative)));
    }
}
