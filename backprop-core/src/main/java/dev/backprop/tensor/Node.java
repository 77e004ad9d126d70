package dev.backprop.tensor;

/**
 * One recorded operation in the autograd graph: its name, its inputs, the tensors its gradient
 * rule reads (with their storage versions at record time) and the rule itself. Backward frees the
 * rule and the saved tensors unless asked to retain the graph.
 */
final class Node {
    final String op;
    final Tensor[] inputs;
    /** Where the op ran ("in features.3 (Conv2d)"), recorded while anomaly detection is on; else null. */
    String where;
    /**
     * Whether the rule may hold on to the gradient it is given past its return (a user's {@link CustomOp}), so that
     * backward must not give that gradient's buffer back; the library's own rules do not.
     */
    private final boolean holdsGradient;
    private BackwardFn fn;
    private Tensor[] saved;
    private int[] savedVersions;
    /** The step memory open when the op ran, and its generation then; the rule's buffers die with that step. */
    private final StepMemory memory;
    private final int generation;

    Node(String op, Tensor[] inputs, Tensor[] saved, BackwardFn fn, boolean holdsGradient) {
        this.op = op;
        this.holdsGradient = holdsGradient;
        this.memory = StepMemory.current();
        this.generation = memory == null ? 0 : memory.generation();
        this.inputs = inputs;
        this.fn = fn;
        this.saved = saved;
        this.savedVersions = new int[saved.length];
        for (int i = 0; i < saved.length; i++) {
            savedVersions[i] = saved[i].storage.version();
        }
    }

    boolean holdsGradient() {
        return holdsGradient;
    }

    boolean isReleased() {
        return fn == null;
    }

    Tensor[] backward(Tensor gradOutput) {
        if (fn == null) {
            throw new IllegalStateException("backward: trying to go through the graph a second time: "
                    + "the graph of '" + op + "' was freed after the first backward. Pass "
                    + "retainGraph=true to the first backward if you need to call it twice.");
        }
        if (memory != null && memory.generation() != generation) {
            throw new IllegalStateException("backward: the graph of '" + op + "' was recorded during a training step"
                    + " (inside a StepMemory scope) that has ended, and the buffers its gradient needs now belong to"
                    + " the next step; call backward before the step ends");
        }
        for (int i = 0; i < saved.length; i++) {
            int now = saved[i].storage.version();
            if (now != savedVersions[i]) {
                throw new IllegalStateException("backward: a tensor of shape " + saved[i].shape()
                        + " that the gradient of '" + op + "' needs was modified in place after '" + op
                        + "' used it (version " + savedVersions[i] + ", now " + now + "). Use an"
                        + " out-of-place operation, or clone() the tensor before changing it.");
            }
        }
        return fn.apply(gradOutput);
    }

    void release() {
        fn = null;
        saved = null;
        savedVersions = null;
    }
}
