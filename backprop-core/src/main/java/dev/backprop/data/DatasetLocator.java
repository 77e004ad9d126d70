package dev.backprop.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds a named dataset's files, in this order: a folder the user names; the folder in the
 * {@code BACKPROP_DATA} environment variable; the user cache ({@code $XDG_CACHE_HOME/backprop/datasets}
 * or {@code ~/.cache/backprop/datasets}); then a download from the canonical mirrors into the cache,
 * checked by SHA-256. In each folder a dataset may sit at the top, in its own sub-folder
 * ({@code mnist/}, {@code fashion-mnist/}) or, for the small tables, in {@code uci/}; files may be
 * raw or gzipped.
 */
public final class DatasetLocator {
    private final Path userFolder;
    private final Path envFolder;
    private final Path cacheFolder;
    private final boolean download;

    /** Where to look; null folders are skipped. */
    public DatasetLocator(Path userFolder, Path envFolder, Path cacheFolder, boolean download) {
        this.userFolder = userFolder;
        this.envFolder = envFolder;
        this.cacheFolder = cacheFolder;
        this.download = download;
    }

    /** The standard order for this machine, with {@code userFolder} (may be null) first, downloading as a last resort. */
    public static DatasetLocator standard(Path userFolder) {
        return standard(userFolder, true);
    }

    /** The standard order; with {@code download} false, a dataset not found locally is an error. */
    public static DatasetLocator standard(Path userFolder, boolean download) {
        String env = System.getenv("BACKPROP_DATA");
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("backprop").resolve("datasets");
        return new DatasetLocator(userFolder, env == null || env.isBlank() ? null : Path.of(env), cache, download);
    }

    /** The path of every file of {@code dataset}, downloading them if needed; or a message saying where it looked. */
    public List<Path> locate(NamedDataset dataset) throws IOException {
        List<String> looked = new ArrayList<>();
        for (Path base : new Path[] {userFolder, envFolder, cacheFolder}) {
            if (base == null) {
                continue;
            }
            for (Path dir : List.of(base, base.resolve(dataset.id()), base.resolve(dataset.folder()))) {
                Optional<List<Path>> found = allIn(dir, dataset);
                if (found.isPresent()) {
                    return found.get();
                }
                looked.add(dir.toString());
            }
        }
        String downloadProblem = "downloading is off";
        if (download && cacheFolder != null) {
            try {
                List<Path> fetched = new ArrayList<>();
                for (DataFile f : dataset.files()) {
                    fetched.add(Downloader.fetch(f, cacheFolder.resolve(dataset.folder())));
                }
                return fetched;
            } catch (IOException e) {
                downloadProblem = "the download failed: " + e.getMessage();
            }
        }
        throw new DatasetNotFoundException(dataset, "dataset '" + dataset.id() + "' not found. Looked in: "
                + String.join(", ", looked.stream().distinct().toList()) + "; " + downloadProblem + ". Provide the files "
                + dataset.files().stream().map(DataFile::name).toList() + " (raw or gzipped) in a folder and name that"
                + " folder first, or set BACKPROP_DATA to it.");
    }

    /**
     * One file that is not a dataset (a pretrained model's archive): looked for in the same folders
     * and in their sub-folder {@code folder}, else downloaded into the cache's {@code folder} and
     * checked by SHA-256; or a message saying where it looked.
     */
    public Path locate(String folder, DataFile file) throws IOException {
        List<String> looked = new ArrayList<>();
        for (Path base : new Path[] {userFolder, envFolder, cacheFolder}) {
            if (base == null) {
                continue;
            }
            for (Path dir : List.of(base, base.resolve(folder))) {
                if (Files.isRegularFile(dir.resolve(file.name()))) {
                    return dir.resolve(file.name());
                }
                looked.add(dir.toString());
            }
        }
        String downloadProblem = "downloading is off";
        if (download && cacheFolder != null) {
            try {
                return Downloader.fetch(file, cacheFolder.resolve(folder));
            } catch (IOException e) {
                downloadProblem = "the download failed: " + e.getMessage();
            }
        }
        throw new java.io.FileNotFoundException(file.name() + " not found. Looked in: "
                + String.join(", ", looked.stream().distinct().toList()) + "; " + downloadProblem + ". Put it in a folder"
                + " and name that folder, or set BACKPROP_DATA to it.");
    }

    /**
     * The folders searched, in order (the user's, {@code $BACKPROP_DATA}'s, the cache), for data that
     * another module finds in its own way; the last is the cache when there is one.
     */
    public List<Path> folders() {
        List<Path> out = new ArrayList<>();
        for (Path base : new Path[] {userFolder, envFolder, cacheFolder}) {
            if (base != null) {
                out.add(base);
            }
        }
        return out;
    }

    /** The cache folder that downloads go into, or null when downloading is off. */
    public Path downloadFolder() {
        return download ? cacheFolder : null;
    }

    /** The SHA-256 of a file's content, as {@link DataFile#sha256()} states it. */
    public static String sha256(Path file) throws IOException {
        return Downloader.contentSha256(file);
    }

    private static Optional<List<Path>> allIn(Path dir, NamedDataset dataset) {
        List<Path> paths = new ArrayList<>();
        for (DataFile f : dataset.files()) {
            Path gz = dir.resolve(f.name());
            Path raw = dir.resolve(f.rawName());
            if (Files.isRegularFile(gz)) {
                paths.add(gz);
            } else if (Files.isRegularFile(raw)) {
                paths.add(raw);
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(paths);
    }
}
