package dev.backprop.tensor;

import dev.backprop.backend.Backends;
import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.Layout;

/**
 * An immutable n-dimensional array of float32 values that records, as operations run, how it was
 * computed, so that {@link #backward()} can compute gradients by the chain rule (reverse-mode
 * automatic differentiation, as in PyTorch).
 *
 * <p>A tensor is a view of a shared flat buffer through a shape, strides and an offset; reshape,
 * transpose, narrow and expand return views that share the buffer where PyTorch's do. Operations
 * never change their operands: the only in-place methods end in {@code InPlace} and exist for
 * optimizer updates and gradient accumulation.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new float[][] {{1, 2}, {3, 4}}).setRequiresGrad(true);
 * Tensor loss = x.mul(x).sum();      // sum of squares
 * loss.backward();
 * x.grad();                           // [[2, 4], [6, 8]]
 * }</pre>
 *
 * This class is the one wide facade of the library: it only delegates to the op families of this
 * package, each of which keeps an operation's gradient rule beside its forward.
 */
public final class Tensor {
    final Storage storage;
    final Shape shape;
    final int[] strides;
    final int offset;
    private boolean requiresGrad;
    private boolean retainsGrad;
    private Node gradFn;
    private Tensor grad;
    /** The buffer of a gradient released by {@link #zeroGrad()}, reused by the next backward. */
    private Tensor spareGrad;
    /** Whether a gradient rule is writing this leaf's gradient into {@link #spareGrad} ({@link #gradientBuffer()}). */
    private boolean spareLent;

    Tensor(Storage storage, Shape shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /** A new contiguous tensor that owns {@code data} (not copied). */
    static Tensor wrap(float[] data, Shape shape) {
        return new Tensor(new Storage(data), shape, Layout.contiguousStrides(shape.raw()), 0);
    }

    // ---------------------------------------------------------------- creation

    /** A tensor of the given shape filled with 0. */
    public static Tensor zeros(int... shape) {
        return Creation.full(Shape.of(shape), 0f);
    }

    /** A tensor of the given shape filled with 1. */
    public static Tensor ones(int... shape) {
        return Creation.full(Shape.of(shape), 1f);
    }

    /** A tensor of the given shape filled with {@code value}. */
    public static Tensor full(float value, int... shape) {
        return Creation.full(Shape.of(shape), value);
    }

    /** A zero tensor with the shape of {@code like}. */
    public static Tensor zerosLike(Tensor like) {
        return Creation.full(like.shape, 0f);
    }

    /**
     * A zero tensor with the shape of {@code like}, its values stored in the same order as {@code like}'s when
     * {@code like} is the whole of its buffer in some order of its dimensions (a weight stored input-major), and
     * row-major otherwise: PyTorch's {@code zeros_like} with its default {@code preserve_format}. An optimizer's state
     * made this way lines up with its parameter element for element.
     */
    public static Tensor zerosInLayoutOf(Tensor like) {
        return Creation.zerosInLayoutOf(like);
    }

    /** A tensor of the given shape filled with 1, shaped like {@code like}. */
    public static Tensor onesLike(Tensor like) {
        return Creation.full(like.shape, 1f);
    }

    /** A rank-0 tensor holding {@code value}. */
    public static Tensor scalar(float value) {
        return wrap(new float[] {value}, Shape.scalar());
    }

    /** A 1-D tensor of the given values (copied). */
    public static Tensor of(float... values) {
        return wrap(values.clone(), Shape.of(values.length));
    }

    /** A 2-D tensor from rows of equal length (copied). */
    public static Tensor of(float[][] rows) {
        return Creation.fromRows(rows);
    }

    /** A tensor of the given shape over a copy of {@code data} in row-major order. */
    public static Tensor fromArray(float[] data, int... shape) {
        return Creation.fromArray(data, Shape.of(shape));
    }

    /**
     * A tensor of the given shape whose values {@code writer} writes, in row-major order, straight into
     * its buffer: no copy, unlike {@link #fromArray}. The writer must write every element, because the
     * buffer is not cleared: while a {@link StepMemory} step is open on this thread it is one of the step's
     * recycled buffers (a data loader's batch decoded inside a training step then allocates nothing), and
     * like every step value the tensor dies with the step. The writer must not keep the array.
     */
    public static Tensor written(java.util.function.Consumer<float[]> writer, int... shape) {
        return Creation.written(Shape.of(shape), writer);
    }

    /** {@code [start, start+step, ...)} up to but excluding {@code end}, like {@code torch.arange}. */
    public static Tensor arange(float start, float end, float step) {
        return Creation.arange(start, end, step);
    }

    /** {@code 0, 1, ..., end-1}. */
    public static Tensor arange(int end) {
        return Creation.arange(0, end, 1);
    }

    /** {@code steps} evenly spaced values from {@code start} to {@code end} inclusive. */
    public static Tensor linspace(float start, float end, int steps) {
        return Creation.linspace(start, end, steps);
    }

    /** The n-by-n identity matrix. */
    public static Tensor eye(int n) {
        return Creation.eye(n);
    }

    /** Uniform values in {@code [0, 1)} drawn from {@code generator}. */
    public static Tensor rand(Generator generator, int... shape) {
        return Creation.rand(generator, Shape.of(shape));
    }

    /** Standard normal values drawn from {@code generator}. */
    public static Tensor randn(Generator generator, int... shape) {
        return Creation.randn(generator, Shape.of(shape));
    }

    /** Uniform integers in {@code [low, high)} (stored as float32) drawn from {@code generator}. */
    public static Tensor randint(Generator generator, int low, int high, int... shape) {
        return Creation.randint(generator, low, high, Shape.of(shape));
    }

    // ---------------------------------------------------------------- metadata and values

    public Shape shape() {
        return shape;
    }

    /** Size of dimension {@code dim} (negative counts from the end). */
    public int size(int dim) {
        return shape.size(dim);
    }

    public int rank() {
        return shape.rank();
    }

    public int numel() {
        return shape.numel();
    }

    /** The strides of this view, in elements. */
    public int[] strides() {
        return strides.clone();
    }

    /** True when this view's elements are laid out row-major without gaps. */
    public boolean isContiguous() {
        return layout().isContiguous();
    }

    /** This view's layout over its buffer, for kernels. */
    Layout layout() {
        return new Layout(shape.raw(), strides, offset);
    }

    /**
     * True when this tensor is the whole of its buffer in some order of its dimensions ({@link Layout#isDense()}
     * from offset 0): row-major, or a weight stored input-major. Its gradient and an optimizer's state for it are
     * kept in the same order ({@link Creation#ownCopyInLayoutOf}), so updates run over the flat buffers.
     */
    boolean fillsStorage() {
        return offset == 0 && storage.data().length == numel() && layout().isDense();
    }

    /** True when both tensors fill their buffers ({@link #fillsStorage()}) with every element at the same slot. */
    boolean sameSlotsAs(Tensor other) {
        return shape.equals(other.shape) && java.util.Arrays.equals(strides, other.strides) && fillsStorage()
                && other.fillsStorage();
    }

    /** The values in row-major order, as a new array. */
    public float[] toFloatArray() {
        return Creation.copyOut(this);
    }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new ShapeException("item: tensor of shape " + shape
                    + " has " + numel() + " elements; item() needs exactly one");
        }
        return storage.data()[offset];
    }

    /**
     * The sum of the squares of all values (float32 squares, added up in double: the backend's
     * {@code sumOfSquares}): a number, not recorded in the graph (the squared L2 norm of a gradient, as clipping by
     * the global norm needs it), in one pass without temporaries.
     */
    public double sumOfSquares() {
        // In place when the values lie together: row-major, or the whole buffer in another order (an input-major
        // weight's gradient), whose order does not matter to a sum but for the last bits of the double.
        boolean dense = isContiguous() || fillsStorage();
        return Backends.active().sumOfSquares(dense ? storage.data() : Creation.copyOut(this), dense ? offset : 0, numel());
    }

    /** The value at the given coordinates (negative coordinates count from the end). */
    public float get(int... index) {
        return storage.data()[Creation.flatIndex(this, index)];
    }

    /** True when the two tensors share one buffer (one is a view of the other, or both of a third). */
    public boolean sharesStorageWith(Tensor other) {
        return storage == other.storage;
    }

    // ---------------------------------------------------------------- autograd

    /** Whether gradients flow to or through this tensor. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as a parameter whose gradient backward should compute; returns this. */
    public Tensor setRequiresGrad(boolean value) {
        if (gradFn != null && !value) {
            throw new IllegalStateException("setRequiresGrad: this tensor was computed by '" + gradFn.op
                    + "' and is part of a graph; use detach() to get a tensor without gradient");
        }
        requiresGrad = value;
        return this;
    }

    /** The accumulated gradient of a leaf (or of a tensor that called {@link #retainGrad()}), or null. */
    public Tensor grad() {
        return grad;
    }

    /**
     * Clears the accumulated gradient. Its memory is kept and reused by the next backward, so that
     * a training loop allocates no gradient buffers after its first step: copy a gradient (with
     * {@code clone()}) if you need it after calling this.
     */
    public void zeroGrad() {
        if (grad != null) {
            spareGrad = grad;
        }
        grad = null;
        spareLent = false;
    }

    /**
     * Where a gradient rule writes this tensor's gradient when it computes all of it into a new array (a weight's
     * product, overwriting every element): for a leaf that has no gradient yet, the buffer {@link #zeroGrad()}
     * released, lent once, which {@link #accumulateGrad} then takes as the gradient without copying it (the MNIST MLP
     * copied 269,000 values a step); otherwise an uninitialised buffer of the step.
     */
    float[] gradientBuffer() {
        // The spare is always a gradient this tensor had: its own array of this shape, in this tensor's order
        // (ownCopyInLayoutOf): row-major, or input-major for a weight stored so.
        if (gradFn == null && grad == null && !spareLent && spareGrad != null) {
            spareLent = true;
            return StepMemory.lent(spareGrad.storage.data());
        }
        return StepMemory.uninitialized(numel());
    }

    /** Asks backward to keep this non-leaf tensor's gradient in {@link #grad()}. */
    public Tensor retainGrad() {
        retainsGrad = true;
        return this;
    }

    boolean retainsGrad() {
        return retainsGrad;
    }

    /** True for tensors not computed by a recorded operation (inputs and parameters). */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The name of the operation that computed this tensor, or null for a leaf. */
    public String gradFnName() {
        return gradFn == null ? null : gradFn.op;
    }

    /**
     * The tensors the recorded operation that computed this one read (nulls for absent optional
     * inputs, such as a missing bias), in the op's order; empty for a leaf. With
     * {@link #gradFnName()}, enough to walk the autograd graph, as {@code explain.GraphExport} does.
     */
    public java.util.List<Tensor> gradFnInputs() {
        return gradFn == null ? java.util.List.of() : java.util.Collections.unmodifiableList(java.util.Arrays.asList(gradFn.inputs));
    }

    Node gradFn() {
        return gradFn;
    }

    void attach(Node node) {
        gradFn = node;
        requiresGrad = true;
    }

    void accumulateGrad(Tensor g) {
        if (grad == null && spareLent && g.storage.data() == spareGrad.storage.data() && g.offset == 0
                && java.util.Arrays.equals(g.strides, spareGrad.strides)) {
            grad = spareGrad;   // written in place by the gradient rule (gradientBuffer)
            spareGrad = null;
            spareLent = false;
        } else if (grad == null && spareGrad != null && !spareLent && spareGrad.shape.equals(g.shape)) {
            // (while lent, the spare holds another of this backward's gradients for this tensor, still to come)
            grad = spareGrad.copyInPlace(g);
            spareGrad = null;
        } else if (grad == null) {
            grad = Creation.ownCopyInLayoutOf(g, this);   // never a step's buffer: the gradient outlives the step
        } else {
            grad.addInPlace(g);
        }
    }

    /** Backpropagates from this scalar (seed gradient 1), accumulating into the leaves' {@link #grad()}. */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalStateException("backward: called without a gradient on a tensor of shape "
                    + shape + "; backward() needs a one-element tensor (a loss). Reduce it first"
                    + " (e.g. sum() or mean()) or call backward(gradient) with a tensor of shape " + shape);
        }
        backward(Tensor.full(1f, shape.raw()), false);
    }

    /** Backpropagates {@code gradient} (the gradient of some scalar with respect to this tensor). */
    public void backward(Tensor gradient) {
        backward(gradient, false);
    }

    /**
     * Backpropagates {@code gradient}; with {@code retainGraph} the graph is kept so that backward
     * can run through it again.
     */
    public void backward(Tensor gradient, boolean retainGraph) {
        if (!requiresGrad) {
            throw new IllegalStateException("backward: this tensor does not require grad and has no"
                    + " recorded operation; call setRequiresGrad(true) on the parameters before computing it");
        }
        if (!gradient.shape.equals(shape)) {
            throw new ShapeException("backward: gradient of shape " + gradient.shape
                    + " does not match the tensor's shape " + shape);
        }
        if (gradFn == null) {
            accumulateGrad(gradient);
        } else {
            BackwardPass.run(this, gradient.detach(), retainGraph);
        }
    }

    /** A tensor sharing this one's values, cut from the graph (no gradient flows through it). */
    public Tensor detach() {
        return new Tensor(storage, shape, strides, offset);
    }

    // ---------------------------------------------------------------- in place (optimizers, accumulation)

    /** Adds {@code other} (broadcast to this shape) into this tensor's elements. */
    public Tensor addInPlace(Tensor other) {
        InPlace.zip(this, other, BinaryOp.ADD, "addInPlace");
        return this;
    }

    /** Subtracts {@code other} (broadcast to this shape) from this tensor's elements. */
    public Tensor subInPlace(Tensor other) {
        InPlace.zip(this, other, BinaryOp.SUB, "subInPlace");
        return this;
    }

    /** Multiplies this tensor's elements by {@code other} (broadcast to this shape). */
    public Tensor mulInPlace(Tensor other) {
        InPlace.zip(this, other, BinaryOp.MUL, "mulInPlace");
        return this;
    }

    /** Multiplies this tensor's elements by {@code factor}. */
    public Tensor mulInPlace(float factor) {
        InPlace.affine(this, factor, 0f, "mulInPlace");
        return this;
    }

    /** Overwrites this tensor's elements with {@code source} (broadcast to this shape). */
    public Tensor copyInPlace(Tensor source) {
        InPlace.copy(this, source, "copyInPlace");
        return this;
    }

    /** Sets every element to {@code value}. */
    public Tensor fillInPlace(float value) {
        InPlace.affine(this, 0f, value, "fillInPlace");
        return this;
    }

    // ---------------------------------------------------------------- elementwise

    public Tensor add(Tensor other) { return Elementwise.add(this, other); }
    public Tensor sub(Tensor other) { return Elementwise.sub(this, other); }
    public Tensor mul(Tensor other) { return Elementwise.mul(this, other); }
    public Tensor div(Tensor other) { return Elementwise.div(this, other); }
    /** Elementwise {@code this ^ exponent} with broadcasting. */
    public Tensor pow(Tensor exponent) { return Elementwise.pow(this, exponent); }
    public Tensor maximum(Tensor other) { return Elementwise.maximum(this, other); }
    public Tensor minimum(Tensor other) { return Elementwise.minimum(this, other); }
    public Tensor add(float value) { return Elementwise.affine(this, 1f, value); }
    public Tensor sub(float value) { return Elementwise.affine(this, 1f, -value); }
    public Tensor mul(float value) { return Elementwise.affine(this, value, 0f); }
    public Tensor div(float value) { return Elementwise.affine(this, 1f / value, 0f); }
    public Tensor pow(float exponent) { return Elementwise.pow(this, exponent); }
    public Tensor neg() { return Elementwise.neg(this); }
    public Tensor abs() { return Elementwise.abs(this); }
    public Tensor sign() { return Elementwise.sign(this); }
    public Tensor exp() { return Elementwise.exp(this); }
    public Tensor log() { return Elementwise.log(this); }
    public Tensor sqrt() { return Elementwise.sqrt(this); }
    public Tensor sin() { return Elementwise.sin(this); }
    /** The error function, {@code 2 / sqrt(pi)} times the integral of {@code exp(-t^2)} from 0 to x. */
    public Tensor erf() { return Elementwise.erf(this); }
    public Tensor cos() { return Elementwise.cos(this); }
    public Tensor square() { return Elementwise.mul(this, this); }
    /** Clamps into {@code [min, max]}; pass {@code Float.NaN} for a bound to leave it open. */
    public Tensor clamp(float min, float max) { return Elementwise.clamp(this, min, max); }

    public Tensor tanh() { return Activations.tanh(this); }
    public Tensor sigmoid() { return Activations.sigmoid(this); }
    public Tensor relu() { return Activations.relu(this); }
    public Tensor leakyRelu(float negativeSlope) { return Activations.leakyRelu(this, negativeSlope); }
    public Tensor elu(float alpha) { return Activations.elu(this, alpha); }
    /** {@code log(1 + exp(beta x)) / beta}, linear where {@code beta x > threshold} (PyTorch defaults 1, 20). */
    public Tensor softplus(float beta, float threshold) { return Activations.softplus(this, beta, threshold); }
    public Tensor silu() { return Activations.silu(this); }
    /** Exact GELU {@code x * Phi(x)}. */
    public Tensor gelu() { return Activations.gelu(this, false); }
    /** GELU's tanh approximation. */
    public Tensor geluTanh() { return Activations.gelu(this, true); }

    /** Elementwise {@code this == other} as 1/0 (no gradient). */
    public Tensor eq(Tensor other) { return Elementwise.compare(this, other, BinaryOp.EQ); }
    public Tensor ne(Tensor other) { return Elementwise.compare(this, other, BinaryOp.NE); }
    public Tensor lt(Tensor other) { return Elementwise.compare(this, other, BinaryOp.LT); }
    public Tensor le(Tensor other) { return Elementwise.compare(this, other, BinaryOp.LE); }
    public Tensor gt(Tensor other) { return Elementwise.compare(this, other, BinaryOp.GT); }
    public Tensor ge(Tensor other) { return Elementwise.compare(this, other, BinaryOp.GE); }

    /** Picks {@code a} where {@code condition} is non-zero and {@code b} elsewhere, broadcasting all three. */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        return Elementwise.where(condition, a, b);
    }

    // ---------------------------------------------------------------- matrix products

    /** Matrix product with PyTorch's {@code matmul} rules: 1-D, 2-D, batched and broadcast batch dims. */
    public Tensor matmul(Tensor other) { return MatMul.matmul(this, other); }

    /**
     * The dense layer's map {@code this W^T + b} for this {@code [..., in]}, weight {@code [out, in]}
     * and bias {@code [out]} (or null), as one op; shapes are checked by {@code nn.functional.Affine.linear}.
     */
    public Tensor linear(Tensor weight, Tensor bias) { return LinearOps.linear(this, weight, bias); }

    // ---------------------------------------------------------------- convolution and pooling

    /** 2-D convolution of this {@code [N, C, H, W]} with weight {@code [O, C/groups, kH, kW]} and bias {@code [O]} (or null). */
    public Tensor conv2d(Tensor weight, Tensor bias, Conv2dSpec spec) { return ConvOps.conv2d(this, weight, bias, spec); }
    /**
     * A convolutional block: {@code conv2d(weight, bias, spec).maxPool2d(2, 2, 0)}, then {@link #relu}
     * when relu is set (pooling first is exact: max and ReLU commute), as one op with the three ops' values
     * and gradients (the bias's within rounding). With a gradient to record it keeps which element of each window
     * holds the maximum, not the convolution's output, which the CPU backend never writes; ReLU is no pass of its own.
     */
    public Tensor conv2dMaxPool2x2(Tensor weight, Tensor bias, Conv2dSpec spec, boolean relu) {
        return ConvOps.conv2dMaxPool2x2(this, weight, bias, spec, relu);
    }
    /** Max over square windows of {@code [N, C, H, W]}. */
    public Tensor maxPool2d(int kernel, int stride, int padding) { return PoolOps.maxPool2d(this, kernel, stride, padding); }
    /** Average over square windows (padding counted as zeros, as PyTorch by default). */
    public Tensor avgPool2d(int kernel, int stride, int padding) { return PoolOps.avgPool2d(this, kernel, stride, padding); }
    /** Average pooling to a fixed output size, whatever the input size. */
    public Tensor adaptiveAvgPool2d(int outH, int outW) { return PoolOps.adaptiveAvgPool2d(this, outH, outW); }

    /**
     * Layer normalisation over the last {@code normalizedDims} dimensions as one fused op, with
     * {@code weight} and {@code bias} of their shape (or null); {@code nn.functional.Normalization.layerNorm}
     * checks the shapes and calls this.
     */
    public Tensor layerNorm(int normalizedDims, Tensor weight, Tensor bias, float eps) {
        int width = 1;
        for (int d = rank() - normalizedDims; d < rank(); d++) {
            width *= size(d);
        }
        return NormOps.layerNorm(this, width, weight, bias, eps);
    }

    /**
     * Training-mode batch normalisation over dimension 1 as one fused op: the output, and the batch
     * mean and biased variance per channel. Use {@code nn.functional.Normalization.batchNorm}, which
     * also keeps the running estimates.
     */
    public BatchNormResult batchNormTraining(Tensor weight, Tensor bias, float eps) {
        return NormOps.batchNormTraining(this, weight, bias, eps, false);
    }

    /**
     * {@link #batchNormTraining(Tensor, Tensor, float)} followed by ReLU, as one op: one pass over the
     * values forward and two back instead of a further two for the ReLU, the same numbers.
     */
    public BatchNormResult batchNormReluTraining(Tensor weight, Tensor bias, float eps) {
        return NormOps.batchNormTraining(this, weight, bias, eps, true);
    }

    /**
     * Batch norm of {@code [N, C, ...]} with fixed per-channel statistics {@code mean} and {@code variance}
     * ({@code [C]}), as in evaluation, in one pass: {@code (x - mean) / sqrt(variance + eps) * weight + bias}
     * (weight and bias may be null). Not differentiable: for inputs that need no gradient (compose the
     * elementwise ops where one does).
     */
    public Tensor batchNormInference(Tensor mean, Tensor variance, Tensor weight, Tensor bias, float eps) {
        return NormOps.batchNormInference(this, mean, variance, weight, bias, eps);
    }

    // ---------------------------------------------------------------- reductions

    /** Sum of all elements (a scalar). */
    public Tensor sum() { return Reductions.sum(this, Reductions.allDims(this), false); }
    /** Sum over {@code dims}; with {@code keepDim} the reduced dimensions stay with size 1. */
    public Tensor sum(int[] dims, boolean keepDim) { return Reductions.sum(this, dims, keepDim); }
    public Tensor sum(int dim, boolean keepDim) { return Reductions.sum(this, new int[] {dim}, keepDim); }
    public Tensor mean() { return Reductions.mean(this, Reductions.allDims(this), false); }
    public Tensor mean(int[] dims, boolean keepDim) { return Reductions.mean(this, dims, keepDim); }
    public Tensor mean(int dim, boolean keepDim) { return Reductions.mean(this, new int[] {dim}, keepDim); }
    /** Variance over {@code dims} with Bessel's correction ({@code correction} 1) or without (0). */
    public Tensor var(int[] dims, int correction, boolean keepDim) { return Reductions.var(this, dims, correction, keepDim); }
    /** Largest element (a scalar); ties share the gradient equally, as in PyTorch. */
    public Tensor max() { return Reductions.amax(this, Reductions.allDims(this), false, true); }
    public Tensor min() { return Reductions.amax(this, Reductions.allDims(this), false, false); }
    /** Largest values over {@code dims}. */
    public Tensor amax(int[] dims, boolean keepDim) { return Reductions.amax(this, dims, keepDim, true); }
    public Tensor amin(int[] dims, boolean keepDim) { return Reductions.amax(this, dims, keepDim, false); }
    /** Largest value along {@code dim} and its index (the first one), like {@code torch.max(x, dim)}. */
    public ValuesAndIndices max(int dim, boolean keepDim) { return Reductions.maxAlong(this, dim, keepDim, true); }
    public ValuesAndIndices min(int dim, boolean keepDim) { return Reductions.maxAlong(this, dim, keepDim, false); }
    /** Index of the largest value along {@code dim}, as float32 integers. */
    public Tensor argmax(int dim, boolean keepDim) { return Reductions.maxAlong(this, dim, keepDim, true).indices(); }
    public Tensor argmin(int dim, boolean keepDim) { return Reductions.maxAlong(this, dim, keepDim, false).indices(); }
    /** {@code log(sum(exp(x)))} over {@code dims}, computed stably. */
    public Tensor logsumexp(int[] dims, boolean keepDim) { return Reductions.logsumexp(this, dims, keepDim); }
    public Tensor logsumexp(int dim, boolean keepDim) { return Reductions.logsumexp(this, new int[] {dim}, keepDim); }
    public Tensor softmax(int dim) { return SoftmaxOps.softmax(this, dim); }

    /**
     * Fused scaled dot-product attention with this tensor as the query, all {@code [batch, heads,
     * length, dim]}: {@code softmax(Q K^T / sqrt(dim) + mask) V}, without materialising the
     * probabilities. {@code keyPadding [batch, keys]} (or null) masks keys where nonzero; with
     * {@code causal}, query i attends to keys 0..i. {@code nn.functional.Sequences} has the general form.
     */
    public Tensor scaledDotProductAttention(Tensor key, Tensor value, Tensor keyPadding, boolean causal) {
        return AttentionOps.attention(this, key, value, keyPadding, causal);
    }

    /**
     * Multi-head self-attention with this tensor a packed projection {@code [batch, length, 3 x width]}
     * (query, key and value side by side): the fused attention over {@code heads} heads, returned as
     * {@code [batch, length, width]} with the heads merged, as one op whose gradient is one buffer.
     */
    public Tensor packedSelfAttention(int heads, Tensor keyPadding, boolean causal) {
        return AttentionOps.packed(this, heads, keyPadding, causal);
    }
    /**
     * Per-sample softmax cross-entropy of these logits {@code [N, C]} against class indices {@code [N]},
     * with label smoothing {@code eps}, as one fused op; {@code nn.functional.Losses} wraps it with reductions.
     */
    public Tensor softmaxCrossEntropy(Tensor classIndices, float labelSmoothing) {
        return LossOps.softmaxCrossEntropy(this, classIndices, labelSmoothing);
    }
    public Tensor logSoftmax(int dim) { return SoftmaxOps.logSoftmax(this, dim); }

    // ---------------------------------------------------------------- views and shape

    /** Same values in a new shape (one size may be -1); a view when the layout allows, else a copy. */
    public Tensor reshape(int... newShape) { return Views.reshape(this, newShape); }
    /** Same values in a new shape, always sharing storage; fails when the layout does not allow it. */
    public Tensor view(int... newShape) { return Views.view(this, newShape); }
    /** Dimensions reordered: dimension i of the result is dimension {@code order[i]} of this. */
    public Tensor permute(int... order) { return Views.permute(this, order); }
    public Tensor transpose(int dim0, int dim1) { return Views.transpose(this, dim0, dim1); }
    /** The transpose of a 2-D tensor. */
    public Tensor t() {
        if (rank() != 2) {
            throw new ShapeException("t: expects a 2-D tensor, got shape " + shape + "; use transpose(d0, d1)");
        }
        return Views.transpose(this, 0, 1);
    }
    /** Elements {@code start .. start+length-1} along {@code dim} (a view). */
    public Tensor narrow(int dim, int start, int length) { return Views.narrow(this, dim, start, length); }
    /** Index {@code index} along {@code dim}, removing that dimension (a view). */
    public Tensor select(int dim, int index) { return Views.select(this, dim, index); }
    /** Repeats size-1 dimensions (and adds leading ones) to reach {@code newShape}, without copying; -1 keeps a size. */
    public Tensor expand(int... newShape) { return Views.expand(this, newShape); }
    public Tensor unsqueeze(int dim) { return Views.unsqueeze(this, dim); }
    /** Removes dimension {@code dim}, which must have size 1. */
    public Tensor squeeze(int dim) { return Views.squeeze(this, dim); }
    /** Merges dimensions {@code startDim .. endDim} into one. */
    public Tensor flatten(int startDim, int endDim) { return Views.flatten(this, startDim, endDim); }
    /** This tensor if already contiguous, else a contiguous copy. */
    public Tensor contiguous() { return Views.contiguous(this); }
    /** A contiguous copy with its own storage (gradient flows through). */
    @Override
    public Tensor clone() { return Views.cloneTensor(this); }

    // ---------------------------------------------------------------- joining and indexing

    /** Joins tensors along an existing dimension. */
    public static Tensor cat(int dim, Tensor... tensors) { return Joins.cat(dim, tensors); }
    /** Joins equally shaped tensors along a new dimension. */
    public static Tensor stack(int dim, Tensor... tensors) { return Joins.stack(dim, tensors); }
    /** Entries {@code index[j]} along {@code dim}, like {@code torch.index_select}; index is 1-D. */
    public Tensor indexSelect(int dim, Tensor index) { return Indexing.indexSelect(this, dim, index); }
    /** {@code out[i][j] = this[i][index[i][j]]} for dim 1 (and so on), like {@code torch.gather}. */
    public Tensor gather(int dim, Tensor index) { return Indexing.gather(this, dim, index); }
    /** A copy of this with {@code source} added at {@code index} along {@code dim}, like {@code torch.scatter_add}. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor source) { return Indexing.scatterAdd(this, dim, index, source); }

    // ---------------------------------------------------------------- printing

    @Override
    public String toString() {
        return Printer.format(this);
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
