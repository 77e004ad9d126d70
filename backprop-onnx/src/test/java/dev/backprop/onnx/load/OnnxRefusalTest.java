package dev.backprop.onnx.load;

import static dev.backprop.onnx.load.TestGraph.attr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.backprop.data.SharedFolder;
import dev.backprop.onnx.proto.OnnxProto.ModelProto;
import dev.backprop.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.backprop.onnx.proto.OnnxProto.TensorProto;
import dev.backprop.tensor.Tensor;
import dev.backprop.testing.Fuzzer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the importer refuses, and how: unsupported ops, attributes and opsets, corrupt and hostile
 * files (absurd sizes, cycles, dangling references, external data outside the model's folder), and
 * inputs of the wrong name, rank or type at run time. Every refusal is an
 * {@link OnnxImportException} (or, when running, an {@link IllegalArgumentException}) whose message
 * names what was wrong and where.
 */
class OnnxRefusalTest {

    private static OnnxImportException refused(byte[] model) {
        return assertThrows(OnnxImportException.class, () -> OnnxImport.load(model, "m.onnx"));
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
    }

    private static TestGraph dense() {
        return new TestGraph(13).input("x", -1, 3).weight("w", Tensor.ones(2, 3)).weight("b", Tensor.zeros(2))
                .node("Gemm", List.of("x", "w", "b"), List.of("y"), attr("transB", 1L)).output("y");
    }

    @Test
    void anUnsupportedOpIsRefusedNamingTheNodeOpAndOpset() {
        byte[] m = new TestGraph(13).input("x", 2).node("NonMaxSuppression", List.of("x"), List.of("y")).output("y").bytes();
        assertMentions(refused(m), "m.onnx", "node 'NonMaxSuppression_0'", "NonMaxSuppression", "opset 13", "not supported");
    }

    @Test
    void anUnsupportedAttributeOrValueIsRefused() {
        byte[] extra = new TestGraph(13).input("x", 2).node("Relu", List.of("x"), List.of("y"), attr("alpha", 1f))
                .output("y").bytes();
        assertMentions(refused(extra), "Relu", "attribute 'alpha' is not supported");
        byte[] samePad = new TestGraph(13).input("x", 1, 1, 4, 4).weight("w", Tensor.ones(1, 1, 3, 3))
                .node("Conv", List.of("x", "w"), List.of("y"), attr("auto_pad", "SAME_UPPER")).output("y").bytes();
        assertMentions(refused(samePad), "Conv", "opset 13", "auto_pad=SAME_UPPER");
        byte[] training = new TestGraph(15).input("x", 1, 2).weight("s", Tensor.ones(2)).weight("b", Tensor.ones(2))
                .weight("m", Tensor.ones(2)).weight("v", Tensor.ones(2))
                .node("BatchNormalization", List.of("x", "s", "b", "m", "v"), List.of("y"), attr("training_mode", 1L))
                .output("y").bytes();
        assertMentions(refused(training), "BatchNormalization", "training_mode=1");
    }

    @Test
    void opsetsOutsideElevenToTwentyAndForeignDomainsAreRefused() {
        assertMentions(refused(new TestGraph(9).input("x", 2).node("Relu", List.of("x"), List.of("y")).output("y").bytes()),
                "opset 9 is not supported", "11 to 20");
        ModelProto custom = new TestGraph(13).input("x", 2).node("Relu", List.of("x"), List.of("y")).output("y").model();
        ModelProto foreign = custom.toBuilder().setGraph(custom.getGraph().toBuilder()
                .setNode(0, custom.getGraph().getNode(0).toBuilder().setDomain("com.microsoft"))).build();
        assertMentions(refused(foreign.toByteArray()), "domain 'com.microsoft'");
    }

    @Test
    void truncatedAndGarbageFilesAreRefused() {
        byte[] good = dense().bytes();
        assertMentions(refused(Arrays.copyOf(good, good.length - 7)), "m.onnx", "not a valid ONNX file");
        assertMentions(refused("PK\u0003\u0004 not a protobuf at all".getBytes()), "m.onnx");
        assertMentions(refused(new byte[0]), "no graph");
    }

    @Test
    void cyclicAndDanglingGraphsAreRefused() {
        byte[] cycle = new TestGraph(13).input("x", 2).node("Add", List.of("x", "b"), List.of("a"))
                .node("Relu", List.of("a"), List.of("b")).output("b").bytes();
        assertMentions(refused(cycle), "cycle");
        byte[] dangling = new TestGraph(13).input("x", 2).node("Add", List.of("x", "nowhere"), List.of("y")).output("y")
                .bytes();
        assertMentions(refused(dangling), "reads 'nowhere'", "no node, graph input or initializer");
        byte[] twice = new TestGraph(13).input("x", 2).node("Relu", List.of("x"), List.of("y"))
                .node("Neg", List.of("x"), List.of("y")).output("y").bytes();
        assertMentions(refused(twice), "'y' is defined more than once");
        byte[] noOutput = new TestGraph(13).input("x", 2).node("Relu", List.of("x"), List.of("y")).output("z").bytes();
        assertMentions(refused(noOutput), "graph output 'z' is computed by no node");
    }

    @Test
    void absurdDeclaredSizesAreRefusedBeforeAnythingIsAllocated() {
        TensorProto huge = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(1L << 20).addDims(1L << 20).setRawData(ByteString.copyFrom(new byte[16])).build();
        byte[] m = new TestGraph(13).input("x", 2).initializer(huge).node("Add", List.of("x", "w"), List.of("y"))
                .output("y").bytes();
        assertMentions(refused(m), "tensor 'w'", "more elements than an array holds");
        TensorProto lying = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(1000).addDims(1000).setRawData(ByteString.copyFrom(new byte[16])).build();
        byte[] m2 = new TestGraph(13).input("x", 2).initializer(lying).node("Add", List.of("x", "w"), List.of("y"))
                .output("y").bytes();
        assertMentions(refused(m2), "tensor 'w' declares shape [1000, 1000]", "holds 16 bytes");
        TensorProto negative = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(-4).build();
        assertMentions(refused(new TestGraph(13).input("x", 2).initializer(negative)
                .node("Add", List.of("x", "w"), List.of("y")).output("y").bytes()), "tensor 'w' has dimension -4");
    }

    private static TensorProto external(String location, long offset, long length) {
        return TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(2)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(length)))
                .build();
    }

    private static Path modelWith(Path dir, TensorProto w) throws Exception {
        Path file = dir.resolve("model.onnx");
        Files.write(file, new TestGraph(13).input("x", 2).initializer(w).node("Add", List.of("x", "w"), List.of("y"))
                .output("y").bytes());
        return file;
    }

    @Test
    void externalDataIsReadFromBesideTheModelAndNowhereElse(@TempDir Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("model"));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putFloat(99f).putFloat(1.5f).putFloat(-2f);
        Files.write(dir.resolve("weights.bin"), b.array());
        OnnxModel ok = OnnxImport.load(modelWith(dir, external("weights.bin", 4, 8)));
        assertEquals(List.of(2.5f, -1f), toList(ok.run(Map.of("x", Tensor.ones(2))).get("y")));
        assertEquals(List.of(1.5f, -2f), toList(ok.namedParameters().get("w")));

        Files.writeString(root.resolve("secret.bin"), "outside the model's folder");
        for (String location : List.of("../secret.bin", "../../etc/passwd", "/etc/passwd", "sub/../../secret.bin")) {
            OnnxImportException e = assertThrows(OnnxImportException.class,
                    () -> OnnxImport.load(modelWith(dir, external(location, 0, 8))), location);
            assertMentions(e, "must be a path inside the model's folder");
        }
        Files.createSymbolicLink(dir.resolve("link.bin"), root.resolve("secret.bin"));
        assertMentions(assertThrows(OnnxImportException.class,
                () -> OnnxImport.load(modelWith(dir, external("link.bin", 0, 8)))), "leads outside the model's folder");
        assertMentions(assertThrows(OnnxImportException.class,
                () -> OnnxImport.load(modelWith(dir, external("missing.bin", 0, 8)))), "does not exist");
        assertMentions(assertThrows(OnnxImportException.class,
                () -> OnnxImport.load(modelWith(dir, external("weights.bin", 8, 8)))), "runs past the end");
        assertMentions(assertThrows(OnnxImportException.class,
                () -> OnnxImport.load(modelWith(dir, external("weights.bin", 0, 12)))), "needs 8 bytes");
        byte[] inMemory = new TestGraph(13).input("x", 2).initializer(external("weights.bin", 0, 8))
                .node("Add", List.of("x", "w"), List.of("y")).output("y").bytes();
        assertMentions(refused(inMemory), "external data where only inline data is allowed");
    }

    private static List<Float> toList(Tensor t) {
        float[] f = t.toFloatArray();
        Float[] boxed = new Float[f.length];
        for (int i = 0; i < f.length; i++) {
            boxed[i] = f[i];
        }
        return List.of(boxed);
    }

    @Test
    void inputsOfTheWrongNameRankSizeOrTypeAreRefusedAtRunTime() throws Exception {
        OnnxModel m = OnnxImport.load(dense().bytes(), "m.onnx");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> m.run(Map.of("input", Tensor.ones(1, 3)))),
                "'input' is not an input", "x FLOAT [d0, 3]");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> m.run(Map.of("x", Tensor.ones(3)))),
                "input 'x' has shape [3]", "expects x FLOAT [d0, 3]");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> m.run(Map.of("x", Tensor.ones(2, 4)))),
                "input 'x' has shape [2, 4]");
        assertEquals(List.of(5, 2), List.of(m.run(Map.of("x", Tensor.ones(5, 3))).get("y").shape().dims()[0], 2),
                "the batch dimension is symbolic");
        OnnxModel ids = OnnxImport.load(new TestGraph(13).input("ids", TensorProto.DataType.INT64, -1)
                .weight("table", Tensor.arange(6).reshape(3, 2)).node("Gather", List.of("table", "ids"), List.of("y"))
                .output("y").bytes(), "ids.onnx");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> ids.forward(Tensor.of(0.5f))),
                "input 'ids' is INT64", "not a whole number");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> ids.forward(Tensor.of(3f))),
                "Gather", "index 3 is out of range for axis 0 of size 3");
        assertEquals(List.of(4f, 5f, 0f, 1f), toList(ids.forward(Tensor.of(2f, 0f))));
    }

    @Test
    void theReaderTakesMutatedFilesOrRefusesThemCleanly() throws Exception {
        Path folder = SharedFolder.find("reference/pytorch/onnx-import");
        List<byte[]> seeds = List.of(Files.readAllBytes(folder.resolve("mlp.onnx")),
                Files.readAllBytes(folder.resolve("rescnn.onnx")), dense().bytes(),
                new TestGraph(11).input("x", -1, 4).ints("axes", 0).node("Unsqueeze", List.of("x"), List.of("u"),
                        TestGraph.attrs("axes", 0)).node("ReduceSum", List.of("u"), List.of("y")).output("y").bytes());
        int accepted = Fuzzer.fuzz("onnx", seeds, b -> OnnxImport.load(b, "fuzz.onnx"), OnnxImportException.class);
        assertTrue(accepted < Fuzzer.ITERATIONS, "some mutations must be refused");
    }
}
