package dev.backprop.train;

/**
 * How long a run trains: a number of epochs (whole passes of its batch source) or a number of
 * optimizer steps (a run by steps may end inside a pass). Exactly one of the two is positive.
 *
 * <pre>{@code
 * FitConfig.DEFAULT.withBudget(Budget.steps(2000));   // what withSteps(2000) does
 * }</pre>
 */
public record Budget(int epochs, long steps) {
    public Budget {
        if ((epochs > 0) == (steps > 0) || epochs < 0 || steps < 0) {
            throw new IllegalArgumentException("Budget: give a positive number of epochs or of steps, not both; got "
                    + epochs + " epochs and " + steps + " steps");
        }
    }

    /** {@code n} whole passes over the data. */
    public static Budget epochs(int n) {
        return new Budget(n, 0);
    }

    /** {@code n} optimizer steps. */
    public static Budget steps(long n) {
        return new Budget(0, n);
    }

    /** Whether the budget is counted in steps rather than epochs. */
    public boolean bySteps() {
        return steps > 0;
    }

    /** The steps this budget allows for a source of {@code batchesPerEpoch} batches a pass. */
    public long totalSteps(int batchesPerEpoch) {
        return bySteps() ? steps : (long) epochs * batchesPerEpoch;
    }

    @Override
    public String toString() {
        return bySteps() ? steps + " steps" : epochs + " epochs";
    }
}
