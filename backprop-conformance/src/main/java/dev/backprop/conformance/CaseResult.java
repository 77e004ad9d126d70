package dev.backprop.conformance;

/**
 * The outcome of one reference case: its name (file, index, op), whether it passed, failed or
 * was skipped, and a detail line (worst error, or why it failed or was skipped).
 */
public record CaseResult(String name, Status status, String detail) {

    /** Passed: every compared value agreed within tolerance. Skipped cases are never counted as passed. */
    public enum Status { PASSED, FAILED, SKIPPED }

    /** One line for people: {@code PASS  ops.json#03 mul ...  max error 1.2e-07}. */
    public String line() {
        String tag = switch (status) {
            case PASSED -> "PASS";
            case FAILED -> "FAIL";
            case SKIPPED -> "SKIP";
        };
        return String.format("%-5s %-48s %s", tag, name, detail);
    }
}
