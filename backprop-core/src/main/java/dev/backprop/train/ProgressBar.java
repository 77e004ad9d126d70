package dev.backprop.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows training progress. On a terminal: a bar redrawn in place with the batch count, ETA,
 * throughput and running loss. Otherwise (a log file, CI): one line per epoch, which names the
 * step instead of the epoch when the run's budget is in steps.
 */
public final class ProgressBar implements Callback {
    private static final int WIDTH = 28;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean interactive;
    private TrainingPlan plan;
    private int batches;
    private long epochStart;
    private long lastDraw;
    private double runningLoss = Double.NaN;

    /** Draws on {@code out}; interactive when the JVM's console is a terminal. */
    public ProgressBar(PrintStream out) {
        this(out, System.console() != null && System.console().isTerminal());
    }

    public ProgressBar(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void onTrainBegin(TrainingPlan plan) {
        this.plan = plan;
        this.batches = plan.batchesPerEpoch();
        if (plan.startStep() > 0) {
            out.printf(Locale.ROOT, "resuming at step %d of %d (epoch %d, batch %d)%n", plan.startStep(), plan.totalSteps(),
                    plan.startEpoch(), plan.startStep() - (long) (plan.startEpoch() - 1) * plan.batchesPerEpoch());
        }
    }

    @Override
    public void onBatchEnd(int epoch, int batch, double loss, int examplesSoFar) {
        long now = System.nanoTime();
        if (batch == 1) {
            epochStart = now;
            runningLoss = loss;
        }
        runningLoss = 0.9 * runningLoss + 0.1 * loss;
        if (!interactive || (now - lastDraw < REDRAW_NANOS && batch < batches)) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - epochStart) / 1e9;
        double eta = batch == 0 ? 0 : elapsed / batch * (batches - batch);
        int filled = batches == 0 ? WIDTH : WIDTH * batch / batches;
        out.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d  ETA %4.1fs  %,8.0f %s/s  loss %.4f ",
                epoch, plan.epochs(), "=".repeat(filled), " ".repeat(WIDTH - filled), batch, batches, eta,
                elapsed > 0 ? (double) examplesSoFar * plan.unit().perRow() / elapsed : 0, plan.unit().name(), runningLoss);
        out.flush();
    }

    @Override
    public boolean onEpochEnd(EpochResult r) {
        if (interactive) {
            out.print("\r" + " ".repeat(100) + "\r");
        }
        out.println(line(r, plan));
        return false;
    }

    /** The one-line summary of an epoch: by epochs, or by steps when the budget counts steps. */
    static String line(EpochResult r, TrainingPlan plan) {
        StringBuilder sb = new StringBuilder(plan.budget().bySteps()
                ? String.format(Locale.ROOT, "step %d/%d  loss %.4f", r.step(), plan.totalSteps(), r.trainLoss())
                : String.format(Locale.ROOT, "epoch %d/%d  loss %.4f", r.epoch(), plan.epochs(), r.trainLoss()));
        Evaluation v = r.validation();
        if (v != null) {
            sb.append(String.format(Locale.ROOT, "  val_loss %.4f", v.loss()));
            if (v.classification() != null) {
                sb.append(String.format(Locale.ROOT, "  val_accuracy %.4f", v.classification().accuracy()));
            } else if (v.regression() != null) {
                sb.append(String.format(Locale.ROOT, "  val_r2 %.4f", v.regression().r2()));
            }
        }
        sb.append(String.format(Locale.ROOT, "  lr %.3g  %.1fs  %,.0f %s/s", r.lr(), r.seconds(), r.unitsPerSecond(),
                r.unit().name()));
        if (r.skippedBatches() > 0) {
            sb.append(String.format(Locale.ROOT, "  skipped %d batches (non-finite loss)", r.skippedBatches()));
        }
        return sb.toString();
    }
}
