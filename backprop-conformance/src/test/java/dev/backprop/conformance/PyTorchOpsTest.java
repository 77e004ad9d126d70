package dev.backprop.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.backprop.tensor.StepMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every case of {@code shared/reference/pytorch}: op outputs and gradients ({@code ops.json}),
 * optimizer trajectories ({@code optim.json}), schedules ({@code sched.json}) and the two small
 * networks ({@code mlp.json}, {@code mazur.json}) and the imported ONNX models of {@code onnx-import/}
 * (outputs and parameter gradients) equal PyTorch's.
 */
class PyTorchOpsTest {

    @TestFactory
    Stream<DynamicTest> everyReferenceCase() throws IOException {
        List<CaseResult> results = ConformanceRunner.run(ReferenceData.pytorchDirectory());
        assertEquals(63, results.stream().filter(r -> r.name().startsWith("ops.json")).count(), "ops.json holds 63 cases");
        assertEquals(13, results.stream().filter(r -> r.name().startsWith("optim.json")).count());
        assertEquals(5, results.stream().filter(r -> r.name().startsWith("sched.json")).count());
        assertEquals(3, results.stream().filter(r -> r.name().startsWith("onnx-import/")).count(),
                "encoder, mlp and rescnn");
        return results.stream().map(r -> dynamicTest(r.name(), () -> {
            switch (r.status()) {
                case PASSED -> { }
                case FAILED -> fail(r.line());
                case SKIPPED -> Assumptions.abort(r.detail());
            }
        }));
    }

    @Test
    void runsOnTheBackendTheBuildAskedFor() {
        String wanted = System.getProperty("backprop.backend");
        if (wanted != null) {
            assertEquals(wanted, dev.backprop.backend.Backends.active().name());
        }
    }

    @Test
    void everyCaseOfTheSharedReferencePasses() throws IOException {
        List<CaseResult> results = ConformanceRunner.run(ReferenceData.pytorchDirectory());
        assertEquals("89 passed, 0 failed, 0 skipped", ConformanceRunner.summary(results));
    }

    @Test
    void everyCasePassesOnBuffersRecycledFromARunBefore() throws IOException {
        // The training loop's step memory hands an op the buffers of the step before, NaN-filled here:
        // an op that relied on a new array's zeros would fail its case on the second run.
        StepMemory memory = StepMemory.poisoning();
        try (StepMemory.Scope first = memory.open()) {
            ConformanceRunner.run(ReferenceData.pytorchDirectory());
        }
        long allocatedByTheFirst = memory.allocatedBytes();
        try (StepMemory.Scope second = memory.open()) {
            List<CaseResult> results = ConformanceRunner.run(ReferenceData.pytorchDirectory());
            assertEquals("89 passed, 0 failed, 0 skipped", ConformanceRunner.summary(results),
                    results.stream().filter(r -> r.status() == CaseResult.Status.FAILED).map(CaseResult::line).toList()
                            .toString());
        }
        // (Backward also gives each gradient's buffer back for the next one, in both runs: NaN-filled here too.)
        assertTrue(memory.reusedBytes() > 0 && memory.allocatedBytes() == allocatedByTheFirst,
                "the second run took every buffer from the first: it allocated " + (memory.allocatedBytes()
                        - allocatedByTheFirst) + " bytes more, reusing " + memory.reusedBytes());
    }

    @Test
    void aWrongReferenceValueFails(@TempDir Path dir) throws IOException {
        String ops = "{\"cases\": [{\"op\": \"exp\", \"attrs\": {}, \"inputs\": [{\"shape\": [2], \"data\": [0, 1]}],"
                + " \"int_inputs\": {}, \"output\": {\"shape\": [2], \"data\": [1.0, 2.7]},"
                + " \"upstream\": {\"shape\": [2], \"data\": [1, 1]}, \"grads\": [{\"shape\": [2], \"data\": [1, 2.718281828]}]},"
                + " {\"op\": \"exp\", \"attrs\": {}, \"inputs\": [{\"shape\": [2], \"data\": [0, 1]}],"
                + " \"int_inputs\": {}, \"output\": {\"shape\": [2], \"data\": [1.0, 2.718281828]},"
                + " \"upstream\": {\"shape\": [2], \"data\": [1, 3]}, \"grads\": [{\"shape\": [2], \"data\": [1, 2.718281828]}]},"
                + " {\"op\": \"frobnicate\", \"attrs\": {}, \"inputs\": [], \"int_inputs\": {},"
                + " \"output\": {\"shape\": [], \"data\": [0]}, \"grads\": []},"
                + " {\"op\": \"conv2d\", \"attrs\": {}, \"inputs\": [], \"int_inputs\": {},"
                + " \"output\": {\"shape\": [], \"data\": [0]}, \"grads\": []}]}";
        Files.writeString(dir.resolve("ops.json"), ops);
        List<CaseResult> results = ConformanceRunner.run(dir);
        assertEquals(CaseResult.Status.FAILED, results.get(0).status());
        assertTrue(results.get(0).detail().contains("output[1]"), results.get(0).detail());
        assertEquals(CaseResult.Status.FAILED, results.get(1).status(), "gradient with upstream 3 is 3e, not e");
        assertTrue(results.get(1).detail().contains("grad of input 0[1]"), results.get(1).detail());
        assertEquals(CaseResult.Status.FAILED, results.get(2).status());
        assertEquals(CaseResult.Status.FAILED, results.get(3).status(), "conv2d without inputs cannot pass");
        assertEquals("0 passed, 4 failed, 0 skipped", ConformanceRunner.summary(results));
    }

    @Test
    void aDirectoryWithoutOpsJsonIsAnError(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> ConformanceRunner.run(dir));
        assertTrue(e.getMessage().contains("has no ops.json"), e.getMessage());
    }

    @Test
    void malformedJsonIsAnError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("ops.json"), "{\"cases\": [ {\"op\": ");
        assertThrows(MalformedReferenceException.class, () -> ConformanceRunner.run(dir));
    }
}
