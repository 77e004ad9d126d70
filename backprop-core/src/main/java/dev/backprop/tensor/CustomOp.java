package dev.backprop.tensor;

import java.util.Arrays;

/**
 * An operation of your own with its own gradient rule, as PyTorch's {@code torch.autograd.Function}:
 * {@link #forward} computes the output from the inputs' values, {@link #backward} the gradient with
 * respect to each input from the gradient of the output. {@link #apply} runs it and records it in the
 * autograd graph, so that {@code backward()} on anything computed from its output reaches its inputs
 * through your rule, and optimizers, checkpoints and {@code GradCheck} treat it as any other op.
 *
 * <pre>{@code
 * // softplus(x) = log(1 + e^x), whose derivative is the sigmoid
 * CustomOp softplus = new CustomOp() {
 *     public String name() { return "softplus"; }
 *     public Tensor forward(Tensor... in) { return in[0].exp().add(Tensor.scalar(1f)).log(); }
 *     public Tensor[] backward(Tensor grad, Tensor out, Tensor... in) { return new Tensor[] {grad.mul(in[0].sigmoid())}; }
 * };
 * Tensor y = CustomOp.apply(softplus, x);
 * }</pre>
 */
public interface CustomOp {

    /** The op's name in the graph, in error messages and in anomaly reports. */
    String name();

    /**
     * The output from the inputs' values. It runs with recording off: use any tensor operations, or
     * compute on {@code toFloatArray()} copies and return {@code Tensor.fromArray(...)}.
     */
    Tensor forward(Tensor... inputs);

    /**
     * The gradient with respect to each input, in order, from {@code gradOutput} (the output's shape);
     * {@code output} and {@code inputs} are what forward saw and returned. An entry may be null for an
     * input that needs no gradient.
     */
    Tensor[] backward(Tensor gradOutput, Tensor output, Tensor... inputs);

    /**
     * Runs {@code op} on {@code inputs} and records it, when grad mode is on and an input requires a
     * gradient. Its backward must give one gradient per input, each of that input's shape; a rule that
     * does not is refused with the op's name when backward runs.
     */
    static Tensor apply(CustomOp op, Tensor... inputs) {
        Tensor[] in = inputs.clone();   // the caller's array may change after this returns; the graph keeps these
        Tensor computed;
        try (var scope = GradMode.noGrad()) {
            computed = op.forward(in.clone());
        }
        if (computed == null) {
            throw new IllegalStateException("custom op '" + op.name() + "': forward returned null; return the output tensor");
        }
        // A tensor of our own for the node, even if forward handed back an input or a view of one.
        Tensor output = computed.detach();
        // Backward reads the inputs and the output: changing one in place before it runs is refused.
        Tensor[] saved = java.util.stream.Stream.concat(java.util.stream.Stream.of(output), Arrays.stream(in))
                .filter(java.util.Objects::nonNull).toArray(Tensor[]::new);
        // Your rule may keep gradOutput (in a field, a list of seen gradients): backward leaves its buffer alone.
        return Graph.op(op.name(), output, in).saves(saved).holdsGradient().backward(g -> {
            Tensor[] grads = op.backward(g, output, in.clone());
            if (grads == null || grads.length != in.length) {
                throw new IllegalStateException("custom op '" + op.name() + "': backward returned "
                        + (grads == null ? "null" : grads.length + " gradients") + " for " + in.length
                        + " inputs; return one per input, in order (null for an input that needs none)");
            }
            for (int i = 0; i < grads.length; i++) {
                if (grads[i] != null && !grads[i].shape().equals(in[i].shape())) {
                    throw new IllegalStateException("custom op '" + op.name() + "': the gradient for input " + i
                            + " has shape " + grads[i].shape() + ", but that input has shape " + in[i].shape()
                            + (Arrays.equals(grads[i].shape().dims(), g.shape().dims()) ? " (the output's shape: reduce"
                            + " it over the broadcast dimensions)" : ""));
                }
            }
            return grads;
        });
    }
}
