package dev.backprop.cli;

import picocli.CommandLine.Option;

/** The {@code --seed} option every command with random choices shares (a picocli mixin). */
final class SeedOption {
    @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
            description = "seeds every random choice of the command (initial weights, dropout, shuffling, sampling):"
                    + " same seed, same result. Default: ${DEFAULT-VALUE}.")
    long seed;
}
