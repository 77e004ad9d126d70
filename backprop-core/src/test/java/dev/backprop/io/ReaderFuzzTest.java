package dev.backprop.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.backprop.data.CsvReader;
import dev.backprop.data.DataFormatException;
import dev.backprop.data.IdxReader;
import dev.backprop.data.Preprocessing;
import dev.backprop.nn.Architecture;
import dev.backprop.nn.ModelSpec;
import dev.backprop.tensor.Generator;
import dev.backprop.testing.IdxFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mutation fuzzer over the four readers of untrusted files: safetensors, model files, IDX and
 * CSV. Each input is a valid seed file with one to four random mutations (bit flips, byte
 * overwrites, "interesting" integers such as 0, -1 and the file length written over the header,
 * insertions, deletions, duplicated ranges, truncation, splices of two seeds, JSON and CSV
 * punctuation). A reader may accept an input or reject it with its own exception
 * ({@link CorruptFileException}, {@link DataFormatException}); anything else (another exception,
 * an OutOfMemoryError, a StackOverflowError, an input taking over a second) fails the test and
 * writes the input to {@code target/fuzz-failures/} for reproduction.
 *
 * <p>The default run tries 1,500 inputs per reader. The long run:
 * <pre>
 * ./mvnw -pl backprop-core test -Dtest=ReaderFuzzTest -Dfuzz.iterations=100000
 * </pre>
 */
class ReaderFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 1_500);
    private static final long SEED = Long.getLong("fuzz.seed", 20261123L);

    /** A reader under test: parses the bytes or throws. */
    private interface Reader {
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
    static byte[] mutate(List<byte[]> seeds, SplittableRandom r) {
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

    private static byte[] randomBytes(SplittableRandom r, int n) {
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

    /** Runs the reader over mutated seeds; returns how many inputs were accepted. */
    private static int fuzz(String name, List<byte[]> seeds, Reader reader) {
        SplittableRandom r = new SplittableRandom(SEED ^ name.hashCode());
        int accepted = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = mutate(seeds, r);
            long start = System.nanoTime();
            try {
                reader.read(input);
                accepted++;
            } catch (CorruptFileException | DataFormatException expected) {
                if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                    failWith(name, i, input, "rejected without a message", expected);
                }
            } catch (Exception | OutOfMemoryError | StackOverflowError e) {
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

    private static void runWithin(Duration limit, Runnable body) {
        Assertions.assertTimeoutPreemptively(limit, body::run, "the fuzz run hung");
    }

    private static Duration limit() {
        return Duration.ofSeconds(60 + ITERATIONS / 100);
    }

    @Test
    void safetensorsReaderRejectsMutationsCleanly() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        Path interop = IoTest.interop();
        seeds.add(Files.readAllBytes(interop.resolve("dtypes.safetensors")));
        seeds.add(Files.readAllBytes(interop.resolve("mlp_4_8_3.safetensors")));
        int[] accepted = new int[1];
        runWithin(limit(), () -> accepted[0] = fuzz("safetensors", seeds, b -> Safetensors.read(b, "fuzz")));
        assertTrue(accepted[0] < ITERATIONS, "some mutations must be rejected");
    }

    @Test
    void modelFileReaderRejectsMutationsCleanly(@TempDir Path dir) throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        for (String form : new String[] {"mlp:8", "cnn:1"}) {
            ModelSpec spec = Architecture.parse(form).bind(new int[] {1, 28, 28}, 10);
            Path file = dir.resolve(form.replace(':', '_') + ".safetensors");
            ModelFile.save(file, new ModelFile.Model(spec, spec.build(new Generator(1)),
                    new ModelFile.Info("mnist", List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                            Preprocessing.scale(255))));
            seeds.add(Files.readAllBytes(file));
        }
        int[] accepted = new int[1];
        runWithin(limit(), () -> accepted[0] = fuzz("model-file", seeds, b -> ModelFile.read(b, "fuzz")));
        assertTrue(accepted[0] < ITERATIONS, "some mutations must be rejected");
    }

    @Test
    void idxReaderRejectsMutationsCleanly() {
        SplittableRandom r = new SplittableRandom(1);
        List<byte[]> seeds = List.of(
                IdxFiles.of(0x08, new int[] {3, 4, 4}, randomBytes(r, 48)),
                IdxFiles.of(0x08, new int[] {10}, randomBytes(r, 10)),
                IdxFiles.of(0x0B, new int[] {2, 3}, randomBytes(r, 12)),
                IdxFiles.of(0x0C, new int[] {5}, randomBytes(r, 20)),
                IdxFiles.of(0x0D, new int[] {2, 2}, randomBytes(r, 16)),
                IdxFiles.of(0x0E, new int[] {3}, randomBytes(r, 24)));
        int[] accepted = new int[1];
        runWithin(limit(), () -> accepted[0] = fuzz("idx", seeds,
                b -> IdxReader.read(new ByteArrayInputStream(b), "fuzz.idx")));
        assertTrue(accepted[0] < ITERATIONS, "some mutations must be rejected");
    }

    @Test
    void csvReaderRejectsMutationsCleanly() {
        List<byte[]> seeds = List.of(
                "a,b,label\n1,2.5,0\n-3,4e-2,1\n5,6,1\n".getBytes(StandardCharsets.UTF_8),
                "sepal length,sepal width,petal length,petal width,class\n5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4,0.2,0\n"
                        .getBytes(StandardCharsets.UTF_8),
                "x,y\r\n0.5,1\r\n\r\n1.5,2\r\n".getBytes(StandardCharsets.UTF_8));
        int[] accepted = new int[1];
        runWithin(limit(), () -> accepted[0] = fuzz("csv", seeds,
                b -> {
                    CsvReader.Table t = CsvReader.read(new ByteArrayInputStream(b), "fuzz.csv", CsvReader.Format.DEFAULT);
                    assertTrue(t.rows().length >= 0);
                }));
        assertTrue(accepted[0] < ITERATIONS, "some mutations must be rejected");
    }

    @Test
    void theMutatorChangesInputsAndIsDeterministic() {
        List<byte[]> seeds = List.of("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        byte[] a = mutate(seeds, new SplittableRandom(5));
        byte[] b = mutate(seeds, new SplittableRandom(5));
        Assertions.assertArrayEquals(a, b);
        int changed = 0;
        SplittableRandom r = new SplittableRandom(6);
        for (int i = 0; i < 100; i++) {
            changed += java.util.Arrays.equals(seeds.get(0), mutate(seeds, r)) ? 0 : 1;
        }
        assertTrue(changed > 90, "almost every mutation changes the input: " + changed);
    }
}
