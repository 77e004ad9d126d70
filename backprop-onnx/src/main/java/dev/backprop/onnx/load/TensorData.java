package dev.backprop.onnx.load;

import dev.backprop.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.backprop.onnx.proto.OnnxProto.TensorProto;
import dev.backprop.onnx.proto.OnnxProto.TensorProto.DataType;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A {@code TensorProto}'s values: floating-point types (float, double, float16, bfloat16) become
 * a float32 {@link Tensor}, integer and boolean types {@link Ints}. The data may be in
 * {@code raw_data} (little-endian), in the typed fields, or in an external file beside the model.
 * Every declared size is checked against the bytes that are actually there before anything is
 * allocated, and an external file must lie inside the model's folder.
 */
final class TensorData {
    private TensorData() {
    }

    /** A tensor with its data inline (a {@code Constant}'s value). */
    static Value constant(TensorProto t) {
        try {
            return read(t, null);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A tensor whose data may be external, in a file relative to {@code folder} (null: none allowed). */
    static Value read(TensorProto t, Path folder) throws IOException {
        DataType type = DataType.forNumber(t.getDataType());
        if (type == null || type == DataType.UNDEFINED || type == DataType.STRING || type == DataType.COMPLEX64
                || type == DataType.COMPLEX128) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' has data type " + (type == null
                    ? t.getDataType() : type) + ", which is not supported (floating-point, integer and bool are)");
        }
        int[] shape = shape(t);
        long numel = 1;
        for (int d : shape) {
            numel *= d;
        }
        int width = width(type);
        ByteBuffer raw = null;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            raw = external(t, folder, numel * width);
        } else if (t.hasRawData()) {
            if (t.getRawData().size() != numel * width) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "' declares shape " + Arrays.toString(shape)
                        + " of " + type + " (" + numel * width + " bytes) but holds " + t.getRawData().size() + " bytes");
            }
            raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        } else {
            long held = switch (type) {
                case FLOAT -> t.getFloatDataCount();
                case DOUBLE -> t.getDoubleDataCount();
                case INT64 -> t.getInt64DataCount();
                case UINT32, UINT64 -> t.getUint64DataCount();
                default -> t.getInt32DataCount();
            };
            if (held != numel) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "' declares shape " + Arrays.toString(shape)
                        + " (" + numel + " values) but holds " + held);
            }
        }
        int n = (int) numel;
        if (floating(type)) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = raw != null ? rawFloat(raw, type, i) : switch (type) {
                    case FLOAT -> t.getFloatData(i);
                    case DOUBLE -> (float) t.getDoubleData(i);
                    case FLOAT16 -> Float.float16ToFloat((short) t.getInt32Data(i));
                    default -> Float.intBitsToFloat(t.getInt32Data(i) << 16);
                };
            }
            return Value.of(Tensor.fromArray(f, shape));
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = raw != null ? rawLong(raw, type, i) : switch (type) {
                case INT64 -> t.getInt64Data(i);
                case UINT32, UINT64 -> t.getUint64Data(i);
                default -> t.getInt32Data(i);
            };
            if (type == DataType.BOOL) {
                v[i] = v[i] != 0 ? 1 : 0;
            }
        }
        return new Ints(type, shape, v);
    }

    static boolean floating(DataType type) {
        return type == DataType.FLOAT || type == DataType.DOUBLE || type == DataType.FLOAT16 || type == DataType.BFLOAT16;
    }

    /** The dimensions, each checked, and their product bounded by what a Java array can hold. */
    static int[] shape(TensorProto t) {
        int[] shape = new int[t.getDimsCount()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "' has dimension " + d);
            }
            numel *= Math.max(d, 1);
            if (numel > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "' declares shape " + t.getDimsList()
                        + ": more elements than an array holds");
            }
            shape[i] = (int) d;
        }
        return shape;
    }

    private static int width(DataType type) {
        return switch (type) {
            case DOUBLE, INT64, UINT64 -> 8;
            case FLOAT, INT32, UINT32 -> 4;
            case FLOAT16, BFLOAT16, INT16, UINT16 -> 2;
            default -> 1;
        };
    }

    private static float rawFloat(ByteBuffer b, DataType type, int i) {
        return switch (type) {
            case FLOAT -> b.getFloat(i * 4);
            case DOUBLE -> (float) b.getDouble(i * 8);
            case FLOAT16 -> Float.float16ToFloat(b.getShort(i * 2));
            default -> Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
        };
    }

    private static long rawLong(ByteBuffer b, DataType type, int i) {
        return switch (type) {
            case INT64, UINT64 -> b.getLong(i * 8);
            case INT32 -> b.getInt(i * 4);
            case UINT32 -> b.getInt(i * 4) & 0xffffffffL;
            case INT16 -> b.getShort(i * 2);
            case UINT16 -> b.getShort(i * 2) & 0xffff;
            case INT8 -> b.get(i);
            default -> b.get(i) & 0xff;
        };
    }

    /**
     * The bytes of an external tensor: {@code location} is a path relative to the model's folder that
     * must stay inside it (no absolute path, no {@code ..}, no link out), and {@code offset} and
     * {@code length} must lie within the file.
     */
    private static ByteBuffer external(TensorProto t, Path folder, long expected) throws IOException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = number(t, "offset", e.getValue());
                case "length" -> length = number(t, "length", e.getValue());
                default -> { }   // checksum and others: not needed to read the data
            }
        }
        if (folder == null) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' refers to external data where only inline"
                    + " data is allowed");
        }
        if (location == null || location.isEmpty()) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' is external but names no location");
        }
        Path relative = Path.of(location);
        if (relative.isAbsolute() || location.startsWith("/") || location.startsWith("\\")
                || relative.normalize().startsWith("..") || location.contains("..")) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "': external data location '" + location
                    + "' must be a path inside the model's folder");
        }
        Path file = folder.resolve(relative).normalize();
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "': external data file " + file
                    + " does not exist (it must be beside the model)");
        }
        Path real = file.toRealPath();
        if (!real.startsWith(folder.toRealPath())) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "': external data file " + file
                    + " leads outside the model's folder (to " + real + ")");
        }
        try (FileChannel ch = FileChannel.open(real, StandardOpenOption.READ)) {
            long size = ch.size();
            if (length < 0) {
                length = expected;
            }
            if (expected > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "' needs " + expected + " bytes, more than"
                        + " one array holds");
            }
            if (length != expected) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "' needs " + expected + " bytes but its"
                        + " external data says length " + length);
            }
            if (offset > size || length > size - offset) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "': external data at offset " + offset
                        + ", length " + length + " runs past the end of " + file + " (" + size + " bytes)");
            }
            ByteBuffer b = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw new IOException(file + " ended early");
                }
            }
            return b.flip();
        }
    }

    private static long number(TensorProto t, String key, String value) {
        try {
            long v = Long.parseLong(value);
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "': external data " + key + " '" + value
                    + "' is not a byte count");
        }
    }
}
