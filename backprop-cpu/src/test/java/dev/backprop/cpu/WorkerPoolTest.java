package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The pool's regions: each part runs once and a region returns only when all its parts are done, also when a worker's
 * part outlasts the calling thread's spin and the caller parks to wait for it; a part's failure reaches the caller;
 * a region inside a part runs inline.
 */
class WorkerPoolTest {
    @Test
    void everyPartRunsOnceBeforeTheRegionReturns() {
        for (int round = 0; round < 20; round++) {
            int parts = 2 + round % 5;
            AtomicIntegerArray runs = new AtomicIntegerArray(parts);
            AtomicInteger running = new AtomicInteger();
            int slow = round % parts;
            int pause = round % 3 == 0 ? 3 : 0;
            WorkerPool.run(parts, i -> {
                running.incrementAndGet();
                if (i == slow) {
                    // Longer than the caller's spin: it parks, and the part's end must wake it.
                    sleep(pause);
                }
                runs.incrementAndGet(i);
                running.decrementAndGet();
            });
            assertEquals(0, running.get(), "a part still running after its region returned (round " + round + ")");
            int[] counts = new int[parts];
            for (int i = 0; i < parts; i++) {
                counts[i] = runs.get(i);
            }
            int[] once = new int[parts];
            java.util.Arrays.fill(once, 1);
            assertArrayEquals(once, counts, "each part once (round " + round + ")");
        }
    }

    @Test
    void aFailingPartReachesTheCaller() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> WorkerPool.run(4, i -> {
            if (i == 3) {
                sleep(2);
                throw new IllegalStateException("part 3 failed");
            }
        }));
        assertEquals("part 3 failed", e.getMessage());
    }

    @Test
    void aRegionInsideAPartRunsInline() {
        AtomicInteger inner = new AtomicInteger();
        WorkerPool.run(2, i -> WorkerPool.run(3, j -> inner.incrementAndGet()));
        assertEquals(6, inner.get());
    }

    private static void sleep(int millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
