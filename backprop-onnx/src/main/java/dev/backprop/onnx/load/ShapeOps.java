package dev.backprop.onnx.load;

import static dev.backprop.onnx.load.Inputs.axis;
import static dev.backprop.onnx.load.Inputs.floats;
import static dev.backprop.onnx.load.Inputs.ints;
import static dev.backprop.onnx.load.Inputs.one;

import dev.backprop.onnx.proto.OnnxProto.TensorProto;
import dev.backprop.onnx.proto.OnnxProto.TensorProto.DataType;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ops that move data without computing on it: shapes and their arithmetic ({@code Shape},
 * {@code Reshape}, {@code Unsqueeze}, {@code Concat}, {@code Range}, ...), indexing ({@code Gather},
 * {@code Slice}, {@code Split}) and layout ({@code Transpose}, {@code Expand}, {@code Flatten}). On
 * floating-point data they are the autograd's views and copies; on integers they are computed
 * directly. Where an op's settings moved from attributes to inputs between opsets, both are read.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    static void register(Map<String, Op.Definition> ops) {
        put(ops, "Shape", Set.of("start", "end"), 1, 1, (n, in) -> {
            int[] dims = in.get(0).dims();
            int rank = dims.length;
            int start = clampIndex(n.attributes().getInt("start", 0), rank);
            int end = clampIndex(n.attributes().getInt("end", rank), rank);
            long[] out = new long[Math.max(0, end - start)];
            for (int i = 0; i < out.length; i++) {
                out[i] = dims[start + i];
            }
            return one(Ints.vector(DataType.INT64, out));
        });
        put(ops, "Reshape", Set.of("allowzero"), 2, 2, (n, in) -> {
            int[] target = reshapeTarget(in.get(0).dims(), ints(in, 1),
                    n.attributes().getInt("allowzero", 0) != 0);
            return one(reshape(in.get(0), target));
        });
        put(ops, "Flatten", Set.of("axis"), 1, 1, (n, in) -> {
            int[] dims = in.get(0).dims();
            long a = n.attributes().getInt("axis", 1);
            int axis = a == dims.length ? dims.length : axis(a, dims.length);
            int outer = 1;
            for (int i = 0; i < axis; i++) {
                outer *= dims[i];
            }
            int inner = 1;
            for (int i = axis; i < dims.length; i++) {
                inner *= dims[i];
            }
            return one(reshape(in.get(0), new int[] {outer, inner}));
        });
        put(ops, "Unsqueeze", Set.of("axes"), 1, 2, (n, in) -> {
            long[] axes = axesOf(n, in, 13);
            if (axes == null) {
                throw new IllegalArgumentException("no axes given");
            }
            int[] dims = in.get(0).dims();
            int rank = dims.length + axes.length;
            boolean[] inserted = new boolean[rank];
            for (long a : axes) {
                int d = axis(a, rank);
                if (inserted[d]) {
                    throw new IllegalArgumentException("axis " + a + " is given twice");
                }
                inserted[d] = true;
            }
            int[] out = new int[rank];
            for (int i = 0, j = 0; i < rank; i++) {
                out[i] = inserted[i] ? 1 : dims[j++];
            }
            return one(reshape(in.get(0), out));
        });
        put(ops, "Squeeze", Set.of("axes"), 1, 2, (n, in) -> {
            long[] axes = axesOf(n, in, 13);
            int[] dims = in.get(0).dims();
            boolean[] removed = new boolean[dims.length];
            if (axes == null) {
                for (int i = 0; i < dims.length; i++) {
                    removed[i] = dims[i] == 1;
                }
            } else {
                for (long a : axes) {
                    int d = axis(a, dims.length);
                    if (dims[d] != 1) {
                        throw new IllegalArgumentException("axis " + a + " has size " + dims[d] + ", not 1");
                    }
                    removed[d] = true;
                }
            }
            int[] out = java.util.stream.IntStream.range(0, dims.length).filter(i -> !removed[i]).map(i -> dims[i]).toArray();
            return one(reshape(in.get(0), out));
        });
        put(ops, "Concat", Set.of("axis"), 1, Integer.MAX_VALUE, (n, in) -> one(concat(n, in)));
        put(ops, "Transpose", Set.of("perm"), 1, 1, (n, in) -> {
            int rank = in.get(0).dims().length;
            long[] p = n.attributes().getInts("perm");
            int[] perm = new int[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = p == null ? rank - 1 - i : axis(p[i], rank);
            }
            if (p != null && p.length != rank) {
                throw new IllegalArgumentException("perm has " + p.length + " entries for rank " + rank);
            }
            if (in.get(0) instanceof Ints x) {
                return one(permute(x, perm));
            }
            return one(floats(in, 0).permute(perm));
        });
        put(ops, "Expand", Set.of(), 2, 2, (n, in) -> {
            int[] shape = ints(in, 1).toIntArray("shape");
            int[] out = Ints.broadcast(in.get(0).dims(), shape);
            if (in.get(0) instanceof Ints x) {
                return one(new Ints(x.type(), out, x.broadcastTo(out)));
            }
            return one(floats(in, 0).expand(out));
        });
        put(ops, "Gather", Set.of("axis"), 2, 2, (n, in) -> one(gather(n, in)));
        put(ops, "Slice", Set.of(), 3, 5, (n, in) -> one(slice(in)));
        put(ops, "Split", Set.of("axis", "split", "num_outputs"), 1, 2, (n, in) -> split(n, in));
        put(ops, "Constant", Set.of("value", "value_float", "value_floats", "value_int", "value_ints"), 0, 0,
                (n, in) -> one(constant(n)));
        put(ops, "ConstantOfShape", Set.of("value"), 1, 1, (n, in) -> {
            int[] shape = ints(in, 0).toIntArray("shape");
            TensorProto value = n.attributes().getTensor("value");
            Value v = value == null ? Value.of(Tensor.scalar(0f)) : TensorData.constant(value);
            if (v.dims().length > 1 || Ints.numel(v.dims()) != 1) {
                throw new IllegalArgumentException("value must hold one element, got shape " + Arrays.toString(v.dims()));
            }
            int count = Ints.numel(shape);
            if (v instanceof Ints i) {
                long[] out = new long[count];
                Arrays.fill(out, i.data()[0]);
                return one(new Ints(i.type(), shape, out));
            }
            return one(Tensor.full(((Value.Floats) v).tensor().toFloatArray()[0], shape));
        });
        put(ops, "Range", Set.of(), 3, 3, (n, in) -> {
            if (in.get(0) instanceof Ints start) {
                long s = start.single("start");
                long limit = ints(in, 1).single("limit");
                long delta = ints(in, 2).single("delta");
                if (delta == 0) {
                    throw new IllegalArgumentException("delta is 0");
                }
                long[] out = new long[rangeLength(Math.ceil((double) (limit - s) / delta))];
                for (int i = 0; i < out.length; i++) {
                    out[i] = s + i * delta;
                }
                return one(new Ints(start.type(), new int[] {out.length}, out));
            }
            double s = Inputs.scalar(in, 0);
            double limit = Inputs.scalar(in, 1);
            double delta = Inputs.scalar(in, 2);
            if (delta == 0) {
                throw new IllegalArgumentException("delta is 0");
            }
            float[] out = new float[rangeLength(Math.ceil((limit - s) / delta))];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (s + i * delta);
            }
            return one(Tensor.fromArray(out, out.length));
        });
    }

    private static void put(Map<String, Op.Definition> ops, String type, Set<String> attributes, int min, int max, Op op) {
        ops.put(type, new Op.Definition(type, attributes, min, max, op));
    }

    /** Range's element count, refused past {@link Ints#MAX_ELEMENTS}. */
    private static int rangeLength(double count) {
        if (count > Ints.MAX_ELEMENTS) {
            throw new IllegalArgumentException("the range has " + (long) count + " elements, more than "
                    + Ints.MAX_ELEMENTS);
        }
        return (int) Math.max(0, count);
    }

    private static int clampIndex(long i, int rank) {
        long v = i < 0 ? i + rank : i;
        return (int) Math.max(0, Math.min(rank, v));
    }

    /** The axes of Unsqueeze, Squeeze, the reductions and Split: an attribute before {@code inputFrom}, an input after. */
    static long[] axesOf(Node n, List<Value> in, int inputFrom) {
        if (n.opset() < inputFrom) {
            return n.attributes().getInts("axes");
        }
        if (n.attributes().has("axes")) {
            throw new IllegalArgumentException("attribute 'axes' belongs to opsets before " + inputFrom
                    + "; from then on the axes are input 1");
        }
        return n.hasInput(1) ? ints(in, 1).data() : null;
    }

    /** Reshape's target: 0 copies the input's dimension (unless allowzero), one -1 is inferred. */
    static int[] reshapeTarget(int[] dims, Ints shape, boolean allowZero) {
        int[] target = shape.toIntArray("shape");
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == 0 && !allowZero) {
                if (i >= dims.length) {
                    throw new IllegalArgumentException("shape " + Arrays.toString(target) + " copies dimension " + i
                            + " of an input of rank " + dims.length);
                }
                target[i] = dims[i];
            }
            if (target[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("shape " + Arrays.toString(target) + " has more than one -1");
                }
                infer = i;
            } else if (target[i] < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(target) + " has a negative dimension");
            } else {
                known *= target[i];
            }
        }
        long numel = Ints.numel(dims);
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(dims) + " to "
                        + Arrays.toString(target));
            }
            target[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(dims) + " (" + numel + " elements) to "
                    + Arrays.toString(target));
        }
        return target;
    }

    static Value reshape(Value v, int[] target) {
        if (v instanceof Ints x) {
            return new Ints(x.type(), target, x.data());
        }
        return Value.of(((Value.Floats) v).tensor().reshape(target));
    }

    private static Ints permute(Ints x, int[] perm) {
        int rank = perm.length;
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = x.shape()[perm[i]];
        }
        int[] strides = new int[rank];
        int s = 1;
        for (int i = rank - 1; i >= 0; i--) {
            strides[i] = s;
            s *= x.shape()[i];
        }
        long[] out = new long[x.data().length];
        int[] index = new int[rank];
        for (int k = 0; k < out.length; k++) {
            int src = 0;
            for (int i = 0; i < rank; i++) {
                src += index[i] * strides[perm[i]];
            }
            out[k] = x.data()[src];
            for (int i = rank - 1; i >= 0; i--) {
                if (++index[i] < shape[i]) {
                    break;
                }
                index[i] = 0;
            }
        }
        return new Ints(x.type(), shape, out);
    }

    private static Value concat(Node n, List<Value> in) {
        if (!n.attributes().has("axis")) {
            throw new IllegalArgumentException("attribute 'axis' is required");
        }
        int rank = in.get(0).dims().length;
        int axis = axis(n.attributes().getInt("axis", 0), rank);
        if (in.get(0) instanceof Ints first) {
            List<Ints> parts = new ArrayList<>();
            for (int i = 0; i < in.size(); i++) {
                parts.add(ints(in, i));
            }
            return concatInts(first.type(), parts, axis);
        }
        Tensor[] parts = new Tensor[in.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = floats(in, i);
        }
        return Value.of(Tensor.cat(axis, parts));
    }

    private static Ints concatInts(DataType type, List<Ints> parts, int axis) {
        int[] shape = parts.get(0).shape().clone();
        int total = 0;
        for (Ints p : parts) {
            if (p.rank() != shape.length) {
                throw new IllegalArgumentException("inputs of ranks " + shape.length + " and " + p.rank());
            }
            for (int d = 0; d < shape.length; d++) {
                if (d != axis && p.shape()[d] != shape[d]) {
                    throw new IllegalArgumentException("shapes " + Arrays.toString(shape) + " and "
                            + Arrays.toString(p.shape()) + " differ outside axis " + axis);
                }
            }
            total += p.shape()[axis];
        }
        shape[axis] = total;
        int outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= shape[d];
        }
        long[] out = new long[Ints.numel(shape)];
        int pos = 0;
        for (int o = 0; o < outer; o++) {
            for (Ints p : parts) {
                int block = p.data().length / Math.max(1, outer);
                System.arraycopy(p.data(), o * block, out, pos, block);
                pos += block;
            }
        }
        return new Ints(type, shape, out);
    }

    /** Gather along {@code axis}: the output's shape is data's with that dimension replaced by the indices' shape. */
    private static Value gather(Node n, List<Value> in) {
        int[] dims = in.get(0).dims();
        int axis = axis(n.attributes().getInt("axis", 0), dims.length);
        Ints indices = ints(in, 1);
        int size = dims[axis];
        long[] picks = indices.data().clone();
        for (int i = 0; i < picks.length; i++) {
            if (picks[i] < -size || picks[i] >= size) {
                throw new IllegalArgumentException("index " + picks[i] + " is out of range for axis " + axis + " of size "
                        + size);
            }
            if (picks[i] < 0) {
                picks[i] += size;
            }
        }
        int[] out = new int[dims.length - 1 + indices.rank()];
        System.arraycopy(dims, 0, out, 0, axis);
        System.arraycopy(indices.shape(), 0, out, axis, indices.rank());
        System.arraycopy(dims, axis + 1, out, axis + indices.rank(), dims.length - axis - 1);
        if (in.get(0) instanceof Ints) {
            List<Integer> rows = new ArrayList<>();
            for (long p : picks) {
                rows.add((int) p);
            }
            return reshape(select(in.get(0), axis, rows), out);
        }
        float[] index = new float[picks.length];
        for (int i = 0; i < index.length; i++) {
            index[i] = picks[i];
        }
        Tensor selected = floats(in, 0).indexSelect(axis, Tensor.fromArray(index, index.length));
        return Value.of(selected.reshape(out));
    }

    /** Slice with starts, ends, axes and steps as inputs (opset 10 on), clamped as the specification says. */
    private static Value slice(List<Value> in) {
        int[] dims = in.get(0).dims();
        long[] starts = ints(in, 1).data();
        long[] ends = ints(in, 2).data();
        Value axesValue = Inputs.optional(in, 3);
        Value stepsValue = Inputs.optional(in, 4);
        long[] axes = axesValue == null ? null : ((Ints) axesValue).data();
        long[] steps = stepsValue == null ? null : ((Ints) stepsValue).data();
        if (starts.length != ends.length || (axes != null && axes.length != starts.length)
                || (steps != null && steps.length != starts.length)) {
            throw new IllegalArgumentException("starts, ends, axes and steps differ in length");
        }
        Value out = in.get(0);
        boolean[] seen = new boolean[dims.length];
        for (int k = 0; k < starts.length; k++) {
            int axis = axis(axes == null ? k : axes[k], dims.length);
            if (seen[axis]) {
                throw new IllegalArgumentException("axis " + axis + " is sliced twice");
            }
            seen[axis] = true;
            long step = steps == null ? 1 : steps[k];
            if (step == 0) {
                throw new IllegalArgumentException("step 0 on axis " + axis);
            }
            int size = dims[axis];
            long start = starts[k] < 0 ? starts[k] + size : starts[k];
            long end = ends[k] < 0 ? ends[k] + size : ends[k];
            if (step > 0) {
                start = Math.max(0, Math.min(size, start));
                end = Math.max(0, Math.min(size, end));
            } else {
                start = Math.max(-1, Math.min(size - 1, start));
                end = Math.max(-1, Math.min(size - 1, end));
            }
            List<Integer> picks = new ArrayList<>();
            for (long i = start; step > 0 ? i < end : i > end; i += step) {
                picks.add((int) i);
            }
            out = select(out, axis, picks);
        }
        return out;
    }

    /** Entries {@code picks} of {@code axis}: a view for a contiguous run, else an index-select. */
    private static Value select(Value v, int axis, List<Integer> picks) {
        int[] dims = v.dims();
        boolean run = true;
        for (int i = 1; i < picks.size(); i++) {
            run &= picks.get(i) == picks.get(i - 1) + 1;
        }
        if (v instanceof Ints x) {
            int outer = 1;
            for (int d = 0; d < axis; d++) {
                outer *= dims[d];
            }
            int inner = 1;
            for (int d = axis + 1; d < dims.length; d++) {
                inner *= dims[d];
            }
            int[] shape = dims.clone();
            shape[axis] = picks.size();
            long[] out = new long[Ints.numel(shape)];
            int pos = 0;
            for (int o = 0; o < outer; o++) {
                for (int p : picks) {
                    System.arraycopy(x.data(), (o * dims[axis] + p) * inner, out, pos, inner);
                    pos += inner;
                }
            }
            return new Ints(x.type(), shape, out);
        }
        Tensor t = ((Value.Floats) v).tensor();
        if (run && !picks.isEmpty()) {
            return Value.of(t.narrow(axis, picks.get(0), picks.size()));
        }
        float[] index = new float[picks.size()];
        for (int i = 0; i < index.length; i++) {
            index[i] = picks.get(i);
        }
        return Value.of(t.indexSelect(axis, Tensor.fromArray(index, index.length)));
    }

    private static List<Value> split(Node n, List<Value> in) {
        int[] dims = in.get(0).dims();
        int axis = axis(n.attributes().getInt("axis", 0), dims.length);
        long[] sizes = n.opset() < 13 ? n.attributes().getInts("split") : n.hasInput(1) ? ints(in, 1).data() : null;
        int parts = n.outputs().size();
        if (sizes == null) {
            long count = n.attributes().getInt("num_outputs", parts);
            if (count != parts) {
                throw new IllegalArgumentException("num_outputs=" + count + " but the node has " + parts + " outputs");
            }
            int each = (dims[axis] + parts - 1) / parts;
            sizes = new long[parts];
            for (int i = 0; i < parts; i++) {
                sizes[i] = Math.max(0, Math.min(each, dims[axis] - (long) i * each));
            }
        }
        if (sizes.length != parts || Arrays.stream(sizes).sum() != dims[axis]) {
            throw new IllegalArgumentException("split " + Arrays.toString(sizes) + " does not cut axis " + axis
                    + " of size " + dims[axis] + " into " + parts + " outputs");
        }
        List<Value> out = new ArrayList<>();
        int start = 0;
        for (long s : sizes) {
            List<Integer> picks = new ArrayList<>();
            for (int i = 0; i < s; i++) {
                picks.add(start + i);
            }
            out.add(select(in.get(0), axis, picks));
            start += (int) s;
        }
        return out;
    }

    private static Value constant(Node n) {
        Attributes a = n.attributes();
        if (a.has("value")) {
            return TensorData.constant(a.getTensor("value"));
        }
        if (a.has("value_float")) {
            return Value.of(Tensor.scalar(a.getFloat("value_float", 0f)));
        }
        if (a.has("value_floats")) {
            float[] f = a.getFloats("value_floats");
            return Value.of(Tensor.fromArray(f, f.length));
        }
        if (a.has("value_int")) {
            return Ints.scalar(DataType.INT64, a.getInt("value_int", 0));
        }
        if (a.has("value_ints")) {
            return Ints.vector(DataType.INT64, a.getInts("value_ints"));
        }
        throw new IllegalArgumentException("no value attribute (value, value_float(s) or value_int(s))");
    }
}
