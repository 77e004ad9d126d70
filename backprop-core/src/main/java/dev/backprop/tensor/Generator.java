package dev.backprop.tensor;

import java.util.SplittableRandom;

/**
 * An explicit, seeded source of random numbers: the same seed gives the same numbers on every
 * run and every machine (SplitMix64, whose algorithm the JDK specifies). Pass one to every
 * operation that draws random values; there is no hidden global generator.
 *
 * <pre>{@code
 * Generator g = new Generator(42);
 * Tensor w = Tensor.randn(g, 3, 4);
 * }</pre>
 */
public final class Generator {
    private final SplittableRandom random;
    private double spareGaussian = Double.NaN;

    public Generator(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Uniform in {@code [0, 1)}. */
    public float nextFloat() {
        return (float) random.nextDouble();
    }

    /** Uniform in {@code [0, 1)} with double resolution. */
    public double nextDouble() {
        return random.nextDouble();
    }

    /** Uniform integer in {@code [low, high)}. */
    public int nextInt(int low, int high) {
        if (low >= high) {
            throw new IllegalArgumentException("randint: empty range [" + low + ", " + high + ")");
        }
        return random.nextInt(low, high);
    }

    /** Uniform long; used to derive independent child seeds. */
    public long nextLong() {
        return random.nextLong();
    }

    /**
     * Standard normal, by the Box-Muller transform written out here (not the JDK's
     * {@code nextGaussian}, whose algorithm may change between releases).
     */
    public double nextGaussian() {
        if (!Double.isNaN(spareGaussian)) {
            double g = spareGaussian;
            spareGaussian = Double.NaN;
            return g;
        }
        double u1 = 1.0 - random.nextDouble();  // in (0, 1], so log is finite
        double u2 = random.nextDouble();
        double r = Math.sqrt(-2.0 * Math.log(u1));
        spareGaussian = r * Math.sin(2 * Math.PI * u2);
        return r * Math.cos(2 * Math.PI * u2);
    }
}
