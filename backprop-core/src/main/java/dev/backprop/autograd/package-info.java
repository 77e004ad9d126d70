/**
 * Tools over the autograd engine: {@link dev.backprop.autograd.GradCheck} compares any function's
 * gradients with finite differences. The engine itself, and every op's gradient rule beside its
 * forward, are in {@link dev.backprop.tensor}; no-grad scopes are
 * {@link dev.backprop.tensor.GradMode}.
 */
package dev.backprop.autograd;
