package dev.backprop.cpu;

/**
 * Which matrix products skip the zeros of a mostly-zero operand (as a layer's input of MNIST pixels or a bag of words
 * is; {@link SparseSgemm} says how mostly): {@link CpuBackend#skipZeros}, or {@code -Dbackprop.gemm.sparse=on},
 * {@code in-place} or {@code off} for the whole process. Unset, {@link #ALL} except on the CPUs whose dense products
 * run the 12-row register tile (Intel's with two 512-bit FMA pipes), where it is {@link #IN_PLACE}. Skipped or not, a
 * product sums the same terms: bit for bit the same sums where the dense product is read in place, the same up to
 * rounding order where it is packed; only an infinity or NaN in the other operand facing only zeros makes NaN in a
 * dense product and not here.
 */
public enum ZeroSkipping {
    /** Every product dense. */
    OFF,
    /**
     * Only the products whose dense operand is read in place and whose result is stored as it is: a layer's forward
     * {@code x W^T} and weight gradient {@code x^T dy} where its weight is stored input-major (the first layer of
     * an MLP), and a forward against a weight packed for inference, whatever its order ({@link
     * CpuBackend#gemmPacked}). Not those that must first copy W^T's columns out as rows, nor a weight gradient
     * {@code dy^T x} stored transposed: on an Intel Xeon with two 512-bit FMA pipes (2026-12-06) those cost more than
     * the terms they skip (the time-to-99% command 6.25-6.58 s dense against 6.53-6.74; a bag of words' steady rate
     * 40.3k examples/s against 32.4-33.5k), while the MNIST MLP's epoch with its first layer stored input-major took
     * 0.452-0.478 s against 0.477-0.505 dense and the bag of words ran at 52.2-53.8k examples/s against 37.9-46.8k
     * (2026-12-07).
     */
    IN_PLACE,
    /** Every product that qualifies, copying W^T's columns or storing tiles transposed where it must. */
    ALL;

    /** What {@code -Dbackprop.gemm.sparse} asks for; unset, the given default. */
    static ZeroSkipping fromProperty(ZeroSkipping unset) {
        String p = System.getProperty("backprop.gemm.sparse");
        if (p == null) {
            return unset;
        }
        return switch (p) {
            case "on" -> ALL;
            case "in-place" -> IN_PLACE;
            case "off" -> OFF;
            default -> throw new IllegalArgumentException("-Dbackprop.gemm.sparse=" + p + ": give on (products skip"
                    + " the zeros of a mostly-zero operand), in-place (only those that need no copy of the other"
                    + " operand and no transposed store) or off, or leave it unset (" + unset.property()
                    + " on this CPU)");
        };
    }

    /** The value of {@code -Dbackprop.gemm.sparse} that asks for this. */
    public String property() {
        return switch (this) {
            case OFF -> "off";
            case IN_PLACE -> "in-place";
            case ALL -> "on";
        };
    }
}
