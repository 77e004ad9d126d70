package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.io.Json;
import dev.backprop.io.Safetensors;
import dev.backprop.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code embed} and {@code similar} with the pretrained all-MiniLM-L6-v2 (from the local Maven repository). */
class EmbedCommandTest {

    @Test
    void embedPrintsSavesAndWritesJsonEmbeddings(@TempDir Path dir) throws Exception {
        CliRun printed = CliRun.of("embed", "I love sentence transformers.");
        assertEquals(0, printed.exit(), printed.err());
        assertTrue(printed.out().contains("[-0.0803, "), printed.out());
        assertTrue(printed.out().contains("384 numbers"), printed.out());

        CliRun json = CliRun.of("embed", "--json", "I love sentence transformers.", "second");
        @SuppressWarnings("unchecked")
        List<List<Number>> rows = (List<List<Number>>) ((Map<String, Object>) Json.parse(json.out())).get("embeddings");
        assertEquals(2, rows.size());
        assertEquals(-0.0803190097, rows.get(0).get(0).doubleValue(), 1e-4);
        assertEquals(-0.0561899580, rows.get(0).get(383).doubleValue(), 1e-4);

        Path lines = dir.resolve("lines.txt");
        Files.writeString(lines, "first line\n\nsecond line\n");
        Path out = dir.resolve("vectors.safetensors");
        CliRun saved = CliRun.of("embed", "--input", lines.toString(), "--out", out.toString());
        assertEquals(0, saved.exit(), saved.err());
        Tensor e = Safetensors.read(out).tensors().get("embeddings");
        assertEquals(List.of(2, 384), List.of(e.size(0), e.size(1)), "empty lines are skipped");
    }

    @Test
    void similarRanksTheLinesClosestInMeaningFirst(@TempDir Path dir) throws Exception {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "Stock markets fell on Monday.\n\nA kitten is sleeping on a rug.\nInterest rates rose"
                + " again.\nThe cat sat on the mat.\n");
        CliRun r = CliRun.of("similar", "a cat resting on a carpet", "--corpus", corpus.toString(), "--top", "2");
        assertEquals(0, r.exit(), r.err());
        List<String> top = r.out().strip().lines().toList();
        assertEquals(2, top.size(), r.out());
        assertTrue(top.stream().allMatch(l -> l.contains("corpus.txt:3") || l.contains("corpus.txt:5")),
                "the two cat lines, with their line numbers in the file: " + r.out());
    }

    @Test
    void missingTextAndHalfAnEncoderAreRefusedWithTheReason(@TempDir Path dir) {
        CliRun none = CliRun.of("embed");
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("no text to embed"), none.err());
        CliRun half = CliRun.of("embed", "--onnx", dir.resolve("m.onnx").toString(), "text");
        assertTrue(half.err().contains("--onnx and --tokenizer go together"), half.err());
        CliRun corpus = CliRun.of("similar", "q", "--corpus", dir.resolve("missing.txt").toString());
        assertTrue(corpus.exit() != 0 && corpus.err().contains("missing.txt does not exist"), corpus.err());
    }
}
