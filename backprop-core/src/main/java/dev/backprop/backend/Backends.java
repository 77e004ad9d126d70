package dev.backprop.backend;

import dev.backprop.backend.reference.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Chooses the backend that runs every tensor operation in this JVM, once, at class load: the one
 * the system property {@code backprop.backend} names ({@code reference} for the plain loops,
 * {@code cpu} for the SIMD and multi-core kernels of the backprop-cpu module), or else the first
 * backend registered as a {@link ServiceLoader} service, or else the reference loops. The choice is
 * fixed for the life of the process so that results never depend on call order.
 */
public final class Backends {
    private static final Backend ACTIVE = choose(System.getProperty("backprop.backend"));

    private Backends() {
    }

    /** The backend in use. */
    public static Backend active() {
        return ACTIVE;
    }

    private static Backend choose(String name) {
        List<Backend> available = new ArrayList<>();
        ServiceLoader.load(Backend.class).forEach(available::add);
        available.add(new ReferenceBackend());
        if (name == null || name.isBlank()) {
            return available.get(0);
        }
        for (Backend b : available) {
            if (b.name().equals(name.trim())) {
                return b;
            }
        }
        throw new IllegalArgumentException("backprop.backend: unknown backend '" + name + "'; available: "
                + available.stream().map(Backend::name).toList());
    }
}
