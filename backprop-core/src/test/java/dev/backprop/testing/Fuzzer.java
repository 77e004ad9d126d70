package dev.backprop.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assertions;

/**
 * The mutation fuzzer every reader of untrusted files is tested with (safetensors, model files,
 * IDX, CSV, ONNX). Each input is a valid seed file with one to four random mutations (bit flips,
 * byte overwrites, "interesting" integers such as 0, -1 and the file length written over the
 * header, insertions, deletions, duplicated ranges, truncation, splices of two seeds, JSON and CSV
 * punctuation). A reader may accept an input or reject it with one of its own exceptions, with a
 * message; anything else (another exception, an OutOfMemoryError, a StackOverflowError, an input
 * taking over a second) fails the test and writes the input to {@code target/fuzz-failures/} for
 * reproduction.
 *
 * <p>The default run tries 1,500 inputs per reader; {@code -Dfuzz.iterations=100000} the long run.
 */
public final class Fuzzer {
    /** Inputs per reader: 1,500, or the system property {@code fuzz.iterations}. */
    public static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 1_500);
    private static final long SEED = Long.getLong("fuzz.seed", 20261123L);

    private Fuzzer() {
    }

    /** A reader under test: parses the bytes or throws. */
    public interface Reader {
        void read(byte[] bytes) throws Exception;
    }

    private static final byte[][] TOKENS = ascii("[", "]", "{", "}", "\"", ",", ":", "-", "0", "1e999", "-1",
            "9999999999999999999", "null", "\\u0000", "\n", "\r\n", " ", "\"\"", "NaN", "1.5e-45");

    private static byte[][] ascii(String... parts) {
        byte[][] out = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            out[i] = parts[i].getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    /** One mutated copy of a random seed. */
    public static byte[] mutate(List<byte[]> seeds, SplittableRandom r) {
        byte[] b = seeds.get(r.nextInt(seeds.size())).clone();
        int rounds = 1 + r.nextInt(4);
        for (int m = 0; m < rounds; m++) {
            b = switch (r.nextInt(9)) {
                case 0 -> flipBit(b, r);
                case 1 -> setByte(b, r);
                case 2 -> interestingLong(b, r);
                case 3 -> insert(b, r, randomBytes(r, 1 + r.nextInt(16)));
                case 4 -> delete(b, r);
                case 5 -> duplicate(b, r);
                case 6 -> java.util.Arrays.copyOf(b, b.length == 0 ? 0 : r.nextInt(b.length));
                case 7 -> splice(b, seeds.get(r.nextInt(seeds.size())), r);
                default -> insert(b, r, TOKENS[r.nextInt(TOKENS.length)]);
            };
        }
        return b;
    }

    private static byte[] flipBit(byte[] b, SplittableRandom r) {
        if (b.length > 0) {
            b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
        }
        return b;
    }

    private static byte[] setByte(byte[] b, SplittableRandom r) {
        if (b.length > 0) {
            int[] interesting = {0, 0xff, 0x7f, 0x80, '0', '9', '"', '}'};
            b[r.nextInt(b.length)] = (byte) (r.nextBoolean() ? interesting[r.nextInt(interesting.length)] : r.nextInt(256));
        }
        return b;
    }

    /** An 8- or 4-byte integer written at a random place, often over a header length or count at the start. */
    private static byte[] interestingLong(byte[] b, SplittableRandom r) {
        long[] values = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 31,
                1L << 32, b.length, b.length - 8L, b.length + 1L, 100L << 20};
        long v = values[r.nextInt(values.length)];
        int width = r.nextBoolean() ? 8 : 4;
        if (b.length < width) {
            return b;
        }
        int at = r.nextInt(4) == 0 ? r.nextInt(b.length - width + 1) : Math.min(r.nextInt(3) * 4, b.length - width);
        ByteBuffer buf = ByteBuffer.wrap(b).order(r.nextBoolean() ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN);
        if (width == 8) {
            buf.putLong(at, v);
        } else {
            buf.putInt(at, (int) v);
        }
        return b;
    }

    /** {@code n} random bytes. */
    public static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = (byte) r.nextInt(256);
        }
        return out;
    }

    private static byte[] insert(byte[] b, SplittableRandom r, byte[] piece) {
        int at = r.nextInt(b.length + 1);
        byte[] out = new byte[b.length + piece.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(piece, 0, out, at, piece.length);
        System.arraycopy(b, at, out, at + piece.length, b.length - at);
        return out;
    }

    private static byte[] delete(byte[] b, SplittableRandom r) {
        if (b.length == 0) {
            return b;
        }
        int at = r.nextInt(b.length);
        int n = 1 + r.nextInt(Math.min(64, b.length - at));
        byte[] out = new byte[b.length - n];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + n, out, at, b.length - at - n);
        return out;
    }

    private static byte[] duplicate(byte[] b, SplittableRandom r) {
        if (b.length == 0) {
            return b;
        }
        int at = r.nextInt(b.length);
        int n = 1 + r.nextInt(Math.min(256, b.length - at));
        return insert(b, r, java.util.Arrays.copyOfRange(b, at, at + n));
    }

    private static byte[] splice(byte[] a, byte[] b, SplittableRandom r) {
        int cutA = r.nextInt(a.length + 1);
        int cutB = r.nextInt(b.length + 1);
        byte[] out = new byte[cutA + b.length - cutB];
        System.arraycopy(a, 0, out, 0, cutA);
        System.arraycopy(b, cutB, out, cutA, b.length - cutB);
        return out;
    }

    /**
     * Runs {@code reader} over mutated seeds, within a time limit for the whole run; returns how many
     * inputs were accepted. {@code rejections} are the reader's own exceptions.
     */
    @SafeVarargs
    public static int fuzz(String name, List<byte[]> seeds, Reader reader, Class<? extends Exception>... rejections) {
        int[] accepted = new int[1];
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60 + ITERATIONS / 100),
                () -> accepted[0] = run(name, seeds, reader, rejections), "the fuzz run hung");
        return accepted[0];
    }

    private static int run(String name, List<byte[]> seeds, Reader reader, Class<? extends Exception>[] rejections) {
        SplittableRandom r = new SplittableRandom(SEED ^ name.hashCode());
        int accepted = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = mutate(seeds, r);
            long start = System.nanoTime();
            try {
                reader.read(input);
                accepted++;
            } catch (Exception e) {
                if (!isOneOf(e, rejections)) {
                    failWith(name, i, input, "threw " + e, e);
                } else if (e.getMessage() == null || e.getMessage().isBlank()) {
                    failWith(name, i, input, "rejected without a message", e);
                }
            } catch (OutOfMemoryError | StackOverflowError e) {
                failWith(name, i, input, "threw " + e, e);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (millis > 1_000) {
                failWith(name, i, input, "took " + millis + " ms", null);
            }
        }
        return accepted;
    }

    private static void failWith(String reader, int iteration, byte[] input, String what, Throwable cause) {
        Path dir = Path.of("target", "fuzz-failures");
        Path file = dir.resolve(reader + "-" + iteration + ".bin");
        try {
            Files.createDirectories(dir);
            Files.write(file, input);
        } catch (IOException e) {
            file = Path.of("(could not save: " + e.getMessage() + ")");
        }
        fail(reader + " input " + iteration + " " + what + "; input saved to " + file.toAbsolutePath(), cause);
    }

    private static boolean isOneOf(Exception e, Class<? extends Exception>[] types) {
        for (Class<? extends Exception> t : types) {
            if (t.isInstance(e)) {
                return true;
            }
        }
        return false;
    }
}
