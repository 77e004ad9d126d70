package dev.backprop.backend;

import dev.backprop.backend.reference.ReferenceBackend;

/**
 * Chooses the backend that runs every tensor operation in this JVM, once, at class load: the
 * system property {@code backprop.backend} ({@code reference} is the only one so far) or the
 * fastest available. The choice is fixed for the life of the process so that results never
 * depend on call order.
 */
public final class Backends {
    private static final Backend ACTIVE = choose(System.getProperty("backprop.backend", "reference"));

    private Backends() {
    }

    /** The backend in use. */
    public static Backend active() {
        return ACTIVE;
    }

    private static Backend choose(String name) {
        if (name.equals("reference")) {
            return new ReferenceBackend();
        }
        throw new IllegalArgumentException("backprop.backend: unknown backend '" + name
                + "'; available: reference");
    }
}
