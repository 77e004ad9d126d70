package dev.backprop.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the project's {@code shared/} folder (datasets, PyTorch reference values) beside the checkout. */
public final class Shared {
    private Shared() {
    }

    /** {@code shared/<relative>}, looked for in the working folder, its parents and beside them. */
    public static Path find(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path c : new Path[] {dir.resolve("shared").resolve(relative), dir.resolveSibling("shared").resolve(relative)}) {
                if (Files.exists(c)) {
                    return c;
                }
            }
        }
        throw new IllegalStateException("shared/" + relative + " not found beside the checkout; the tests need it");
    }
}
