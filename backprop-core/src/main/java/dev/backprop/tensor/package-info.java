/**
 * Tensors and the autograd engine: where every gradient is computed. {@link dev.backprop.tensor.Tensor}
 * is the facade; each op family ({@code Elementwise}, {@code Activations}, {@code MatMul},
 * {@code LinearOps}, {@code ConvOps}, {@code NormOps}, {@code Reductions}, ...) writes an op's
 * gradient rule right beside its forward and records it with {@code Graph}; {@code BackwardPass}
 * walks the recorded graph from a loss back to the leaves (the chain rule). The engine lives here,
 * not in {@code dev.backprop.autograd}, because a recorded node attaches to a tensor's
 * package-private state (its gradient function, its gradient, its storage version): putting the
 * engine elsewhere would take public back doors into every tensor. The kernels the ops run are
 * behind {@link dev.backprop.backend.Backend}.
 */
package dev.backprop.tensor;
