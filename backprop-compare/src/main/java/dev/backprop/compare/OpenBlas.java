package dev.backprop.compare;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Debian's OpenBLAS ({@code libopenblas0-pthread}) called through the FFM API: {@code cblas_sgemm} on
 * heap arrays, passed without a copy ({@code Linker.Option.critical}). Its AVX-512 kernels run only when
 * {@code OPENBLAS_CORETYPE} and {@code OPENBLAS_L2_SIZE} are unset (our machines set the first to
 * Haswell); {@link #coreType} says which it chose.
 */
final class OpenBlas {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    static final Path LIBRARY = Path.of("/usr/lib/x86_64-linux-gnu/libopenblas.so.0");

    private final MethodHandle sgemm;
    private final MethodHandle setThreads;
    private final MethodHandle coreName;

    private OpenBlas(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        sgemm = linker.downcallHandle(find(lib, "cblas_sgemm"), FunctionDescriptor.ofVoid(i, i, i, i, i, i,
                ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, i, ValueLayout.ADDRESS, i, ValueLayout.JAVA_FLOAT,
                ValueLayout.ADDRESS, i), Linker.Option.critical(true));
        setThreads = linker.downcallHandle(find(lib, "openblas_set_num_threads"), FunctionDescriptor.ofVoid(i));
        coreName = linker.downcallHandle(find(lib, "openblas_get_corename"), FunctionDescriptor.of(ValueLayout.ADDRESS));
    }

    /** The library, or an exception saying what to install. */
    static OpenBlas load() {
        if (!Files.exists(LIBRARY)) {
            throw new IllegalStateException(LIBRARY + " is missing: apt-get install libopenblas0-pthread");
        }
        return new OpenBlas(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException(LIBRARY + " has no " + name));
    }

    void threads(int n) {
        try {
            setThreads.invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    /** The kernel family OpenBLAS picked for this CPU, e.g. "Cooperlake" (AVX-512) or "Haswell" (AVX2). */
    String coreType() {
        try {
            MemorySegment name = (MemorySegment) coreName.invokeExact();
            return name.reinterpret(64).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_get_corename failed", t);
        }
    }

    /**
     * {@code C = A B}, row-major, C {@code [m, n]}; {@code form} "NN", "NT" (B stored {@code [n, k]}) or
     * "TN" (A stored {@code [k, m]}), as in {@link GemmCompare}.
     */
    void gemm(String form, int m, int n, int k, float[] a, float[] b, float[] c) {
        boolean ta = form.charAt(0) == 'T';
        boolean tb = form.charAt(1) == 'T';
        try {
            sgemm.invokeExact(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, 1f,
                    MemorySegment.ofArray(a), ta ? m : k, MemorySegment.ofArray(b), tb ? k : n, 0f,
                    MemorySegment.ofArray(c), n);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }
}
