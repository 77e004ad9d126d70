package dev.backprop.text.mail;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * Reads the messages of a mail corpus folder as the SpamAssassin public corpus lays it out: an
 * archive {@code DATE_NAME.tar.bz2} holding a folder {@code NAME/} of messages, or that folder
 * already extracted. A message's file name is {@code NNNNN.<MD5 of the message>}; each message is
 * checked against it. A message longer than {@link #MAX_MESSAGE_BYTES} is cut there and marked
 * (a mail client's 50 MB attachment adds nothing a text model reads).
 */
public final class MailArchives {
    /** Bytes of a message that are kept: 4 MB. */
    public static final int MAX_MESSAGE_BYTES = 4 << 20;

    private MailArchives() {
    }

    /** The messages of corpus part {@code name} ({@code easy_ham}) in {@code folder}: its archive or its folder. */
    public static List<RawMessage> read(Path folder, String archive, String name) throws IOException {
        Path tar = folder.resolve(archive);
        if (Files.isRegularFile(tar)) {
            return fromArchive(tar, name);
        }
        Path dir = folder.resolve(name);
        if (Files.isDirectory(dir)) {
            return fromFolder(dir, name);
        }
        throw new java.io.FileNotFoundException("neither " + tar + " nor the folder " + dir + " exists");
    }

    /** The messages of one {@code .tar.bz2} archive. */
    static List<RawMessage> fromArchive(Path tar, String name) throws IOException {
        List<RawMessage> out = new ArrayList<>();
        try (InputStream file = new BufferedInputStream(Files.newInputStream(tar), 1 << 16);
             TarArchiveInputStream in = new TarArchiveInputStream(new BZip2CompressorInputStream(file, true))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                String path = e.getName();
                String file2 = path.substring(path.lastIndexOf('/') + 1);
                if (isMessage(file2)) {
                    out.add(message(name, file2, in));
                }
            }
        } catch (IOException e) {
            throw new IOException(tar + ": not a readable .tar.bz2 archive (" + e.getMessage() + ")", e);
        }
        return out;
    }

    private static List<RawMessage> fromFolder(Path dir, String name) throws IOException {
        List<RawMessage> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                if (Files.isRegularFile(f) && isMessage(f.getFileName().toString())) {
                    try (InputStream in = Files.newInputStream(f)) {
                        out.add(message(name, f.getFileName().toString(), in));
                    }
                }
            }
        }
        return out;
    }

    /** A message file's name: digits, a dot, 32 hex digits (the archives also hold a {@code cmds} script). */
    static boolean isMessage(String fileName) {
        return fileName.matches("\\d+\\.[0-9a-f]{32}");
    }

    private static RawMessage message(String folder, String fileName, InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_MESSAGE_BYTES);
        boolean truncated = in.read() >= 0;
        if (truncated) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        String expected = fileName.substring(fileName.indexOf('.') + 1);
        boolean intact = !truncated && md5(bytes).equals(expected);
        return new RawMessage(folder, fileName, bytes, intact, truncated);
    }

    static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks MD5, which every JDK must provide", e);
        }
    }
}
