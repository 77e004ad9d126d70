package dev.backprop.tensor;

/**
 * Whether operations on this thread record the autograd graph. Recording is on by default; a
 * no-grad scope turns it off until closed, for evaluation and for optimizer updates:
 *
 * <pre>{@code
 * try (var scope = GradMode.noGrad()) {
 *     Tensor prediction = model.forward(x);   // no graph is kept
 * }
 * }</pre>
 *
 * Scopes nest; closing one restores the mode that was in force when it opened.
 */
public final class GradMode {
    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    private GradMode() {
    }

    /** True when operations on this thread record the graph. */
    public static boolean isEnabled() {
        return ENABLED.get();
    }

    /** Turns recording off on this thread until the returned scope is closed. */
    public static Scope noGrad() {
        return new Scope(false);
    }

    /** Turns recording on inside an enclosing no-grad scope, until the returned scope is closed. */
    public static Scope enableGrad() {
        return new Scope(true);
    }

    /** A region with a fixed grad mode; close it (try-with-resources) to restore the previous mode. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private Scope(boolean enabled) {
            previous = ENABLED.get();
            ENABLED.set(enabled);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                ENABLED.set(previous);
            }
        }
    }
}
