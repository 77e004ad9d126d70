package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The meter counts what the steps after the skipped ones allocate, per step. */
class AllocationMeterTest {
    private static volatile float[] sink;

    @Test
    void countsTheBytesOfTheStepsAfterTheSkippedOnes() {
        AllocationMeter meter = new AllocationMeter(2);
        for (int step = 1; step <= 6; step++) {
            // The skipped steps allocate 8 MB each, the counted ones 1 MB (plus the meter's own few bytes).
            sink = new float[step <= 2 ? 2 << 20 : 1 << 18];
            meter.onBatchEnd(1, step, 0.0, step);
        }
        meter.onTrainEnd(null);
        double perStep = meter.bytesPerStep();
        assertTrue(perStep >= 1 << 20 && perStep < 1.1 * (1 << 20), "about 1 MB a step after the second: " + perStep);
    }

    @Test
    void aRunNoLongerThanTheSkippedStepsCountsNothing() {
        AllocationMeter meter = new AllocationMeter(5);
        for (int step = 1; step <= 5; step++) {
            meter.onBatchEnd(1, step, 0.0, step);
        }
        meter.onTrainEnd(null);
        assertEquals(Double.NaN, meter.bytesPerStep());
    }
}
