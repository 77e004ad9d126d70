package dev.backprop.data;

import java.nio.file.Path;

/** The datasets folder of {@code shared/}, for tests. */
final class SharedData {
    private SharedData() {
    }

    static Path datasets() {
        return SharedFolder.find("datasets");
    }
}
