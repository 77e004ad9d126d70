package dev.backprop.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the project's {@code shared/} folder (datasets, PyTorch reference values) that lies beside
 * a checkout, for the tests, the benchmarks and the conformance command run from one: the one
 * place that knows that layout. A library user names folders instead ({@link DatasetLocator}).
 *
 * <pre>{@code
 * Path reference = SharedFolder.find("reference/pytorch");
 * }</pre>
 */
public final class SharedFolder {
    private SharedFolder() {
    }

    /**
     * {@code shared/<relative>}, looked for in the working folder, its parents and beside each of
     * them; an {@link IllegalStateException} says where it looked when there is none.
     */
    public static Path find(String relative) {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            for (Path c : new Path[] {dir.resolve("shared").resolve(relative), dir.resolveSibling("shared").resolve(relative)}) {
                if (Files.exists(c)) {
                    return c;
                }
            }
        }
        throw new IllegalStateException("shared/" + relative + " not found in " + start + ", its parent folders or beside"
                + " them; put the project's shared folder beside the checkout");
    }
}
