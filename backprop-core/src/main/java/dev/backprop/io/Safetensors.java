package dev.backprop.io;

import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length,
 * a JSON header mapping each name to {@code dtype}, {@code shape} and {@code data_offsets} (plus an
 * optional {@code __metadata__} map of strings), then the raw little-endian data. Every header
 * field is validated before any tensor is built, so a malformed file is rejected whole. Values of
 * every numeric dtype (including the 8-bit floats E4M3 and E5M2) are converted to float32 tensors;
 * writing produces F32, or F16 or BF16 on request.
 *
 * <pre>{@code
 * Safetensors.Contents c = Safetensors.read(Path.of("model.safetensors"));
 * Tensor w = c.tensors().get("0.weight");
 * }</pre>
 */
public final class Safetensors {
    /** Largest header accepted (the reference implementation uses the same 100 MB bound). */
    static final long MAX_HEADER = 100L << 20;

    /** Element types of the format and their sizes in bytes. */
    public enum DType {
        BOOL(1), U8(1), I8(1), F8_E4M3(1), F8_E5M2(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4),
        I64(8), U64(8), F64(8);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    /** Tensors by name in file order, and the free-form metadata strings. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {
    }

    private Safetensors() {
    }

    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CorruptFileException(file + ": " + size + " bytes is too short for a safetensors file");
            }
            if (size > Integer.MAX_VALUE) {
                throw new CorruptFileException(file + ": files above 2 GiB are not supported yet");
            }
            ByteBuffer all = ByteBuffer.allocate((int) size);
            while (all.hasRemaining() && ch.read(all) >= 0) {
                // read fully
            }
            return read(all.array(), file.toString());
        }
    }

    /** Parses a whole file held in memory; {@code name} appears in error messages. */
    public static Contents read(byte[] bytes, String name) throws CorruptFileException {
        if (bytes.length < 8) {
            throw new CorruptFileException(name + ": " + bytes.length + " bytes is too short for a safetensors file");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = buf.getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > bytes.length - 8L) {
            throw new CorruptFileException(name + " is not a safetensors file (the format of Backprop's models,"
                    + " checkpoints and weights): its first 8 bytes give a header length of " + headerLength
                    + ", where a file of " + bytes.length + " bytes allows 2.." + Math.min(MAX_HEADER, bytes.length - 8L));
        }
        String headerText = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        Object parsed;
        try {
            parsed = Json.parse(headerText.stripTrailing());
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(name + ": the header is not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!(parsed instanceof Map<?, ?> header)) {
            throw new CorruptFileException(name + ": the header must be a JSON object");
        }
        int dataStart = 8 + (int) headerLength;
        long dataLength = bytes.length - (long) dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (var e : header.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals("__metadata__")) {
                metadata.putAll(metadata(name, e.getValue()));
            } else {
                entries.add(entry(name, key, e.getValue(), dataLength));
            }
        }
        checkLayout(name, entries, dataLength);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry en : entries) {
            tensors.put(en.name(), decode(buf, dataStart, en));
        }
        return new Contents(tensors, metadata);
    }

    private static Map<String, String> metadata(String name, Object value) throws CorruptFileException {
        if (!(value instanceof Map<?, ?> m)) {
            throw new CorruptFileException(name + ": __metadata__ must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new CorruptFileException(name + ": __metadata__ value of \"" + e.getKey() + "\" is not a string");
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static Entry entry(String file, String key, Object value, long dataLength) throws CorruptFileException {
        String where = file + ": tensor \"" + key + "\"";
        if (!(value instanceof Map<?, ?> m)) {
            throw new CorruptFileException(where + ": expected an object with dtype, shape and data_offsets");
        }
        DType dtype;
        try {
            dtype = DType.valueOf(String.valueOf(m.get("dtype")));
        } catch (IllegalArgumentException e) {
            throw new CorruptFileException(where + ": unknown dtype " + m.get("dtype") + " (known: "
                    + java.util.Arrays.toString(DType.values()) + ")");
        }
        if (!(m.get("shape") instanceof List<?> shapeList)) {
            throw new CorruptFileException(where + ": shape must be a list of sizes");
        }
        int[] shape = new int[shapeList.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long s) || s < 0 || s > Integer.MAX_VALUE) {
                throw new CorruptFileException(where + ": shape entry " + shapeList.get(i) + " is not a size");
            }
            shape[i] = (int) (long) s;
            count *= s;
            if (count * dtype.bytes > dataLength) {
                throw new CorruptFileException(where + ": shape " + shapeList + " needs more bytes than the file's "
                        + dataLength + " bytes of data");
            }
        }
        if (!(m.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2
                || !(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
            throw new CorruptFileException(where + ": data_offsets must be [begin, end]");
        }
        if (begin < 0 || end < begin || end > dataLength) {
            throw new CorruptFileException(where + ": data_offsets [" + begin + ", " + end + "] lie outside the "
                    + dataLength + " bytes of data");
        }
        if (end - begin != count * dtype.bytes) {
            throw new CorruptFileException(where + ": data_offsets cover " + (end - begin) + " bytes, but " + dtype
                    + " x " + java.util.Arrays.toString(shape) + " needs " + count * dtype.bytes);
        }
        return new Entry(key, dtype, shape, begin, end);
    }

    /** The tensors must tile the data buffer exactly: sorted by offset, no gaps, no overlaps. */
    private static void checkLayout(String file, List<Entry> entries, long dataLength) throws CorruptFileException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : sorted) {
            if (e.begin() != expected) {
                throw new CorruptFileException(file + ": tensor \"" + e.name() + "\" starts at byte " + e.begin()
                        + " of the data, expected " + expected + " (tensors must be contiguous and must not overlap)");
            }
            expected = e.end();
        }
        if (expected != dataLength) {
            throw new CorruptFileException(file + ": the tensors cover " + expected + " bytes, but the file has "
                    + dataLength + " bytes of data");
        }
    }

    private static Tensor decode(ByteBuffer buf, int dataStart, Entry e) {
        int count = (int) ((e.end() - e.begin()) / e.dtype().bytes);
        float[] values = new float[count];
        int p = dataStart + (int) e.begin();
        for (int i = 0; i < count; i++, p += e.dtype().bytes) {
            values[i] = switch (e.dtype()) {
                case BOOL, U8 -> buf.get(p) & 0xff;
                case I8 -> buf.get(p);
                case F8_E4M3 -> e4m3(buf.get(p));
                case F8_E5M2 -> Float.float16ToFloat((short) (buf.get(p) << 8));   // the top byte of an F16
                case I16 -> buf.getShort(p);
                case U16 -> buf.getShort(p) & 0xffff;
                case F16 -> Float.float16ToFloat(buf.getShort(p));
                case BF16 -> Float.intBitsToFloat((buf.getShort(p) & 0xffff) << 16);
                case I32 -> buf.getInt(p);
                case U32 -> buf.getInt(p) & 0xffffffffL;
                case F32 -> buf.getFloat(p);
                case I64 -> buf.getLong(p);
                case U64 -> unsigned(buf.getLong(p));
                case F64 -> (float) buf.getDouble(p);
            };
        }
        return Tensor.fromArray(values, e.shape());
    }

    /**
     * OCP 8-bit float E4M3 ("fn": finite only): sign, 4 exponent bits with bias 7, 3 mantissa bits;
     * exponent 0 is subnormal, and S.1111.111 is NaN (there are no infinities).
     */
    static float e4m3(byte b) {
        int sign = (b & 0x80) != 0 ? -1 : 1;
        int exponent = (b >> 3) & 0xf;
        int mantissa = b & 0x7;
        if (exponent == 0xf && mantissa == 0x7) {
            return Float.NaN;
        }
        return exponent == 0 ? sign * Math.scalb(mantissa / 8f, -6) : sign * Math.scalb(1 + mantissa / 8f, exponent - 7);
    }

    private static float unsigned(long v) {
        return v >= 0 ? v : (float) ((v >>> 1) * 2.0 + (v & 1));
    }

    /** Writes {@code tensors} as F32 with {@code metadata}, atomically. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, metadata, DType.F32);
    }

    /**
     * Writes {@code tensors} as {@code dtype}, which must be F32, F16 or BF16 (the halves round to
     * nearest even, as PyTorch's {@code .half()} and {@code .bfloat16()} do), with {@code metadata},
     * atomically: a temporary file, flushed to disk, then renamed over {@code file}.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, DType dtype)
            throws IOException {
        ByteBuffer[] parts = encode(tensors, metadata, dtype);
        AtomicFiles.write(file, parts[0], parts[1]);
    }

    /** The bytes {@link #write(Path, Map, Map)} puts in a file (F32), for a file kept in memory or sent elsewhere. */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ByteBuffer[] parts = encode(tensors, metadata, DType.F32);
        byte[] out = new byte[parts[0].remaining() + parts[1].remaining()];
        int head = parts[0].remaining();
        parts[0].get(out, 0, head);
        parts[1].get(out, head, parts[1].remaining());
        return out;
    }

    /** The header (its length, the JSON, padding) and the data of a file, each ready to read. */
    private static ByteBuffer[] encode(Map<String, Tensor> tensors, Map<String, String> metadata, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("Safetensors.write: can write F32, F16 or BF16, not " + dtype);
        }
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            long bytes = (long) dtype.bytes * e.getValue().numel();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", dtype.name());
            info.put("shape", java.util.Arrays.stream(e.getValue().shape().dims()).boxed().toList());
            info.put("data_offsets", List.of(offset, offset + bytes));
            header.put(e.getKey(), info);
            offset += bytes;
        }
        if (offset > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Safetensors.write: " + offset + " bytes of tensors; files above 2 GiB are not supported yet");
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;   // align the data to 8 bytes, padding with spaces
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        ByteBuffer data = ByteBuffer.allocate((int) offset).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : tensors.values()) {
            for (float v : t.toFloatArray()) {
                switch (dtype) {
                    case F16 -> data.putShort(Float.floatToFloat16(v));
                    case BF16 -> data.putShort(bfloat16(v));
                    default -> data.putFloat(v);
                }
            }
        }
        data.flip();
        return new ByteBuffer[] {head, data};
    }

    /** Rounds to the nearest bfloat16 (ties to even); NaN stays a quiet NaN. */
    static short bfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
