package dev.backprop.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Fetches a data file from its mirrors into a folder, verifying its SHA-256 before it takes the
 * final name (written to a temporary file, checked, then moved atomically), so a failed or
 * tampered download never leaves a file that looks complete.
 */
final class Downloader {
    private static final int TIMEOUT_MS = 30_000;

    private Downloader() {
    }

    /** Downloads {@code file} into {@code folder}, trying each mirror in turn; returns the path. */
    static Path fetch(DataFile file, Path folder) throws IOException {
        Files.createDirectories(folder);
        IOException last = null;
        for (URI mirror : file.mirrors()) {
            Path tmp = Files.createTempFile(folder, file.name(), ".part");
            try {
                try (InputStream in = open(mirror); OutputStream out = Files.newOutputStream(tmp)) {
                    in.transferTo(out);
                }
                String actual = contentSha256(tmp);
                if (!actual.equals(file.sha256())) {
                    throw new IOException(mirror + ": SHA-256 of the content is " + actual + ", expected "
                            + file.sha256() + "; the download is corrupt or not the expected file");
                }
                Path target = folder.resolve(file.name());
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return target;
            } catch (IOException e) {
                last = e;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        throw last != null ? last : new IOException(file.name() + ": no mirror to download from");
    }

    private static InputStream open(URI uri) throws IOException {
        URLConnection c = uri.toURL().openConnection();
        c.setConnectTimeout(TIMEOUT_MS);
        c.setReadTimeout(TIMEOUT_MS);
        return c.getInputStream();
    }

    /** SHA-256 of the file's content after gunzip (of the bytes themselves if not gzipped). */
    static String contentSha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks SHA-256, which every JDK must provide", e);
        }
        try (InputStream in = new DigestInputStream(Sources.open(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
