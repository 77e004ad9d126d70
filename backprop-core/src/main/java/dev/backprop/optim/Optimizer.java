package dev.backprop.optim;

import dev.backprop.tensor.FusedUpdates;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients, one rule per subclass, each written as its paper's
 * algorithm (and PyTorch's {@code torch.optim} docs, whose trajectories the tests reproduce).
 * Parameters without a gradient are left as they are. Updates run with recording off and are the
 * only place parameters change in place.
 *
 * <pre>{@code
 * Optimizer opt = new Adam(model.parameters(), Adam.Config.DEFAULT.withLr(1e-3));
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 * }</pre>
 */
public abstract class Optimizer {
    private final List<Tensor> params;
    private final Map<String, Tensor[]> tensorState = new LinkedHashMap<>();
    private final Map<String, double[]> numberState = new LinkedHashMap<>();
    private double lr;
    private int steps;

    protected Optimizer(List<Tensor> params, double lr) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimize");
        }
        if (!(lr >= 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be >= 0, got " + lr);
        }
        this.params = List.copyOf(params);
        this.lr = lr;
    }

    /**
     * Applies one update to every parameter that has a gradient. A parameter stored in another order than row-major
     * (a weight kept input-major), whose gradient and state share its order, is updated through one-dimensional views
     * of their buffers, so that every rule's elementwise steps run over them in order, as over a row-major parameter's.
     */
    public final void step() {
        steps++;
        try (var scope = GradMode.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                if (p.grad() != null) {
                    if (!p.isContiguous() && FusedUpdates.sameSlots(p, p.grad()) && stateLinesUp(i, p)) {
                        updateInBufferOrder(i, p, p.grad(), steps);
                    } else {
                        update(i, p, p.grad(), steps);
                    }
                }
            }
        }
    }

    private boolean stateLinesUp(int i, Tensor p) {
        for (Tensor[] slots : tensorState.values()) {
            if (slots[i] != null && !FusedUpdates.sameSlots(slots[i], p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@link #update} on one-dimensional views of the parameter's, the gradient's and the state's buffers; state the
     * rule makes meanwhile (made from the flat gradient, so in the buffer's order) gets the parameter's shape back.
     */
    private void updateInBufferOrder(int i, Tensor p, Tensor grad, int t) {
        Tensor[] own = new Tensor[tensorState.size()];
        Tensor[] flat = new Tensor[own.length];
        int s = 0;
        for (Tensor[] slots : tensorState.values()) {
            own[s] = slots[i];
            flat[s] = own[s] == null ? null : FusedUpdates.inBufferOrder(own[s]);
            slots[i] = flat[s++];
        }
        try {
            update(i, FusedUpdates.inBufferOrder(p), FusedUpdates.inBufferOrder(grad), t);
        } finally {
            s = 0;
            for (Tensor[] slots : tensorState.values()) {
                if (slots[i] == flat[s]) {
                    slots[i] = own[s];   // the state's own tensor: the rule updated its buffer through the view
                } else if (slots[i] != null) {
                    slots[i] = FusedUpdates.inLayoutOf(slots[i], p);   // state the rule made: the parameter's shape back
                }
                s++;
            }
        }
    }

    /**
     * Updates parameter {@code index} in place from its gradient; {@code t} counts steps from 1.
     * Runs with recording off.
     */
    protected abstract void update(int index, Tensor param, Tensor grad, int t);

    /** Clears every parameter's gradient. */
    public final void zeroGrad() {
        params.forEach(Tensor::zeroGrad);
    }

    /** The learning rate the next step uses. */
    public final double lr() {
        return lr;
    }

    /** Changes the learning rate (a schedule calls this between steps). */
    public final void setLr(double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be >= 0, got " + value);
        }
        lr = value;
    }

    /** Number of steps taken so far. */
    public final int stepCount() {
        return steps;
    }

    /** The parameters, in the order given. */
    public final List<Tensor> parameters() {
        return params;
    }

    /**
     * Per-parameter state tensors start as zeros shaped like the parameter, stored in its order (a weight kept
     * input-major has its moments input-major too, so fused updates run over the flat buffers).
     */
    protected static Tensor[] zerosLike(List<Tensor> params) {
        Tensor[] out = new Tensor[params.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Tensor.zerosInLayoutOf(params.get(i));
        }
        return out;
    }

    /**
     * Registers per-parameter state (one tensor per parameter, or null until first used) under
     * {@code name}, so that {@link #state()} saves it and {@link #restore} fills it; returns it.
     */
    protected final Tensor[] registerState(String name, Tensor[] perParameter) {
        tensorState.put(name, perParameter);
        return perParameter;
    }

    /** Registers per-parameter numbers (such as NAdam's running momentum product); returns them. */
    protected final double[] registerState(String name, double[] perParameter) {
        numberState.put(name, perParameter);
        return perParameter;
    }

    /**
     * Everything an optimizer remembers between steps: the step count, the learning rate, and its
     * per-parameter state as {@code slot.index} tensors and numbers.
     */
    public record State(int steps, double lr, Map<String, Tensor> tensors, Map<String, double[]> numbers) {
        public State {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            numbers = Collections.unmodifiableMap(new LinkedHashMap<>(numbers));
        }
    }

    /** A copy of this optimizer's state, for checkpoints. */
    public final State state() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensorState.forEach((name, slots) -> {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != null) {
                    tensors.put(name + "." + i, slots[i].detach().clone());
                }
            }
        });
        Map<String, double[]> numbers = new LinkedHashMap<>();
        numberState.forEach((name, values) -> numbers.put(name, values.clone()));
        return new State(steps, lr, tensors, numbers);
    }

    /**
     * Continues from a saved state: it must come from the same optimizer over parameters of the same
     * shapes. Nothing changes when it does not fit.
     */
    public final void restore(State state) {
        String who = getClass().getSimpleName();
        for (String key : state.tensors().keySet()) {
            int dot = key.lastIndexOf('.');
            Tensor[] slots = dot < 0 ? null : tensorState.get(key.substring(0, dot));
            int index = slots == null ? -1 : parseIndex(key.substring(dot + 1), slots.length);
            if (index < 0) {
                throw new IllegalArgumentException(who + ".restore: unexpected state '" + key + "'; this optimizer keeps "
                        + tensorState.keySet() + " for " + params.size() + " parameters");
            }
            if (!state.tensors().get(key).shape().equals(params.get(index).shape())) {
                throw new IllegalArgumentException(who + ".restore: state '" + key + "' has shape "
                        + state.tensors().get(key).shape() + ", but parameter " + index + " has shape " + params.get(index).shape());
            }
        }
        for (var e : numberState.entrySet()) {
            double[] values = state.numbers().get(e.getKey());
            if (values == null || values.length != e.getValue().length) {
                throw new IllegalArgumentException(who + ".restore: the state lacks '" + e.getKey() + "' for "
                        + params.size() + " parameters");
            }
        }
        tensorState.forEach((name, slots) -> {
            for (int i = 0; i < slots.length; i++) {
                Tensor saved = state.tensors().get(name + "." + i);
                if (saved != null) {
                    // in the parameter's order, as the state was made (zerosLike)
                    slots[i] = Tensor.zerosInLayoutOf(params.get(i)).copyInPlace(saved);
                } else if (slots[i] != null) {
                    throw new IllegalArgumentException(who + ".restore: the state lacks '" + name + "." + i + "'");
                }
            }
        });
        numberState.forEach((name, values) -> System.arraycopy(state.numbers().get(name), 0, values, 0, values.length));
        steps = state.steps();
        setLr(state.lr());
    }

    private static int parseIndex(String text, int size) {
        try {
            int i = Integer.parseInt(text);
            return i >= 0 && i < size ? i : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static void requireNonNegative(String optimizer, String name, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(optimizer + ": " + name + " must be >= 0, got " + value);
        }
    }

    static void requireUnit(String optimizer, String name, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(optimizer + ": " + name + " must be in [0, 1), got " + value);
        }
    }
}
