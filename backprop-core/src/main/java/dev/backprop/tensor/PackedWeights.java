package dev.backprop.tensor;

import dev.backprop.backend.Backend;
import dev.backprop.backend.PackedMatrix;
import java.lang.ref.SoftReference;

/**
 * A dense layer's weight laid out once by the backend ({@link Backend#pack}) for products run
 * without a graph: inference, where the same weights multiply every request or sentence. A plain
 * product reads a weight through its strides on every call, and with a few rows of input (one
 * sentence, one image) that strided read, not the arithmetic, is the cost: an all-MiniLM-L6-v2 FFN
 * weight [384, 1536] times 7 rows took 568 us read in place and 244 us packed (2 threads, Intel
 * Xeon, 2026-12-03), and the packed product stayed ahead up to 256 rows.
 *
 * <p>The packed copy hangs off the weight's {@link Storage} with the storage's version at packing
 * time; every in-place write bumps that version, so an optimizer step, a loaded checkpoint or any
 * other change makes the next lookup pack afresh instead of using stale values. A weight is packed
 * on its second product at the same version, so a matrix used once (a fresh tensor passed to
 * {@code linear}) never pays for a copy it would not reuse. The copy is held softly: under memory
 * pressure the collector may drop it, and the next lookup packs again.
 */
final class PackedWeights {
    /** Rows of input up to which a packed weight is used (the measurement above: faster up to here). */
    static final int MAX_ROWS = 256;

    private PackedWeights() {
    }

    /**
     * What a storage knows of its packing: the matrix it describes ({@code B(p, j) = data[offset + p
     * rowStride + j colStride]}, {@code [rows, columns]}), the backend and the storage version, and the
     * packed copy once made (null after the first sighting).
     */
    record Entry(Backend backend, int offset, int rowStride, int colStride, int rows, int columns, int version,
                 SoftReference<PackedMatrix> packed) {
        boolean describes(Backend b, int off, int rs, int cs, int k, int n, int v) {
            return backend == b && offset == off && rowStride == rs && colStride == cs && rows == k && columns == n
                    && version == v;
        }
    }

    /**
     * The packed form of B {@code [k, n]} read from {@code storage} through the given strides, when
     * it was seen before at the current version; null the first time (the caller multiplies in place).
     */
    static PackedMatrix lookup(Storage storage, Backend backend, int offset, int rowStride, int colStride, int k,
                               int n) {
        int version = storage.version();
        Entry e = storage.packed;
        if (e != null && e.describes(backend, offset, rowStride, colStride, k, n, version)) {
            PackedMatrix packed = e.packed() == null ? null : e.packed().get();
            if (packed == null) {
                packed = backend.pack(k, n, storage.data(), offset, rowStride, colStride);
                storage.packed = new Entry(backend, offset, rowStride, colStride, k, n, version,
                        new SoftReference<>(packed));
            }
            return packed;
        }
        storage.packed = new Entry(backend, offset, rowStride, colStride, k, n, version, null);
        return null;
    }
}
