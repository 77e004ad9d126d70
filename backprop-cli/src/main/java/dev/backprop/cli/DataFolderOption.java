package dev.backprop.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --data} option: the folder where a command looks for dataset files first (a picocli mixin). */
final class DataFolderOption {
    @Option(names = "--data", paramLabel = "DIR",
            description = "folder holding the dataset's files (looked up first; then $BACKPROP_DATA, the user cache,"
                    + " then a checked download)")
    Path dataDir;
}
