package dev.backprop.spark;

import dev.backprop.nn.Module;
import dev.backprop.spark.ring.Ring;
import dev.backprop.spark.ring.RingAllReduce;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Callback;
import dev.backprop.train.History;
import dev.backprop.train.TrainingPlan;
import java.util.List;

/**
 * Local SGD's synchronisation (Stich 2019): each worker steps on its own gradients, and after every
 * {@code k}-th step of the run (counted from its start, so that a resumed run averages at the same
 * steps) and once more when training ends, every worker's parameters and buffers are replaced by
 * their mean over the ring. Optimizer states stay each worker's own.
 */
final class ParameterAveraging implements Callback {
    private final Ring ring;
    private final Module model;
    private final int every;
    private final StepTimes.Clock clock;
    private long step;
    private long lastAveraged;

    ParameterAveraging(Ring ring, Module model, int every, StepTimes.Clock clock) {
        this.ring = ring;
        this.model = model;
        this.every = every;
        this.clock = clock;
    }

    @Override
    public void onTrainBegin(TrainingPlan plan) {
        step = plan.startStep();
        lastAveraged = step;
    }

    @Override
    public void onBatchEnd(int epoch, int batch, double loss, int examplesSoFar) {
        clock.addStep();
        if (++step % every == 0) {
            average();
        }
    }

    @Override
    public void onTrainEnd(History history) {
        if (step != lastAveraged) {
            average();
        }
    }

    private void average() {
        long start = System.nanoTime();
        List<Tensor> state = List.copyOf(model.stateDict().values());
        float[] buffer = new float[Flat.size(state)];
        Flat.gather(state, state, 1f, buffer);
        long reduce = System.nanoTime();
        long[] waited = new long[1];
        RingAllReduce.sum(ring, buffer, waited);
        long reduced = System.nanoTime();
        Flat.scatter(buffer, ring.size(), state, state);
        lastAveraged = step;
        clock.addBetweenSteps(reduce - start + System.nanoTime() - reduced, waited[0], reduced - reduce - waited[0]);
    }
}
