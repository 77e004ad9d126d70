package dev.backprop.onnx.load;

import static dev.backprop.onnx.load.Inputs.floats;
import static dev.backprop.onnx.load.Inputs.one;

import dev.backprop.onnx.proto.OnnxProto.TensorProto.DataType;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BinaryOperator;
import java.util.function.LongBinaryOperator;
import java.util.function.UnaryOperator;

/**
 * Elementwise ops: arithmetic with broadcasting on floating-point data (through the autograd) and
 * on integers (exactly), activations, comparisons, {@code Where} and {@code Cast}.
 */
final class ElementwiseOps {
    private ElementwiseOps() {
    }

    static void register(Map<String, Op.Definition> ops) {
        arithmetic(ops, "Add", Tensor::add, Math::addExact);
        arithmetic(ops, "Sub", Tensor::sub, Math::subtractExact);
        arithmetic(ops, "Mul", Tensor::mul, Math::multiplyExact);
        arithmetic(ops, "Div", Tensor::div, (a, b) -> {
            if (b == 0) {
                throw new ArithmeticException("integer division by zero");
            }
            return a / b;
        });
        put(ops, "Pow", Set.of(), 2, 2, (n, in) -> one(pow(floats(in, 0), in.get(1))));
        put(ops, "Equal", Set.of(), 2, 2, (n, in) -> one(compare(in, (a, b) -> a == b)));
        put(ops, "Less", Set.of(), 2, 2, (n, in) -> one(compare(in, (a, b) -> a < b)));
        put(ops, "Greater", Set.of(), 2, 2, (n, in) -> one(compare(in, (a, b) -> a > b)));
        put(ops, "Not", Set.of(), 1, 1, (n, in) -> {
            Ints x = Inputs.ints(in, 0);
            long[] out = new long[x.data().length];
            for (int i = 0; i < out.length; i++) {
                out[i] = x.data()[i] == 0 ? 1 : 0;
            }
            return one(new Ints(DataType.BOOL, x.shape(), out));
        });
        put(ops, "Where", Set.of(), 3, 3, (n, in) -> one(where(in)));
        ops.put("Cast", new Op.Definition("Cast", Set.of("to", "saturate"), 1, 1, n -> castTarget(n),
                (n, in) -> one(cast(n, in.get(0)))));

        put(ops, "Neg", Set.of(), 1, 1, (n, in) -> {
            if (in.get(0) instanceof Ints x) {
                long[] out = x.data().clone();
                for (int i = 0; i < out.length; i++) {
                    out[i] = Math.negateExact(out[i]);
                }
                return one(new Ints(x.type(), x.shape(), out));
            }
            return one(floats(in, 0).neg());
        });
        put(ops, "Identity", Set.of(), 1, 1, (n, in) -> one(in.get(0)));
        unary(ops, "Abs", Tensor::abs);
        unary(ops, "Exp", Tensor::exp);
        unary(ops, "Log", Tensor::log);
        unary(ops, "Sqrt", Tensor::sqrt);
        unary(ops, "Erf", Tensor::erf);
        unary(ops, "Relu", Tensor::relu);
        unary(ops, "Sigmoid", Tensor::sigmoid);
        unary(ops, "Tanh", Tensor::tanh);
        put(ops, "LeakyRelu", Set.of("alpha"), 1, 1,
                (n, in) -> one(floats(in, 0).leakyRelu(n.attributes().getFloat("alpha", 0.01f))));
        put(ops, "Elu", Set.of("alpha"), 1, 1, (n, in) -> one(floats(in, 0).elu(n.attributes().getFloat("alpha", 1f))));
        ops.put("Gelu", new Op.Definition("Gelu", Set.of("approximate"), 1, 1, n -> {
            String approximate = n.attributes().getString("approximate", "none");
            if (!approximate.equals("none") && !approximate.equals("tanh")) {
                throw new IllegalArgumentException("approximate='" + approximate + "': expected none or tanh");
            }
        }, (n, in) -> one(n.attributes().getString("approximate", "none").equals("tanh") ? floats(in, 0).geluTanh()
                : floats(in, 0).gelu())));
        put(ops, "Clip", Set.of("min", "max"), 1, 3, (n, in) -> {
            float lo = Float.NaN;
            float hi = Float.NaN;
            if (n.opset() < 11) {
                lo = n.attributes().getFloat("min", Float.NaN);
                hi = n.attributes().getFloat("max", Float.NaN);
            } else {
                if (n.hasInput(1)) {
                    lo = (float) Inputs.scalar(in, 1);
                }
                if (n.hasInput(2)) {
                    hi = (float) Inputs.scalar(in, 2);
                }
            }
            return one(floats(in, 0).clamp(lo, hi));
        });
        // Inference: dropout passes its input through (the mask, when asked for, keeps everything).
        put(ops, "Dropout", Set.of("ratio", "seed", "is_test"), 1, 3, (n, in) -> {
            Tensor x = floats(in, 0);
            if (n.outputs().size() < 2) {
                return one(x);
            }
            boolean[] keep = new boolean[x.numel()];
            java.util.Arrays.fill(keep, true);
            return List.of(new Value.Floats(x), Ints.bools(x.shape().dims(), keep));
        });
    }

    private static void put(Map<String, Op.Definition> ops, String type, Set<String> attributes, int min, int max, Op op) {
        ops.put(type, new Op.Definition(type, attributes, min, max, op));
    }

    private static void unary(Map<String, Op.Definition> ops, String type, UnaryOperator<Tensor> f) {
        put(ops, type, Set.of(), 1, 1, (n, in) -> one(f.apply(floats(in, 0))));
    }

    private static void arithmetic(Map<String, Op.Definition> ops, String type, BinaryOperator<Tensor> floating,
                                   LongBinaryOperator integer) {
        put(ops, type, Set.of(), 2, 2, (n, in) -> {
            Value a = in.get(0);
            Value b = in.get(1);
            if (a instanceof Value.Floats x && b instanceof Value.Floats y) {
                return one(floating.apply(x.tensor(), y.tensor()));
            }
            if (a instanceof Ints x && b instanceof Ints y) {
                return one(Ints.zip(x, y, x.type(), integer));
            }
            throw new IllegalArgumentException("inputs of different element types (" + kind(a) + " and " + kind(b) + ")");
        });
    }

    private static String kind(Value v) {
        return v instanceof Ints i ? i.type().name() : "FLOAT";
    }

    /** {@code x ^ e}; a single constant exponent (the usual {@code Pow(x, 2)}) takes the scalar path. */
    private static Tensor pow(Tensor x, Value exponent) {
        if (exponent instanceof Ints e) {
            return x.pow((float) e.single("the exponent"));
        }
        Tensor e = ((Value.Floats) exponent).tensor();
        if (e.numel() == 1 && !e.requiresGrad() && e.rank() <= x.rank()) {
            return x.pow(e.toFloatArray()[0]);
        }
        return x.pow(e);
    }

    private interface DoubleComparison {
        boolean test(double a, double b);
    }

    private static Ints compare(List<Value> in, DoubleComparison cmp) {
        Value a = in.get(0);
        Value b = in.get(1);
        if (a instanceof Ints x && b instanceof Ints y) {
            return Ints.zip(x, y, DataType.BOOL, (p, q) -> cmp.test(p, q) ? 1 : 0);
        }
        if (a instanceof Value.Floats && b instanceof Value.Floats) {
            Tensor x = floats(in, 0);
            Tensor y = floats(in, 1);
            int[] shape = Ints.broadcast(x.shape().dims(), y.shape().dims());
            float[] p = x.expand(shape).contiguous().toFloatArray();
            float[] q = y.expand(shape).contiguous().toFloatArray();
            long[] out = new long[p.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = cmp.test(p[i], q[i]) ? 1 : 0;
            }
            return new Ints(DataType.BOOL, shape, out);
        }
        throw new IllegalArgumentException("inputs of different element types (" + kind(a) + " and " + kind(b) + ")");
    }

    private static Value where(List<Value> in) {
        Ints condition = Inputs.ints(in, 0);
        Value a = in.get(1);
        Value b = in.get(2);
        if (a instanceof Value.Floats x && b instanceof Value.Floats y) {
            return Value.of(Tensor.where(condition.toTensor(), x.tensor(), y.tensor()));
        }
        if (a instanceof Ints x && b instanceof Ints y) {
            int[] shape = Ints.broadcast(Ints.broadcast(condition.shape(), x.shape()), y.shape());
            long[] c = condition.broadcastTo(shape);
            long[] p = x.broadcastTo(shape);
            long[] q = y.broadcastTo(shape);
            long[] out = new long[c.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = c[i] != 0 ? p[i] : q[i];
            }
            return new Ints(x.type(), shape, out);
        }
        throw new IllegalArgumentException("inputs 1 and 2 have different element types (" + kind(a) + " and " + kind(b) + ")");
    }

    /** Cast's target type, refused unless floating-point, integer or bool. */
    private static DataType castTarget(Node n) {
        long to = n.attributes().getInt("to", -1);
        DataType type = DataType.forNumber((int) to);
        if (type == null || type == DataType.UNDEFINED || type == DataType.STRING || type == DataType.COMPLEX64
                || type == DataType.COMPLEX128) {
            throw new IllegalArgumentException("to=" + (type == null ? to : type) + " is not supported (floating-point,"
                    + " integer and bool types are)");
        }
        return type;
    }

    private static Value cast(Node n, Value x) {
        DataType type = castTarget(n);
        return switch (type) {
            case FLOAT, DOUBLE, FLOAT16, BFLOAT16 -> x instanceof Ints i ? Value.of(i.toTensor()) : x;
            case INT64, INT32, INT16, INT8, UINT8, UINT16, UINT32, UINT64, BOOL -> {
                if (x instanceof Ints i) {
                    long[] v = i.data().clone();
                    if (type == DataType.BOOL) {
                        for (int k = 0; k < v.length; k++) {
                            v[k] = v[k] != 0 ? 1 : 0;
                        }
                    }
                    yield new Ints(type, i.shape(), v);
                }
                try (var off = GradMode.noGrad()) {
                    yield Ints.fromTensor(((Value.Floats) x).tensor(), type);
                }
            }
            default -> throw new IllegalArgumentException("to=" + type + " is not supported (floating-point, integer and"
                    + " bool types are)");
        };
    }
}
