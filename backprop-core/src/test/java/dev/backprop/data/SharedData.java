package dev.backprop.data;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds {@code shared/datasets} beside the checkout, for tests. */
final class SharedData {
    private SharedData() {
    }

    static Path datasets() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path c : new Path[] {dir.resolve("shared/datasets"), dir.resolveSibling("shared").resolve("datasets")}) {
                if (Files.isDirectory(c.resolve("mnist"))) {
                    return c;
                }
            }
        }
        throw new IllegalStateException("shared/datasets not found beside the checkout; tests need it");
    }
}
