package dev.backprop.tensor;

/**
 * Records operations into the autograd graph as they run (define-by-run). Each op family writes
 * its gradient rule right beside its forward:
 *
 * <pre>{@code
 * Tensor y = map(UnaryOp.EXP, x);
 * return Graph.op("exp", y, x).saves(y).backward(g -> grads(g.mul(y)));
 * }</pre>
 *
 * Nothing is recorded when grad mode is off or no input requires a gradient.
 */
final class Graph {
    private Graph() {
    }

    /** Starts recording {@code op}, which produced {@code output} from {@code inputs}. */
    static Recording op(String op, Tensor output, Tensor... inputs) {
        return new Recording(op, output, inputs);
    }

    /** Helper for a backward rule's return value. */
    static Tensor[] grads(Tensor... perInput) {
        return perInput;
    }

    static boolean needsGrad(Tensor... inputs) {
        if (!GradMode.isEnabled()) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /** A pending record: which tensors the rule saves, then the rule itself. */
    static final class Recording {
        private static final Tensor[] NONE = new Tensor[0];
        private final String op;
        private final Tensor output;
        private final Tensor[] inputs;
        private Tensor[] saved = NONE;
        private boolean holdsGradient;

        private Recording(String op, Tensor output, Tensor[] inputs) {
            this.op = op;
            this.output = output;
            this.inputs = inputs;
        }

        /**
         * Tensors the gradient rule reads; modifying one in place before backward is an error. A null
         * (an optional parameter left out, a layer without bias) is skipped.
         */
        Recording saves(Tensor... tensors) {
            int present = 0;
            for (Tensor t : tensors) {
                present += t == null ? 0 : 1;
            }
            if (present == tensors.length) {
                this.saved = tensors;
                return this;
            }
            Tensor[] kept = new Tensor[present];
            int i = 0;
            for (Tensor t : tensors) {
                if (t != null) {
                    kept[i++] = t;
                }
            }
            this.saved = kept;
            return this;
        }

        /**
         * Marks the rule as one that may keep the gradient it is given after it returns (a user's rule), which
         * backward then leaves in its buffer rather than giving that back to the step for the next gradient.
         */
        Recording holdsGradient() {
            this.holdsGradient = true;
            return this;
        }

        /** Attaches {@code fn} as the output's gradient rule (if any input needs one) and returns the output. */
        Tensor backward(BackwardFn fn) {
            String where = AnomalyDetection.place(inputs);   // null unless anomaly detection is on
            if (where != null) {
                AnomalyDetection.checkForward(op, output, inputs, where);
            }
            if (needsGrad(inputs)) {
                Node node = new Node(op, inputs, saved, fn, holdsGradient);
                node.where = where;
                output.attach(node);
            }
            return output;
        }
    }
}
