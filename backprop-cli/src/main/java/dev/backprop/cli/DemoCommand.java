package dev.backprop.cli;

import dev.backprop.data.PreparedData;
import dev.backprop.report.VanishingGradients;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code backprop demo}: small experiments that show how networks learn. */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = DemoCommand.Vanishing.class,
        description = "Small experiments that show how networks learn; see 'backprop demo vanishing --help'.",
        footer = {"", "Example:", "  ./backprop demo vanishing --data ../shared/datasets"})
final class DemoCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalArgumentException("name a demo: vanishing");
    }

    /** {@code backprop demo vanishing}: a deep MLP trained three ways, gradient norms per layer side by side. */
    @Command(name = "vanishing", mixinStandardHelpOptions = true, defaultValueProvider = Vanishing.OnMnist.class,
            description = "Trains the same deep MLP three ways (sigmoid with default initialisation; ReLU with He"
                    + " initialisation; ReLU, He and batch norm), records every layer's gradient norm, and writes a report"
                    + " with the norms side by side and the accuracies reached.",
            footer = {"", "Examples:", "  ./backprop demo vanishing --data ../shared/datasets",
                    "  ./backprop demo vanishing --dataset digits --depth 12 --epochs 5 --report vanishing"})
    static final class Vanishing implements Callable<Integer> {
        /** The demo's own default dataset: MNIST, where deep sigmoid networks show the effect clearly. */
        static final class OnMnist implements picocli.CommandLine.IDefaultValueProvider {
            @Override
            public String defaultValue(picocli.CommandLine.Model.ArgSpec arg) {
                return arg instanceof picocli.CommandLine.Model.OptionSpec o && o.longestName().equals("--dataset")
                        ? "mnist" : null;
            }
        }

        @picocli.CommandLine.Mixin
        DataOptions data;

        @Option(names = "--depth", paramLabel = "N", defaultValue = "10", description = "hidden layers. Default: ${DEFAULT-VALUE}.")
        int depth;

        @Option(names = "--width", paramLabel = "N", defaultValue = "64", description = "units per hidden layer. Default: ${DEFAULT-VALUE}.")
        int width;

        @Option(names = "--epochs", paramLabel = "N", defaultValue = "2", description = "Default: ${DEFAULT-VALUE}.")
        int epochs;

        @picocli.CommandLine.Mixin
        SeedOption seed;

        @Option(names = "--report", paramLabel = "DIR", defaultValue = "vanishing-report",
                description = "where the page goes. Default: ${DEFAULT-VALUE}.")
        Path report;

        @Override
        public Integer call() throws Exception {
            if (depth < 1 || width < 1 || epochs < 1) {
                throw new IllegalArgumentException("--depth, --width and --epochs must be at least 1");
            }
            PreparedData d = data.load();
            List<VanishingGradients.Result> results = VanishingGradients.run(d.train(), d.test(), depth, width, epochs, seed.seed, report);
            for (VanishingGradients.Result r : results) {
                System.out.printf(Locale.ROOT, "%-28s test accuracy %.4f; gradient norm of layer 1 / layer %d: %.3g%n",
                        r.setup().name().toLowerCase(Locale.ROOT), r.accuracy(), r.firstEpoch().length,
                        r.firstEpoch()[0] / r.firstEpoch()[r.firstEpoch().length - 1]);
            }
            System.out.println("report: " + report.resolve("index.html"));
            return 0;
        }
    }
}
