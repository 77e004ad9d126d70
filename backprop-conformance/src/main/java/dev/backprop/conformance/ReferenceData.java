package dev.backprop.conformance;

import dev.backprop.data.SharedFolder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the PyTorch reference directory that ships beside a checkout ({@code ../shared/reference/pytorch}
 * relative to the repository), or the one named by the {@code BACKPROP_REFERENCE} environment
 * variable or the {@code backprop.reference} system property.
 */
public final class ReferenceData {
    private ReferenceData() {
    }

    /** The datasets folder of {@code shared/} beside the checkout (for tests and benchmarks). */
    public static Path datasetsDirectory() {
        return SharedFolder.find("datasets");
    }

    /** The reference directory, or an exception listing where it looked. */
    public static Path pytorchDirectory() {
        String configured = System.getProperty("backprop.reference", System.getenv("BACKPROP_REFERENCE"));
        if (configured != null) {
            Path p = Path.of(configured);
            if (Files.isRegularFile(p.resolve("ops.json"))) {
                return p;
            }
            throw new IllegalStateException("reference data: " + p + " (from backprop.reference or"
                    + " BACKPROP_REFERENCE) has no ops.json");
        }
        Path found = SharedFolder.find("reference/pytorch");
        if (!Files.isRegularFile(found.resolve("ops.json"))) {
            throw new IllegalStateException("reference data: " + found + " has no ops.json; set BACKPROP_REFERENCE to a"
                    + " folder that has");
        }
        return found;
    }
}
