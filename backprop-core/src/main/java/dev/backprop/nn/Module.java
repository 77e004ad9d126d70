package dev.backprop.nn;

import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.AnomalyDetection;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A piece of a network: a function of its input with named parameters and named sub-modules,
 * like PyTorch's {@code nn.Module}. Parameter names join the path of sub-modules with dots
 * ({@code 0.weight}, {@code encoder.fc1.bias}), so a state dict matches PyTorch's.
 *
 * <pre>{@code
 * Module net = new Sequential(new Linear(4, 8, gen), new ReLU(), new Linear(8, 3, gen));
 * Tensor logits = net.forward(x);
 * net.stateDict().keySet();   // [0.weight, 0.bias, 2.weight, 2.bias]
 * }</pre>
 *
 * Subclasses register their parameters and sub-modules in the constructor and implement
 * {@link #forward}. Training mode (the default) matters to layers such as dropout.
 */
public abstract class Module {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Generator> generators = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes this module's output. */
    public abstract Tensor forward(Tensor input);

    /** Registers a trainable parameter (it is marked as requiring grad) and returns it. */
    protected final Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        parameters.put(name, value.setRequiresGrad(true));
        return value;
    }

    /**
     * Registers state that is saved and loaded with the parameters but not trained (batch norm's
     * running statistics), and returns it.
     */
    protected final Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, value);
        return value;
    }

    /**
     * Registers the generator a module draws from while training (dropout's masks), so that a
     * checkpoint can save where its sequence stands; returns it.
     */
    protected final Generator registerGenerator(String name, Generator generator) {
        checkName(name);
        generators.put(name, generator);
        return generator;
    }

    /** The generators of this module and its sub-modules, by dotted name. */
    public final Map<String, Generator> namedGenerators() {
        Map<String, Generator> out = new LinkedHashMap<>();
        collectGenerators("", out);
        return Collections.unmodifiableMap(out);
    }

    private void collectGenerators(String prefix, Map<String, Generator> out) {
        generators.forEach((n, g) -> out.put(prefix + n, g));
        children.forEach((n, m) -> m.collectGenerators(prefix + n + ".", out));
    }

    /** Registers a sub-module, whose parameters then appear under {@code name.}, and returns it. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".") || parameters.containsKey(name) || children.containsKey(name)
                || buffers.containsKey(name) || generators.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid or duplicate name '" + name
                    + "' (names must be non-empty, unique and free of dots)");
        }
    }

    /**
     * Opens an anomaly-detection scope ({@link AnomalyDetection}) whose reports name this model's
     * modules: an op that reads {@code features.3.weight} runs {@code in features.3 (Conv2d)}.
     */
    public final AnomalyDetection detectAnomalies() {
        Map<String, String> kinds = new LinkedHashMap<>();
        describeModules("", kinds);
        return AnomalyDetection.enable(namedParameters(), name -> {
            String path = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : "";
            return (path.isEmpty() ? "the model" : path) + " (" + kinds.get(path) + ")";
        });
    }

    private void describeModules(String path, Map<String, String> out) {
        out.put(path, getClass().getSimpleName());
        children.forEach((n, m) -> m.describeModules(path.isEmpty() ? n : path + "." + n, out));
    }

    /** Every parameter of this module and its sub-modules, by dotted name, in registration order. */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out);
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Tensor> out) {
        parameters.forEach((n, t) -> out.put(prefix + n, t));
        children.forEach((n, m) -> m.collect(prefix + n + ".", out));
    }

    /** The parameters in the order of {@link #namedParameters()}. */
    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** The direct sub-modules by name. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** The state to save: every parameter and buffer by dotted name (the tensors themselves, not copies). */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return Collections.unmodifiableMap(out);
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        parameters.forEach((n, t) -> out.put(prefix + n, t));
        buffers.forEach((n, t) -> out.put(prefix + n, t));
        children.forEach((n, m) -> m.collectState(prefix + n + ".", out));
    }

    /**
     * Copies values into this module's parameters. Every name must exist with the same shape and
     * nothing may be missing; all is checked before anything is written, so a failed load leaves
     * the module unchanged.
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        Map<String, Tensor> own = stateDict();
        List<String> problems = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor given = state.get(e.getKey());
            if (given == null) {
                problems.add("missing '" + e.getKey() + "' " + e.getValue().shape());
            } else if (!given.shape().equals(e.getValue().shape())) {
                problems.add("'" + e.getKey() + "' has shape " + given.shape() + ", expected " + e.getValue().shape());
            }
        }
        for (String name : state.keySet()) {
            if (!own.containsKey(name)) {
                problems.add("unexpected '" + name + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict into " + getClass().getSimpleName() + ": "
                    + String.join("; ", problems));
        }
        try (var scope = GradMode.noGrad()) {
            own.forEach((name, t) -> t.copyInPlace(state.get(name)));
        }
    }

    /** Total number of trainable values. */
    public final long parameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) {
            n += t.numel();
        }
        return n;
    }

    /** Switches this module and its sub-modules to training mode (dropout active); returns this. */
    public final Module train() {
        setTraining(true);
        return this;
    }

    /** Switches this module and its sub-modules to evaluation mode; returns this. */
    public final Module eval() {
        setTraining(false);
        return this;
    }

    private void setTraining(boolean value) {
        training = value;
        children.values().forEach(m -> m.setTraining(value));
    }

    public final boolean isTraining() {
        return training;
    }

    /** Clears the gradient of every parameter. */
    public final void zeroGrad() {
        namedParameters().values().forEach(Tensor::zeroGrad);
    }

    /** A table of the parameters with their shapes and counts, and the total. */
    public final String summary() {
        StringBuilder sb = new StringBuilder(toString()).append('\n');
        int width = 10;
        for (String name : namedParameters().keySet()) {
            width = Math.max(width, name.length());
        }
        String row = "%-" + width + "s  %-14s %,12d%n";
        sb.append(String.format("%-" + width + "s  %-14s %12s%n", "parameter", "shape", "values"));
        namedParameters().forEach((name, t) -> sb.append(String.format(row, name, t.shape(), t.numel())));
        sb.append(String.format(row, "total", "", parameterCount()));
        return sb.toString();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "()";
    }
}
