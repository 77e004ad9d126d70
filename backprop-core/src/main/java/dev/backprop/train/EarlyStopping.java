package dev.backprop.train;

import dev.backprop.nn.Module;
import dev.backprop.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stops training when a validation metric has not improved by more than {@code minDelta} for
 * {@code patience} epochs, and puts back the weights of the best epoch.
 */
public final class EarlyStopping implements Callback {
    private final Module model;
    private final Evaluation.Metric monitor;
    private final int patience;
    private final double minDelta;
    private double best = Double.NaN;
    private int bestEpoch = -1;
    private int waited;
    private Map<String, Tensor> bestWeights;

    public EarlyStopping(Module model, Evaluation.Metric monitor, int patience, double minDelta) {
        if (patience < 0 || minDelta < 0) {
            throw new IllegalArgumentException("EarlyStopping: patience and minDelta must be >= 0, got "
                    + patience + " and " + minDelta);
        }
        this.model = model;
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = minDelta;
    }

    @Override
    public boolean onEpochEnd(EpochResult result) {
        if (result.validation() == null) {
            throw new IllegalStateException("EarlyStopping monitors validation " + monitor
                    + ", but fit was given no validation data");
        }
        double value = result.validation().value(monitor);
        boolean improved = Double.isNaN(best)
                || (monitor.higherIsBetter() ? value > best + minDelta : value < best - minDelta);
        if (improved) {
            best = value;
            bestEpoch = result.epoch();
            waited = 0;
            bestWeights = snapshot();
            return false;
        }
        return ++waited >= patience;
    }

    @Override
    public void onTrainEnd(History history) {
        if (bestWeights != null) {
            model.loadStateDict(bestWeights);
        }
    }

    /** The epoch (from 1) whose weights were kept, or -1 before any epoch ended. */
    public int bestEpoch() {
        return bestEpoch;
    }

    private Map<String, Tensor> snapshot() {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> copy.put(k, v.detach().clone()));
        return copy;
    }
}
