package dev.backprop.conformance;

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
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : new Path[] {dir.resolve("shared/datasets"), dir.resolveSibling("shared").resolve("datasets")}) {
                if (Files.isDirectory(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("shared/datasets not found in " + Path.of("").toAbsolutePath()
                + " or any parent folder (nor beside one)");
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
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            for (Path candidate : new Path[] {dir.resolve("shared/reference/pytorch"),
                    dir.resolveSibling("shared").resolve("reference/pytorch")}) {
                if (Files.isRegularFile(candidate.resolve("ops.json"))) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("reference data: no shared/reference/pytorch/ops.json found in "
                + start + " or any parent folder (nor beside one); put the shared folder beside the"
                + " checkout or set BACKPROP_REFERENCE");
    }
}
