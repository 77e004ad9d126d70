package dev.backprop.tensor;

/**
 * An explicit, seeded source of random numbers: the same seed gives the same numbers on every
 * run and every machine. The algorithm is SplitMix64 (Steele, Lea and Flood 2014), written out
 * here so that its whole state can be saved in a checkpoint and restored; it draws exactly the
 * numbers {@link java.util.SplittableRandom} draws from the same seed (a test checks that). Pass
 * one to every operation that draws random values; there is no hidden global generator.
 *
 * <pre>{@code
 * Generator g = new Generator(42);
 * Tensor w = Tensor.randn(g, 3, 4);
 * }</pre>
 */
public final class Generator {
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    private long seed;
    private double spareGaussian = Double.NaN;

    public Generator(long seed) {
        this.seed = seed;
    }

    /** Everything a generator remembers: restoring it continues the same sequence. */
    public record State(long seed, double spareGaussian) {
    }

    /** A snapshot of this generator, for checkpoints. */
    public State state() {
        return new State(seed, spareGaussian);
    }

    /** Continues from a snapshot taken by {@link #state()}. */
    public void restore(State state) {
        this.seed = state.seed();
        this.spareGaussian = state.spareGaussian();
    }

    private long nextSeed() {
        return seed += GOLDEN_GAMMA;
    }

    /** Uniform in {@code [0, 1)}. */
    public float nextFloat() {
        return (float) nextDouble();
    }

    /** Uniform in {@code [0, 1)} with double resolution. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform integer in {@code [low, high)}, by rejection so that no value is favoured. */
    public int nextInt(int low, int high) {
        if (low >= high) {
            throw new IllegalArgumentException("randint: empty range [" + low + ", " + high + ")");
        }
        int r = nextInt();
        int n = high - low;
        int m = n - 1;
        if ((n & m) == 0) {
            return (r & m) + low;
        }
        if (n > 0) {
            for (int u = r >>> 1; u + m - (r = u % n) < 0; u = nextInt() >>> 1) {
                // rejected: u fell in the incomplete last block of n values
            }
            return r + low;
        }
        while (r < low || r >= high) {   // the range is wider than Integer.MAX_VALUE
            r = nextInt();
        }
        return r;
    }

    private int nextInt() {
        long z = nextSeed();
        z = (z ^ (z >>> 33)) * 0x62a9d9ed799705f5L;
        return (int) (((z ^ (z >>> 28)) * 0xcb24d0a5c88c35b3L) >>> 32);
    }

    /** Uniform long; used to derive independent child seeds. */
    public long nextLong() {
        long z = nextSeed();
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
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
        double u1 = 1.0 - nextDouble();  // in (0, 1], so log is finite
        double u2 = nextDouble();
        double r = Math.sqrt(-2.0 * Math.log(u1));
        spareGaussian = r * Math.sin(2 * Math.PI * u2);
        return r * Math.cos(2 * Math.PI * u2);
    }
}
