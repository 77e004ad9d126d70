package dev.backprop.onnx.load;

import dev.backprop.onnx.proto.OnnxProto.TensorProto.DataType;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;
import java.util.function.LongBinaryOperator;

/**
 * Integer or boolean data in an imported graph (an ONNX {@code int64}, {@code int32}, ... or
 * {@code bool} tensor) as longs in row-major order: shapes, indices and masks, computed exactly
 * and never differentiated. Booleans are 0 and 1.
 */
record Ints(DataType type, int[] shape, long[] data) implements Value {
    /** The largest integer tensor an import or a step may make (elements), against hostile shapes. */
    static final long MAX_ELEMENTS = 1L << 28;

    Ints {
        if (data.length != numel(shape)) {
            throw new IllegalArgumentException("Ints: " + data.length + " values for shape " + Arrays.toString(shape));
        }
    }

    static Ints vector(DataType type, long... values) {
        return new Ints(type, new int[] {values.length}, values);
    }

    static Ints scalar(DataType type, long value) {
        return new Ints(type, new int[0], new long[] {value});
    }

    static Ints bools(int[] shape, boolean[] values) {
        long[] data = new long[values.length];
        for (int i = 0; i < data.length; i++) {
            data[i] = values[i] ? 1 : 0;
        }
        return new Ints(DataType.BOOL, shape, data);
    }

    @Override
    public int[] dims() {
        return shape.clone();
    }

    int rank() {
        return shape.length;
    }

    /** The element count of {@code shape}, refused past {@link #MAX_ELEMENTS}. */
    static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
            if (n > MAX_ELEMENTS) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than " + MAX_ELEMENTS
                        + " elements");
            }
        }
        return (int) n;
    }

    /** The same values as a float tensor without gradient (exact below 2^24). */
    Tensor toTensor() {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = data[i];
        }
        return Tensor.fromArray(f, shape);
    }

    /** A float tensor's values as integers of {@code type}: truncated toward zero ({@code bool}: not zero). */
    static Ints fromTensor(Tensor t, DataType type) {
        float[] f = t.toFloatArray();
        long[] data = new long[f.length];
        for (int i = 0; i < f.length; i++) {
            data[i] = type == DataType.BOOL ? (f[i] != 0f ? 1 : 0) : (long) f[i];
        }
        return new Ints(type, t.shape().dims(), data);
    }

    /** The values as ints, each checked to fit. */
    int[] toIntArray(String what) {
        int[] out = new int[data.length];
        for (int i = 0; i < out.length; i++) {
            if (data[i] < Integer.MIN_VALUE || data[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(what + ": value " + data[i] + " does not fit in an int");
            }
            out[i] = (int) data[i];
        }
        return out;
    }

    /** The single value of a scalar or one-element tensor. */
    long single(String what) {
        if (data.length != 1) {
            throw new IllegalArgumentException(what + ": expected one value, got shape " + Arrays.toString(shape));
        }
        return data[0];
    }

    /** NumPy broadcasting of two shapes, as ONNX's elementwise ops use it. */
    static int[] broadcast(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** This tensor's values broadcast to {@code target} (which it must broadcast to), in row-major order. */
    long[] broadcastTo(int[] target) {
        int n = numel(target);
        long[] out = new long[n];
        int rank = target.length;
        int offset = rank - shape.length;
        int[] strides = new int[rank];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i + offset] = shape[i] == 1 ? 0 : stride;
            stride *= shape[i];
        }
        int[] index = new int[rank];
        for (int k = 0; k < n; k++) {
            int src = 0;
            for (int i = 0; i < rank; i++) {
                src += index[i] * strides[i];
            }
            out[k] = data[src];
            for (int i = rank - 1; i >= 0; i--) {
                if (++index[i] < target[i]) {
                    break;
                }
                index[i] = 0;
            }
        }
        return out;
    }

    /** {@code op(a, b)} elementwise with broadcasting; the result has {@code type}. */
    static Ints zip(Ints a, Ints b, DataType type, LongBinaryOperator op) {
        int[] shape = broadcast(a.shape, b.shape);
        long[] x = a.broadcastTo(shape);
        long[] y = b.broadcastTo(shape);
        long[] out = new long[x.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = op.applyAsLong(x[i], y[i]);
        }
        return new Ints(type, shape, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ints other && type == other.type && Arrays.equals(shape, other.shape)
                && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return type + Arrays.toString(shape) + (data.length <= 16 ? Arrays.toString(data) : "");
    }
}
