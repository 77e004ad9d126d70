package dev.backprop.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (LeCun et al.), raw or gzipped: a magic number
 * {@code 0x00 0x00 type rank}, {@code rank} big-endian sizes, then the values row-major. Every
 * part is validated before it is trusted: the magic, the sizes, and that the data is exactly as
 * long as the sizes say.
 */
public final class IdxReader {
    /** Largest element count accepted, far above MNIST's 47 million; protects against corrupt sizes. */
    static final long MAX_ELEMENTS = 1L << 28;
    /** Largest data section read (1 GiB): a byte array must stay below 2 GiB. */
    static final long MAX_BYTES = 1L << 30;

    /**
     * The array as read: its sizes, its IDX data type ({@code 0x08} unsigned bytes, ... {@code 0x0E}
     * doubles) and its data section, big-endian; {@link #values()} decodes it to floats.
     */
    public record IdxArray(int[] dims, int type, byte[] data) {
        public int count() {
            return dims.length == 0 ? 1 : dims[0];
        }

        /** Whether the values are unsigned bytes (type {@code 0x08}, MNIST's pixels and labels): {@link #data()} holds them as they are. */
        public boolean isUnsignedBytes() {
            return type == 0x08;
        }

        /** The values as floats (a new array each call). */
        public float[] values() {
            int count = data.length / width(type);
            return decode(data, type, count);
        }

        @Override
        public String toString() {
            return "IdxArray" + Arrays.toString(dims);
        }
    }

    private IdxReader() {
    }

    public static IdxArray read(Path file) throws IOException {
        try (InputStream in = Sources.open(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads from a stream; {@code name} appears in error messages. */
    public static IdxArray read(InputStream in, String name) throws IOException {
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4 || magic[0] != 0 || magic[1] != 0) {
            throw new DataFormatException(name + ": not an IDX file (expected magic bytes 00 00 <type> <rank>, got "
                    + hex(magic) + ")");
        }
        int type = magic[2] & 0xff;
        int width = width(type);
        if (width == 0) {
            throw new DataFormatException(name + ": unknown IDX data type 0x" + Integer.toHexString(type)
                    + " (expected 08 ubyte, 09 byte, 0B short, 0C int, 0D float or 0E double)");
        }
        int rank = magic[3] & 0xff;
        if (rank == 0 || rank > 8) {
            throw new DataFormatException(name + ": IDX rank " + rank + " is out of range 1..8");
        }
        byte[] header = in.readNBytes(4 * rank);
        if (header.length < 4 * rank) {
            throw new DataFormatException(name + ": cut short inside the header (" + rank + " sizes expected)");
        }
        int[] dims = new int[rank];
        long count = 1;
        ByteBuffer hb = ByteBuffer.wrap(header);
        for (int d = 0; d < rank; d++) {
            dims[d] = hb.getInt();
            if (dims[d] < 0) {
                throw new DataFormatException(name + ": size " + d + " is negative (" + dims[d] + ")");
            }
            count *= dims[d];
            if (count > MAX_ELEMENTS) {
                throw new DataFormatException(name + ": sizes " + Arrays.toString(Arrays.copyOf(dims, d + 1))
                        + "... declare more than " + MAX_ELEMENTS + " values; the header is corrupt");
            }
        }
        long bytes = count * width;
        if (bytes > MAX_BYTES) {
            throw new DataFormatException(name + ": sizes " + Arrays.toString(dims) + " of " + width + "-byte values declare "
                    + bytes + " bytes, more than the " + MAX_BYTES + " an IDX file may hold here; the header is corrupt");
        }
        byte[] data = in.readNBytes((int) bytes);
        if (data.length < bytes) {
            throw new DataFormatException(name + ": cut short: sizes " + Arrays.toString(dims) + " need " + bytes
                    + " bytes of data after the header, found " + data.length);
        }
        if (in.read() != -1) {
            throw new DataFormatException(name + ": has bytes after the " + bytes + " bytes of data that sizes "
                    + Arrays.toString(dims) + " declare");
        }
        return new IdxArray(dims, type, data);
    }

    /** Bytes per value of IDX data type {@code type}; 0 for an unknown type. */
    private static int width(int type) {
        return switch (type) {
            case 0x08, 0x09 -> 1;
            case 0x0B -> 2;
            case 0x0C, 0x0D -> 4;
            case 0x0E -> 8;
            default -> 0;
        };
    }

    private static float[] decode(byte[] data, int type, int count) {
        float[] out = new float[count];
        ByteBuffer b = ByteBuffer.wrap(data);
        for (int i = 0; i < count; i++) {
            out[i] = switch (type) {
                case 0x08 -> data[i] & 0xff;
                case 0x09 -> data[i];
                case 0x0B -> b.getShort();
                case 0x0C -> b.getInt();
                case 0x0D -> b.getFloat();
                default -> (float) b.getDouble();
            };
        }
        return out;
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte x : bytes) {
            sb.append(String.format("%02x ", x & 0xff));
        }
        return sb.toString().trim();
    }
}
