/**
 * ONNX import: {@link dev.backprop.onnx.load.OnnxImport} reads an ONNX file into an
 * {@link dev.backprop.onnx.load.OnnxModel}, a module whose floating-point initializers are named,
 * trainable parameters. The graph's nodes run on the core's tensors ({@code ElementwiseOps},
 * {@code ShapeOps}, {@code LayerOps}), so gradients come from the autograd; integer data (shapes,
 * indices, masks) is computed exactly ({@code Ints}) and never differentiated.
 */
package dev.backprop.onnx.load;
