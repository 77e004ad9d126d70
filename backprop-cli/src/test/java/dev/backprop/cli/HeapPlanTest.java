package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class HeapPlanTest {

    private static OptionalLong plan(String... args) {
        return HeapPlan.megabytes(List.of(args));
    }

    @Test
    void theMnistMlpGetsTheSmallestLimitAndBiggerJobsMore() {
        // 55 MB of pixels as bytes, 0.3 M parameters, batches of 32, a 48 MB base: about 111 MB, 2.5 x that.
        assertEquals(OptionalLong.of(288), plan("train", "--dataset", "mnist", "--model", "mlp:256,256", "--epochs", "2"));
        assertEquals(OptionalLong.of(HeapPlan.MIN_MB), plan("train"));
        // The VGG-style net at width 32 saves about 0.4 M floats per image: batches of 128 need about 400 MB.
        long cnn = plan("train", "--dataset=mnist", "--model=cnn:32", "--batch=128").orElseThrow();
        assertTrue(cnn >= 1024 && cnn <= 2048 && cnn % 32 == 0, "cnn:32 b128: " + cnn);
        long wider = plan("train", "--dataset", "mnist", "--model", "cnn:32", "--batch", "512").orElseThrow();
        assertTrue(wider > 2 * cnn, wider + " vs " + cnn);
        long lenet = plan("train", "--dataset", "fashion-mnist", "--model", "lenet", "--batch", "128").orElseThrow();
        assertEquals(384, lenet);
    }

    @Test
    void jobsItCannotSizeKeepTheJvmDefault() {
        assertTrue(plan("train", "--dataset", "tinyshakespeare", "--model", "gpt").isEmpty());
        assertTrue(plan("train", "--dataset", "spam-assassin", "--model", "minilm").isEmpty());
        assertTrue(plan("train", "--dataset", "mnist", "--spark", "local[2]").isEmpty());
        assertTrue(plan("train", "--dataset", "my-data.csv").isEmpty());
        assertTrue(plan("train", "--batch", "many").isEmpty());
        assertTrue(plan("generate", "model.safetensors").isEmpty());
        assertTrue(plan().isEmpty());
    }

    @Test
    void plannedJobsGetTheirLimitAndTheParallelCollectorAsSeparateFlags() {
        assertEquals(List.of("-Xmx288m", "-XX:+UseParallelGC"),
                HeapPlan.flags(List.of("train", "--dataset", "mnist", "--model", "mlp:256,256", "--epochs", "2")));
        assertEquals(List.of("-XX:InitialRAMPercentage=25"),
                HeapPlan.flags(List.of("train", "--dataset", "spam-assassin", "--model", "minilm")));
        assertEquals(List.of(), HeapPlan.flags(List.of("train", "--dataset", "tinyshakespeare", "--model", "gpt")));
        assertEquals(List.of(), HeapPlan.flags(List.of("serve", "model.safetensors")));
    }

    @Test
    void aHeapLimitTheUserSetsReplacesThePlanAndTheirCollectorThePlannedOne() {
        List<String> mlp = List.of("train", "--dataset", "mnist", "--model", "mlp:256,256");
        assertEquals(List.of(), HeapPlan.flags(List.of("-Xmx2g"), mlp));
        assertEquals(List.of(), HeapPlan.flags(List.of("-Dx=1", "-XX:MaxRAM=8g"), mlp));
        assertEquals(List.of(), HeapPlan.flags(List.of("-Xmx1g"), List.of("train", "--model", "minilm")));
        assertEquals(List.of("-Xmx288m"), HeapPlan.flags(List.of("-XX:+UseG1GC"), mlp));
        assertEquals(List.of("-Xmx288m"), HeapPlan.flags(List.of("-XX:+UseZGC", "-XX:+ZGenerational"), mlp));
        assertEquals(List.of("-Xmx288m", "-XX:+UseParallelGC"), HeapPlan.flags(List.of("-XX:+UseNUMA", "-Xss2m"), mlp));
    }

    @Test
    void fineTuningTheTextEncoderStartsWithTheWholeHeap() {
        assertTrue(HeapPlan.encoderJob(List.of("train", "--dataset", "spam-assassin", "--model", "minilm")));
        assertTrue(HeapPlan.encoderJob(List.of("train", "--dataset=spam-assassin", "--model=minilm:freeze=4")));
        assertFalse(HeapPlan.encoderJob(List.of("embed", "I love sentence transformers.")));
        assertFalse(HeapPlan.encoderJob(List.of("train", "--dataset", "spam-assassin", "--model", "bow:5000,64")));
        assertFalse(HeapPlan.encoderJob(List.of("train", "--dataset", "mnist")));
        assertFalse(HeapPlan.encoderJob(List.of("train", "--model", "minilm", "--spark", "local[2]")));
        assertFalse(HeapPlan.encoderJob(List.of("serve", "minilm")));
        assertFalse(HeapPlan.encoderJob(List.of()));
    }
}
