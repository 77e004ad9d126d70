package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    @Test
    void drawsExactlyWhatSplittableRandomDrawsFromTheSameSeed() {
        int[][] ranges = {{0, 10}, {-5, 5}, {0, 1 << 20}, {0, 54000}, {3, 4}, {0, 1 << 30}, {-2, Integer.MAX_VALUE},
                {Integer.MIN_VALUE, Integer.MAX_VALUE}, {0, 7}, {-1_000_000_007, 1_000_000_007}};
        for (long seed : new long[] {0, 1, 42, -7, Long.MAX_VALUE}) {
            Generator g = new Generator(seed);
            SplittableRandom jdk = new SplittableRandom(seed);
            for (int i = 0; i < 20_000; i++) {
                switch (i % 4) {
                    case 0 -> assertEquals(jdk.nextLong(), g.nextLong(), "nextLong, seed " + seed);
                    case 1 -> assertEquals(jdk.nextDouble(), g.nextDouble(), "nextDouble, seed " + seed);
                    default -> {
                        int[] r = ranges[i % ranges.length];
                        assertEquals(jdk.nextInt(r[0], r[1]), g.nextInt(r[0], r[1]), "nextInt" + java.util.Arrays.toString(r));
                    }
                }
            }
        }
    }

    @Test
    void aRestoredStateContinuesTheSameSequenceIncludingTheSpareGaussian() {
        Generator g = new Generator(9);
        g.nextGaussian();   // leaves a spare normal value behind
        Generator.State saved = g.state();
        double[] expected = {g.nextGaussian(), g.nextDouble(), g.nextInt(0, 100), g.nextGaussian()};
        Generator other = new Generator(12345);
        other.restore(saved);
        double[] actual = {other.nextGaussian(), other.nextDouble(), other.nextInt(0, 100), other.nextGaussian()};
        assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(actual));
    }
}
