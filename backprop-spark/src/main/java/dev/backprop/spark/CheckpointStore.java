package dev.backprop.spark;

import dev.backprop.train.Callback;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;

/**
 * The workers' checkpoints on any Hadoop file system (a local folder, HDFS, S3): one folder per worker
 * under the run's checkpoint folder. The one loop writes each checkpoint into a local folder of the
 * task; {@link #mirror} copies every new one up (a temporary name, then a rename, so that only whole
 * files carry a checkpoint's name) and keeps the newest three; {@link #fetch} brings one back down to
 * resume from.
 */
final class CheckpointStore {
    private static final Pattern NAME = Pattern.compile("checkpoint-e\\d{4,}-b\\d{6,}\\.safetensors");
    private static final int KEEP = 3;

    private final org.apache.hadoop.fs.Path folder;
    private final FileSystem fs;

    CheckpointStore(String root, int rank) {
        this.folder = new org.apache.hadoop.fs.Path(root, "worker-" + rank);
        try {
            this.fs = folder.getFileSystem(configuration());
        } catch (IOException e) {
            throw new UncheckedIOException("worker " + rank + ": cannot reach the checkpoint folder " + folder + ": "
                    + e.getMessage(), e);
        }
    }

    /** Spark's Hadoop settings (spark.hadoop.*) inside a task; Hadoop's defaults elsewhere. */
    private static Configuration configuration() {
        SparkEnv env = SparkEnv.get();
        return env == null ? new Configuration() : SparkHadoopUtil.get().newConfiguration(env.conf());
    }

    /** The names of this worker's whole checkpoints, oldest first. */
    List<String> names() {
        try {
            if (!fs.exists(folder)) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (FileStatus s : fs.listStatus(folder)) {
                if (NAME.matcher(s.getPath().getName()).matches()) {
                    out.add(s.getPath().getName());
                }
            }
            out.sort(null);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    /** Copies checkpoint {@code name} down into {@code local} and returns the local file. */
    Path fetch(String name, Path local) {
        Path file = local.resolve(name);
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(folder, name))) {
            Files.createDirectories(local);
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch checkpoint " + name + " from " + folder + ": " + e.getMessage(), e);
        }
    }

    /** A callback that copies each checkpoint the loop writes up to this store. */
    Callback mirror() {
        return new Callback() {
            @Override
            public void onCheckpoint(Path file) {
                upload(file);
            }
        };
    }

    private void upload(Path file) {
        String name = file.getFileName().toString();
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(folder, name);
        org.apache.hadoop.fs.Path partial = new org.apache.hadoop.fs.Path(folder, "." + name + ".tmp");
        try {
            fs.mkdirs(folder);
            try (OutputStream out = fs.create(partial, true)) {
                Files.copy(file, out);
            }
            fs.delete(target, false);
            if (!fs.rename(partial, target)) {
                throw new IOException("the rename to " + target + " failed");
            }
            List<String> all = names();
            for (int i = 0; i < all.size() - KEEP; i++) {
                fs.delete(new org.apache.hadoop.fs.Path(folder, all.get(i)), false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store checkpoint " + name + " in " + folder + ": " + e.getMessage(), e);
        }
    }
}
