package dev.backprop.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.backprop.backend.Backends;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A mini-batch picked from a data set held as floats is copied in parts on the cpu backend's threads: every row
 * of the batch is the row picked, repeats and the first and last rows included, from a view that starts
 * inside its array.
 */
class CpuIndexingTest {
    @Test
    void batchOfRowsPickedAcrossTheWorkers() {
        assertEquals("cpu", Backends.active().name());
        int rows = 1000;
        int cols = 784;
        SplittableRandom random = new SplittableRandom(3);
        float[] values = new float[(rows + 7) * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble();
        }
        Tensor data = Tensor.of(values).reshape(rows + 7, cols).narrow(0, 7, rows);   // rows 7 .. 1006 of the array
        int[] picks = new int[129];
        float[] index = new float[picks.length];
        for (int i = 0; i < picks.length; i++) {
            picks[i] = i == 0 ? rows - 1 : i == 1 ? 0 : i == 2 ? picks[i - 1] : random.nextInt(rows);
            index[i] = picks[i];
        }
        float[] batch = data.indexSelect(0, Tensor.of(index)).toFloatArray();
        assertEquals(picks.length * cols, batch.length);
        for (int i = 0; i < picks.length; i++) {
            int from = (7 + picks[i]) * cols;
            assertArrayEquals(Arrays.copyOfRange(values, from, from + cols), Arrays.copyOfRange(batch, i * cols, (i + 1) * cols),
                    "row " + i + " of the batch (row " + picks[i] + " of the data)");
        }
    }
}
