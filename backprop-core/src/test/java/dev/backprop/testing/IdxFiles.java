package dev.backprop.testing;

import java.nio.ByteBuffer;

/** IDX files built in memory for the reader tests. */
public final class IdxFiles {
    private IdxFiles() {
    }

    /** Magic {@code 00 00 type rank}, the sizes big-endian, then {@code data} as given. */
    public static byte[] of(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }
}
