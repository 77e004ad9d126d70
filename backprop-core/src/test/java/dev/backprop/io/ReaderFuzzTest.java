package dev.backprop.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.CsvReader;
import dev.backprop.data.DataFormatException;
import dev.backprop.data.IdxReader;
import dev.backprop.data.Preprocessing;
import dev.backprop.nn.Architecture;
import dev.backprop.nn.ModelSpec;
import dev.backprop.tensor.Generator;
import dev.backprop.testing.Fuzzer;
import dev.backprop.testing.IdxFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four readers of untrusted files in the core (safetensors, model files, IDX and CSV) under the
 * shared {@link Fuzzer}: each accepts a mutated input or rejects it with its own exception
 * ({@link CorruptFileException}, {@link DataFormatException}) and a message.
 *
 * <p>The long run:
 * <pre>
 * ./mvnw -pl backprop-core test -Dtest=ReaderFuzzTest -Dfuzz.iterations=100000
 * </pre>
 */
class ReaderFuzzTest {
    private static final int ITERATIONS = Fuzzer.ITERATIONS;

    @Test
    void safetensorsReaderRejectsMutationsCleanly() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        Path interop = IoTest.interop();
        seeds.add(Files.readAllBytes(interop.resolve("dtypes.safetensors")));
        seeds.add(Files.readAllBytes(interop.resolve("mlp_4_8_3.safetensors")));
        int accepted = Fuzzer.fuzz("safetensors", seeds, b -> Safetensors.read(b, "fuzz"), CorruptFileException.class);
        assertTrue(accepted < ITERATIONS, "some mutations must be rejected");
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
        int accepted = Fuzzer.fuzz("model-file", seeds, b -> ModelFile.read(b, "fuzz"), CorruptFileException.class);
        assertTrue(accepted < ITERATIONS, "some mutations must be rejected");
    }

    @Test
    void idxReaderRejectsMutationsCleanly() {
        SplittableRandom r = new SplittableRandom(1);
        List<byte[]> seeds = List.of(
                IdxFiles.of(0x08, new int[] {3, 4, 4}, Fuzzer.randomBytes(r, 48)),
                IdxFiles.of(0x08, new int[] {10}, Fuzzer.randomBytes(r, 10)),
                IdxFiles.of(0x0B, new int[] {2, 3}, Fuzzer.randomBytes(r, 12)),
                IdxFiles.of(0x0C, new int[] {5}, Fuzzer.randomBytes(r, 20)),
                IdxFiles.of(0x0D, new int[] {2, 2}, Fuzzer.randomBytes(r, 16)),
                IdxFiles.of(0x0E, new int[] {3}, Fuzzer.randomBytes(r, 24)));
        int accepted = Fuzzer.fuzz("idx", seeds,
                b -> IdxReader.read(new ByteArrayInputStream(b), "fuzz.idx"), DataFormatException.class);
        assertTrue(accepted < ITERATIONS, "some mutations must be rejected");
    }

    @Test
    void csvReaderRejectsMutationsCleanly() {
        List<byte[]> seeds = List.of(
                "a,b,label\n1,2.5,0\n-3,4e-2,1\n5,6,1\n".getBytes(StandardCharsets.UTF_8),
                "sepal length,sepal width,petal length,petal width,class\n5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4,0.2,0\n"
                        .getBytes(StandardCharsets.UTF_8),
                "x,y\r\n0.5,1\r\n\r\n1.5,2\r\n".getBytes(StandardCharsets.UTF_8));
        int accepted = Fuzzer.fuzz("csv", seeds,
                b -> {
                    CsvReader.Table t = CsvReader.read(new ByteArrayInputStream(b), "fuzz.csv", CsvReader.Format.DEFAULT);
                    assertTrue(t.rows().length >= 0);
                }, DataFormatException.class);
        assertTrue(accepted < ITERATIONS, "some mutations must be rejected");
    }

    @Test
    void theMutatorChangesInputsAndIsDeterministic() {
        List<byte[]> seeds = List.of("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        byte[] a = Fuzzer.mutate(seeds, new SplittableRandom(5));
        byte[] b = Fuzzer.mutate(seeds, new SplittableRandom(5));
        Assertions.assertArrayEquals(a, b);
        int changed = 0;
        SplittableRandom r = new SplittableRandom(6);
        for (int i = 0; i < 100; i++) {
            changed += java.util.Arrays.equals(seeds.get(0), Fuzzer.mutate(seeds, r)) ? 0 : 1;
        }
        assertTrue(changed > 90, "almost every mutation changes the input: " + changed);
    }
}
