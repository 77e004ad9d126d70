package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backends;
import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.UnaryOp;

/**
 * Elementwise arithmetic with broadcasting, and elementwise math, each forward with its gradient
 * rule. A broadcast operand's gradient is summed back to its own shape ({@link Broadcast#sumTo}).
 */
final class Elementwise {
    private Elementwise() {
    }

    // ------------------------------------------------------------ kernels behind every op here

    /** Runs a binary kernel over the broadcast shape of {@code a} and {@code b}; no graph. */
    static Tensor binary(String name, BinaryOp op, Tensor a, Tensor b) {
        Shape shape = Shape.broadcast(name, a.shape, b.shape);
        Tensor ea = Broadcast.to(name, a, shape);
        Tensor eb = Broadcast.to(name, b, shape);
        float[] out = StepMemory.uninitialized(shape.numel());
        Backends.active().zip(op, ea.storage.data(), ea.layout(), eb.storage.data(), eb.layout(), out);
        return Tensor.wrap(out, shape);
    }

    /** Runs a unary kernel; no graph. */
    static Tensor unary(UnaryOp op, float alpha, float beta, Tensor x) {
        float[] out = StepMemory.uninitialized(x.numel());
        Backends.active().map(op, alpha, beta, x.storage.data(), x.layout(), out);
        return Tensor.wrap(out, x.shape);
    }

    static Tensor unary(UnaryOp op, Tensor x) {
        return unary(op, 0f, 0f, x);
    }

    // ------------------------------------------------------------ arithmetic

    static Tensor add(Tensor a, Tensor b) {
        Tensor out = binary("add", BinaryOp.ADD, a, b);
        return Graph.op("add", out, a, b).backward(g -> grads(
                Broadcast.sumTo(g, a.shape), Broadcast.sumTo(g, b.shape)));
    }

    static Tensor sub(Tensor a, Tensor b) {
        Tensor out = binary("sub", BinaryOp.SUB, a, b);
        return Graph.op("sub", out, a, b).backward(g -> grads(
                Broadcast.sumTo(g, a.shape), Broadcast.sumTo(g.neg(), b.shape)));
    }

    static Tensor mul(Tensor a, Tensor b) {
        Tensor out = binary("mul", BinaryOp.MUL, a, b);
        return Graph.op("mul", out, a, b).saves(a, b).backward(g -> grads(
                a.requiresGrad() ? Broadcast.sumTo(g.mul(b), a.shape) : null,
                b.requiresGrad() ? Broadcast.sumTo(g.mul(a), b.shape) : null));
    }

    /** d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -out/b. */
    static Tensor div(Tensor a, Tensor b) {
        Tensor out = binary("div", BinaryOp.DIV, a, b);
        return Graph.op("div", out, a, b).saves(b, out).backward(g -> {
            Tensor gOverB = g.div(b);
            return grads(Broadcast.sumTo(gOverB, a.shape),
                    b.requiresGrad() ? Broadcast.sumTo(gOverB.mul(out).neg(), b.shape) : null);
        });
    }

    /** d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log a, taken as 0 where a is 0 (as PyTorch does). */
    static Tensor pow(Tensor a, Tensor b) {
        Tensor out = binary("pow", BinaryOp.POW, a, b);
        return Graph.op("pow", out, a, b).saves(a, b, out).backward(g -> {
            Tensor da = a.requiresGrad()
                    ? Broadcast.sumTo(g.mul(b).mul(a.pow(b.sub(1f))), a.shape) : null;
            Tensor db = null;
            if (b.requiresGrad()) {
                Tensor logA = Tensor.where(a.eq(Tensor.scalar(0f)), Tensor.scalar(0f), a.log());
                db = Broadcast.sumTo(g.mul(out).mul(logA), b.shape);
            }
            return grads(da, db);
        });
    }

    /** Elementwise max; on ties the gradient is split equally, as in PyTorch. */
    static Tensor maximum(Tensor a, Tensor b) {
        return extremum("maximum", BinaryOp.MAXIMUM, BinaryOp.GT, a, b);
    }

    static Tensor minimum(Tensor a, Tensor b) {
        return extremum("minimum", BinaryOp.MINIMUM, BinaryOp.LT, a, b);
    }

    private static Tensor extremum(String name, BinaryOp op, BinaryOp wins, Tensor a, Tensor b) {
        Tensor out = binary(name, op, a, b);
        return Graph.op(name, out, a, b).saves(a, b).backward(g -> {
            Tensor half = binary(name, BinaryOp.EQ, a, b).mul(0.5f);
            Tensor aShare = binary(name, wins, a, b).add(half);
            Tensor bShare = binary(name, wins, b, a).add(half);
            return grads(Broadcast.sumTo(g.mul(aShare), a.shape), Broadcast.sumTo(g.mul(bShare), b.shape));
        });
    }

    /** {@code alpha * x + beta}: the scalar forms of add, sub, mul and div. */
    static Tensor affine(Tensor x, float alpha, float beta) {
        Tensor out = unary(UnaryOp.AFFINE, alpha, beta, x);
        return Graph.op("affine", out, x).backward(g -> grads(g.mul(alpha)));
    }

    static Tensor pow(Tensor x, float exponent) {
        Tensor out = unary(UnaryOp.POW, exponent, 0f, x);
        return Graph.op("pow", out, x).saves(x).backward(g ->
                grads(g.mul(unary(UnaryOp.POW, exponent - 1f, 0f, x)).mul(exponent)));
    }

    // ------------------------------------------------------------ math

    static Tensor neg(Tensor x) {
        Tensor out = unary(UnaryOp.NEG, x);
        return Graph.op("neg", out, x).backward(g -> grads(g.neg()));
    }

    /** d|x|/dx = sign(x), 0 at 0. */
    static Tensor abs(Tensor x) {
        Tensor out = unary(UnaryOp.ABS, x);
        return Graph.op("abs", out, x).saves(x).backward(g -> grads(g.mul(unary(UnaryOp.SIGN, x))));
    }

    /** Piecewise constant: its gradient is 0 everywhere it exists. */
    static Tensor sign(Tensor x) {
        Tensor out = unary(UnaryOp.SIGN, x);
        return Graph.op("sign", out, x).backward(g -> grads(Tensor.zerosLike(g)));
    }

    static Tensor exp(Tensor x) {
        Tensor out = unary(UnaryOp.EXP, x);
        return Graph.op("exp", out, x).saves(out).backward(g -> grads(g.mul(out)));
    }

    static Tensor log(Tensor x) {
        Tensor out = unary(UnaryOp.LOG, x);
        return Graph.op("log", out, x).saves(x).backward(g -> grads(g.div(x)));
    }

    /** d sqrt(x)/dx = 1 / (2 sqrt(x)). */
    static Tensor sqrt(Tensor x) {
        Tensor out = unary(UnaryOp.SQRT, x);
        return Graph.op("sqrt", out, x).saves(out).backward(g -> grads(g.div(out).mul(0.5f)));
    }

    /** d erf(x)/dx = 2 / sqrt(pi) exp(-x^2). */
    static Tensor erf(Tensor x) {
        Tensor out = unary(UnaryOp.ERF, x);
        return Graph.op("erf", out, x).saves(x).backward(g -> grads(g.mul(x.square().neg().exp()
                .mul((float) (2 / Math.sqrt(Math.PI))))));
    }

    static Tensor sin(Tensor x) {
        Tensor out = unary(UnaryOp.SIN, x);
        return Graph.op("sin", out, x).saves(x).backward(g -> grads(g.mul(unary(UnaryOp.COS, x))));
    }

    static Tensor cos(Tensor x) {
        Tensor out = unary(UnaryOp.COS, x);
        return Graph.op("cos", out, x).saves(x).backward(g -> grads(g.mul(unary(UnaryOp.SIN, x)).neg()));
    }

    /** Gradient 1 inside {@code [min, max]} (bounds included, as in PyTorch), 0 outside. */
    static Tensor clamp(Tensor x, float min, float max) {
        if (min > max) {
            throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        }
        Tensor out = unary(UnaryOp.CLAMP, min, max, x);
        return Graph.op("clamp", out, x).saves(x).backward(g ->
                grads(g.mul(unary(UnaryOp.INSIDE, min, max, x))));
    }

    // ------------------------------------------------------------ comparisons and selection

    /** 1 where the comparison holds, else 0; not differentiable, so nothing is recorded. */
    static Tensor compare(Tensor a, Tensor b, BinaryOp op) {
        return binary(op.name().toLowerCase(java.util.Locale.ROOT), op, a, b);
    }

    static Tensor where(Tensor condition, Tensor a, Tensor b) {
        Shape shape = Shape.broadcast("where", Shape.broadcast("where", condition.shape, a.shape), b.shape);
        Tensor c = Broadcast.to("where", condition, shape);
        Tensor ea = Broadcast.to("where", a, shape);
        Tensor eb = Broadcast.to("where", b, shape);
        float[] out = StepMemory.uninitialized(shape.numel());
        Backends.active().select(c.storage.data(), c.layout(), ea.storage.data(), ea.layout(),
                eb.storage.data(), eb.layout(), out);
        Tensor result = Tensor.wrap(out, shape);
        return Graph.op("where", result, a, b).saves(condition).backward(g -> {
            Tensor zero = Tensor.scalar(0f);
            return grads(Broadcast.sumTo(where(condition, g, zero), a.shape),
                    Broadcast.sumTo(where(condition, zero, g), b.shape));
        });
    }
}
