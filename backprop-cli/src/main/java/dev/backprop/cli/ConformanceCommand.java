package dev.backprop.cli;

import dev.backprop.conformance.CaseResult;
import dev.backprop.conformance.ConformanceRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code backprop conformance DIR}: checks Backprop against PyTorch's reference values. */
@Command(name = "conformance",
        mixinStandardHelpOptions = true,
        description = {"Runs every reference case in DIR (the format of shared/reference/pytorch:"
                + " ops.json with inputs, outputs and gradients PyTorch computed) and prints one line per case,"
                + " then 'N passed, M failed, K skipped'.",
                "Exit status 0 only when no case failed. Ops that later releases bring are skipped, never passed."},
        footer = {"", "Example:", "  ./backprop conformance ../shared/reference/pytorch"})
final class ConformanceCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "directory holding ops.json in the reference format")
    Path dir;

    @Override
    public Integer call() throws Exception {
        List<CaseResult> results = ConformanceRunner.run(dir);
        for (CaseResult r : results) {
            System.out.println(r.line());
        }
        System.out.println(ConformanceRunner.summary(results));
        boolean anyFailed = results.stream().anyMatch(r -> r.status() == CaseResult.Status.FAILED);
        return anyFailed ? 1 : 0;
    }
}
