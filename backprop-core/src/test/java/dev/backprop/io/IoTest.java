package dev.backprop.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Preprocessing;
import dev.backprop.data.SharedFolder;
import dev.backprop.nn.Activation;
import dev.backprop.nn.ActivationKind;
import dev.backprop.nn.Architecture;
import dev.backprop.nn.Linear;
import dev.backprop.nn.ModelSpec;
import dev.backprop.nn.Module;
import dev.backprop.nn.Sequential;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Shape;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoTest {

    static Path interop() {
        return SharedFolder.find("reference/pytorch/interop");
    }

    private static Map<?, ?> expected() throws IOException {
        return (Map<?, ?>) Json.parse(Files.readString(interop().resolve("expected.json")));
    }

    private static float[] floats(Object list) {
        List<?> l = (List<?>) list;
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = ((Number) l.get(i)).floatValue();
        }
        return f;
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    @Test
    void filesInMemoryAreTheBytesOfFilesOnDisk(@TempDir Path dir) throws IOException {
        ModelSpec spec = Architecture.parse("mlp:4").bind(new int[] {3}, 2);
        ModelFile.Model model = new ModelFile.Model(spec, spec.build(new Generator(5)),
                new ModelFile.Info("toy", List.of("a", "b"), Preprocessing.NONE));
        Path file = dir.resolve("model.safetensors");
        ModelFile.save(file, model);
        byte[] bytes = ModelFile.toBytes(model);
        assertArrayEquals(Files.readAllBytes(file), bytes);
        ModelFile.Model back = ModelFile.read(bytes, "in memory");
        assertArrayEquals(model.module().stateDict().get("0.weight").toFloatArray(),
                back.module().stateDict().get("0.weight").toFloatArray());
    }

    @Test
    void jsonIsStrict() {
        assertEquals(Map.of("a", List.of(1L, 2.5, "x", true)), Json.parse(" {\"a\": [1, 2.5, \"x\", true]} "));
        assertEquals("é\n\"", Json.parse("\"\\u00e9\\n\\\"\""));
        for (String bad : new String[] {"{\"a\":1,\"a\":2}", "[1,]", "{\"a\" 1}", "01", "[1] x", "\"abc", "nul",
                "[".repeat(100) + "]".repeat(100), "{\"a\":-}", "1.e3"}) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "q\"\\\t");
        m.put("l", List.of(1, 2.5));
        assertEquals("{s=q\"\\\t, l=[1, 2.5]}", Json.parse(Json.write(m)).toString(), "written and read back");
    }

    @Test
    void readsEveryDtypeOfThePyTorchFile() throws IOException {
        Safetensors.Contents c = Safetensors.read(interop().resolve("dtypes.safetensors"));
        Map<?, ?> dtypes = (Map<?, ?>) expected().get("dtypes");
        assertEquals(dtypes.keySet(), c.tensors().keySet());
        for (var e : dtypes.entrySet()) {
            Map<?, ?> want = (Map<?, ?>) e.getValue();
            Tensor t = c.tensors().get((String) e.getKey());
            assertEquals(Shape.of(ints(want.get("shape"))), t.shape(), (String) e.getKey());
            assertArrayEquals(floats(want.get("values")), t.toFloatArray(), (String) e.getKey());
        }
    }

    @Test
    void loadsPyTorchsMlpIntoAnEquivalentSequential() throws IOException {
        Safetensors.Contents c = Safetensors.read(interop().resolve("mlp_4_8_3.safetensors"));
        Generator g = new Generator(0);
        Sequential net = new Sequential(new Linear(4, 8, g), Activation.relu(), new Linear(8, 3, g));
        net.loadStateDict(c.tensors());
        Map<?, ?> mlp = (Map<?, ?>) expected().get("mlp_4_8_3");
        Map<?, ?> x = (Map<?, ?>) mlp.get("x");
        Map<?, ?> y = (Map<?, ?>) mlp.get("y");
        Tensor out = net.forward(Tensor.fromArray(floats(x.get("data")), ints(x.get("shape"))));
        assertArrayEquals(floats(y.get("data")), out.toFloatArray(), 1e-6f);
    }

    @Test
    void modelFileRoundTripReproducesPredictionsExactly(@TempDir Path dir) throws IOException {
        ModelSpec spec = Architecture.parse("mlp:16,8").withActivation(ActivationKind.TANH).bind(new int[] {6}, 3);
        Module model = spec.build(new Generator(4));
        Path file = dir.resolve("m.safetensors");
        ModelFile.Info info = new ModelFile.Info("toy", List.of("a", "b", "c"), Preprocessing.scale(2));
        ModelFile.save(file, new ModelFile.Model(spec, model, info));
        ModelFile.Model loaded = ModelFile.load(file);
        Tensor x = Tensor.randn(new Generator(5), 7, 6);
        assertArrayEquals(model.forward(x).toFloatArray(), loaded.module().forward(x).toFloatArray());
        assertEquals(spec, loaded.spec());
        assertEquals(info, loaded.info());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void imageModelsRoundTripWithTheirBuffers(@TempDir Path dir) throws IOException {
        for (String form : new String[] {"lenet", "cnn:4"}) {
            ModelSpec spec = Architecture.parse(form).bind(new int[] {1, 28, 28}, 10);
            Module model = spec.build(new Generator(8));
            Tensor x = Tensor.rand(new Generator(9), 3, 1, 28, 28);
            model.forward(x);                 // training mode: batch norm statistics move
            model.eval();
            Path file = dir.resolve(form.replace(':', '_') + ".safetensors");
            ModelFile.save(file, new ModelFile.Model(spec, model, new ModelFile.Info("mnist", List.of(), Preprocessing.scale(255))));
            ModelFile.Model loaded = ModelFile.load(file);
            loaded.module().eval();
            assertEquals(spec, loaded.spec());
            assertArrayEquals(model.forward(x).toFloatArray(), loaded.module().forward(x).toFloatArray(), form);
        }
    }

    @Test
    void cutShortOrForeignFilesAreRejected(@TempDir Path dir) throws IOException {
        ModelSpec spec = Architecture.parse("mlp:4").bind(new int[] {2}, 2);
        Path file = dir.resolve("m.safetensors");
        ModelFile.save(file, new ModelFile.Model(spec, spec.build(new Generator(0)),
                new ModelFile.Info("toy", List.of("a", "b"), Preprocessing.NONE)));
        byte[] bytes = Files.readAllBytes(file);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 3));
        String cutMessage = assertThrows(CorruptFileException.class, () -> ModelFile.load(cut)).getMessage();
        assertTrue(cutMessage.startsWith(cut.toString()) && cutMessage.contains("outside"), cutMessage);
        assertTrue(assertThrows(CorruptFileException.class, () -> ModelFile.load(interop().resolve("mlp_4_8_3.safetensors")))
                .getMessage().contains("not a Backprop model file"));
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello, this is not a model");
        assertTrue(assertThrows(CorruptFileException.class, () -> ModelFile.load(text)).getMessage().contains("is not a safetensors file"));
    }

    @Test
    void specsCountTheirParametersWithoutBuildingAndAnInflatedArchitectureIsRejected(@TempDir Path dir) throws IOException {
        for (String form : new String[] {"mlp", "mlp:16,8", "lenet", "cnn:4", "cnn:7"}) {
            ModelSpec spec = Architecture.parse(form).bind(new int[] {1, 28, 28}, 10);
            assertEquals(spec.build(new Generator(0)).parameterCount(), spec.parameterCount(), form);
        }
        // A file whose architecture claims far more parameters than it stores is refused before anything is built.
        ModelSpec small = Architecture.parse("mlp:4").bind(new int[] {2}, 2);
        Path file = dir.resolve("m.safetensors");
        ModelFile.save(file, new ModelFile.Model(small, small.build(new Generator(0)),
                new ModelFile.Info("toy", List.of("a", "b"), Preprocessing.NONE)));
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        String inflated = text.replace("\\\"hidden\\\":[4]", "\\\"hidden\\\":[2000000000]");
        assertTrue(!inflated.equals(text), "the architecture is stored as expected");
        byte[] bytes = inflated.getBytes(StandardCharsets.ISO_8859_1);
        // The header grew by 9 bytes; fix its length field and keep the data where the offsets say.
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1))
                .order(ByteOrder.LITTLE_ENDIAN).getLong(0) + 9);
        String message = assertThrows(CorruptFileException.class, () -> ModelFile.read(bytes, "inflated")).getMessage();
        assertTrue(message.contains("parameters, but the file stores only"), message);
    }

    @Test
    void halfPrecisionIsWrittenOnRequestAndRoundsAsPyTorchDoes(@TempDir Path dir) throws IOException {
        // PyTorch's f16 and bf16 values of 0, 1/9, 2/9, 3/9, 4/9 (interop/expected.json).
        Tensor x = Tensor.fromArray(new float[] {0f, 1f / 9, 2f / 9, 3f / 9, 4f / 9}, 5);
        Map<String, Tensor> tensors = Map.of("x", x);
        Path half = dir.resolve("half.safetensors");
        Safetensors.write(half, tensors, Map.of(), Safetensors.DType.F16);
        assertArrayEquals(new float[] {0f, 0.111083984375f, 0.22216796875f, 0.333251953125f, 0.4443359375f},
                Safetensors.read(half).tensors().get("x").toFloatArray());
        Path brain = dir.resolve("bf16.safetensors");
        Safetensors.write(brain, tensors, Map.of(), Safetensors.DType.BF16);
        assertArrayEquals(new float[] {0f, 0.111328125f, 0.22265625f, 0.333984375f, 0.4453125f},
                Safetensors.read(brain).tensors().get("x").toFloatArray());
        assertEquals(8 + 2 * 5, Files.size(half) - headerBytes(half), "two bytes per value");
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(dir.resolve("i.safetensors"), tensors, Map.of(),
                Safetensors.DType.I32));
    }

    private static long headerBytes(Path file) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    @Test
    void eightBitFloatsDecode() throws IOException {
        byte[] e4m3 = {0x38, (byte) 0xb8, 0x7e, 0x01, (byte) 0xff, 0x00};
        byte[] e5m2 = {0x3c, (byte) 0xc0, 0x7c, 0x01};
        String header = "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[6],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"F8_E5M2\",\"shape\":[4],\"data_offsets\":[6,10]}}";
        byte[] file = safetensors(header, 10);
        System.arraycopy(e4m3, 0, file, file.length - 10, 6);
        System.arraycopy(e5m2, 0, file, file.length - 4, 4);
        Safetensors.Contents c = Safetensors.read(file, "f8");
        assertArrayEquals(new float[] {1f, -1f, 448f, 0x1p-9f, Float.NaN, 0f}, c.tensors().get("a").toFloatArray());
        assertArrayEquals(new float[] {1f, -2f, Float.POSITIVE_INFINITY, 0x1p-16f}, c.tensors().get("b").toFloatArray());
    }

    private static byte[] safetensors(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).array();
    }

    @Test
    void malformedHeadersGetSpecificMessages() {
        String[][] cases = {
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "overlap"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "needs more bytes"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", "needs 4"},
            {"{\"a\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", "unknown dtype"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,80]}}", "outside"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "duplicate key"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "not a size"},
            {"[1,2]", "must be a JSON object"},
            {"{\"__metadata__\":{\"k\":1}}", "not a string"},
        };
        for (String[] c : cases) {
            CorruptFileException e = assertThrows(CorruptFileException.class,
                    () -> Safetensors.read(safetensors(c[0], 8), "x.safetensors"), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[1] + " expected in: " + e.getMessage());
        }
        byte[] hugeHeader = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array();
        assertTrue(assertThrows(CorruptFileException.class, () -> Safetensors.read(hugeHeader, "h"))
                .getMessage().contains("header length"));
    }
}
