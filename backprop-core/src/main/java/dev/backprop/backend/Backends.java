package dev.backprop.backend;

import dev.backprop.backend.reference.ReferenceBackend;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Chooses the backend that runs every tensor operation in this JVM, once, at class load: the one
 * the system property {@code backprop.backend} names ({@code reference} for the plain loops,
 * {@code cpu} for the SIMD and multi-core kernels of the backprop-cpu module), or else the first
 * backend registered as a {@link ServiceLoader} service, or else the reference loops. A registered
 * backend this JVM cannot run (the cpu backend without {@code --add-modules jdk.incubator.vector}) is
 * passed over with one warning that says why (through {@code System.Logger} "dev.backprop"); asked
 * for by name, it is an error that says the same. The choice is fixed for the life of the process so
 * that results never depend on call order.
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
        List<String> unusable = new ArrayList<>();
        Iterator<Backend> providers = ServiceLoader.load(Backend.class).iterator();
        while (true) {
            try {
                if (!providers.hasNext()) {
                    break;
                }
                available.add(providers.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // A backend this JVM cannot run (the cpu one without the Vector API module): say why, once.
                unusable.add(reason(e));
            }
        }
        available.add(new ReferenceBackend());
        boolean asked = name != null && !name.isBlank();
        if (!asked) {
            if (!unusable.isEmpty()) {
                System.getLogger("dev.backprop").log(System.Logger.Level.WARNING, "backprop: using the reference"
                        + " backend (plain loops, much slower): " + String.join("; ", unusable));
            }
            return available.get(0);
        }
        for (Backend b : available) {
            if (b.name().equals(name.trim())) {
                return b;
            }
        }
        throw new IllegalArgumentException("backprop.backend: backend '" + name + "' is not available here; available: "
                + available.stream().map(Backend::name).toList()
                + (unusable.isEmpty() ? "" : "; not usable in this JVM: " + String.join("; ", unusable)));
    }

    /** The innermost message of a provider's failure: what the backend itself said. */
    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof NoClassDefFoundError ? "a backend could not load " + t.getMessage()
                + " (for the cpu backend: add the JVM option --add-modules jdk.incubator.vector)" : t.getMessage();
    }
}
