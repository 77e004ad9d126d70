package dev.backprop.data;

import java.net.URI;
import java.util.List;

/**
 * One file of a named dataset: its name, the SHA-256 of its content (after gunzip, so a raw and
 * a gzipped copy check the same), and the public mirrors it can be downloaded from, in order.
 */
public record DataFile(String name, String sha256, List<URI> mirrors) {
    public DataFile {
        mirrors = List.copyOf(mirrors);
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("DataFile " + name + ": '" + sha256 + "' is not a SHA-256 hex digest");
        }
    }

    /** The name without a trailing {@code .gz}: a folder may hold either form. */
    public String rawName() {
        return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    }
}
