package dev.backprop.spark;

import dev.backprop.nn.Module;
import dev.backprop.spark.ring.Ring;
import dev.backprop.spark.ring.RingAllReduce;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Callback;
import dev.backprop.train.History;
import dev.backprop.train.TrainingPlan;
import java.util.Map;

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
        Map<String, Tensor> state = model.stateDict();
        int total = state.values().stream().mapToInt(Tensor::numel).sum();
        float[] buffer = new float[total];
        int offset = 0;
        for (Tensor t : state.values()) {
            float[] v = t.toFloatArray();
            System.arraycopy(v, 0, buffer, offset, v.length);
            offset += v.length;
        }
        long reduce = System.nanoTime();
        long[] waited = new long[1];
        RingAllReduce.sum(ring, buffer, waited);
        long reduced = System.nanoTime();
        offset = 0;
        try (var off = GradMode.noGrad()) {
            for (Tensor t : state.values()) {
                float[] mean = new float[t.numel()];
                for (int i = 0; i < mean.length; i++) {
                    mean[i] = buffer[offset + i] / ring.size();
                }
                t.copyInPlace(Tensor.fromArray(mean, t.shape().dims()));
                offset += mean.length;
            }
        }
        lastAveraged = step;
        clock.add(reduce - start + System.nanoTime() - reduced, waited[0], reduced - reduce - waited[0]);
    }
}
