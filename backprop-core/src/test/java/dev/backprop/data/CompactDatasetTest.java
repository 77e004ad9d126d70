package dev.backprop.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Shape;
import dev.backprop.tensor.StepMemory;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Evaluator;
import dev.backprop.train.LossFunction;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Images kept as bytes ({@link Dataset#ofBytes}) read exactly as the same images divided into floats
 * up front: batches, splits, subsets, evaluation.
 */
class CompactDatasetTest {
    private static final int N = 37;
    private static final int[] EXAMPLE = {1, 3, 4};

    /** The same random pixels twice: as bytes, and as floats divided by 255 the way MNIST used to be. */
    private static Dataset[] bytesAndFloats() {
        Generator g = new Generator(7);
        byte[] pixels = new byte[N * 12];
        float[] floats = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            int v = g.nextInt(0, 256);
            pixels[i] = (byte) v;
            floats[i] = v;
            floats[i] /= 255f;
        }
        float[] labels = new float[N];
        for (int i = 0; i < N; i++) {
            labels[i] = i % 3;
        }
        List<String> classes = List.of("a", "b", "c");
        Dataset compact = Dataset.ofBytes("d", pixels, EXAMPLE, 255f, Tensor.fromArray(labels, N), classes);
        Dataset dense = new Dataset("d", Tensor.fromArray(floats, N, 1, 3, 4), Tensor.fromArray(labels.clone(), N), classes);
        return new Dataset[] {compact, dense};
    }

    @Test
    void bytesReadAsTheirFloatsDividedUpFront() {
        Dataset[] d = bytesAndFloats();
        Dataset compact = d[0];
        Dataset dense = d[1];
        assertTrue(compact.isCompact());
        assertFalse(dense.isCompact());
        assertEquals(Shape.of(N, 1, 3, 4), compact.featureShape());
        assertEquals(12, compact.featureCount());
        assertArrayEquals(dense.features().toFloatArray(), compact.features().toFloatArray());
        int[] rows = {36, 0, 5, 5};
        assertArrayEquals(dense.rows(rows).toFloatArray(), compact.rows(rows).toFloatArray());
        assertEquals(Shape.of(4, 1, 3, 4), compact.rows(rows).shape());
        assertArrayEquals(dense.range(10, 7).toFloatArray(), compact.range(10, 7).toFloatArray());
        Dataset flat = compact.flattened();
        assertEquals(Shape.of(N, 12), flat.featureShape());
        assertArrayEquals(dense.features().toFloatArray(), flat.features().toFloatArray());
        assertTrue(compact.toString().contains("as bytes"), compact.toString());
    }

    @Test
    void splitsAndSubsetsShareTheBytesAndKeepTheOrder() {
        Dataset[] d = bytesAndFloats();
        Dataset.Split c = d[0].split(0.25, new Generator(3));
        Dataset.Split f = d[1].split(0.25, new Generator(3));
        assertTrue(c.train().isCompact() && c.test().isCompact());
        assertArrayEquals(f.train().features().toFloatArray(), c.train().features().toFloatArray());
        assertArrayEquals(f.test().features().toFloatArray(), c.test().features().toFloatArray());
        assertArrayEquals(f.train().targets().toFloatArray(), c.train().targets().toFloatArray());
        // A subset of a subset maps back to the right rows of the shared bytes.
        int[] pick = {2, 0, c.test().size() - 1};
        assertArrayEquals(f.test().subset(pick).features().toFloatArray(), c.test().subset(pick).features().toFloatArray());
        assertThrows(IndexOutOfBoundsException.class, () -> c.test().subset(new int[] {c.test().size()}));
        assertTrue(assertThrows(IndexOutOfBoundsException.class, () -> c.test().rows(new int[] {-1})).getMessage()
                .contains("example -1 of a set of " + c.test().size()));
        assertThrows(IndexOutOfBoundsException.class, () -> c.test().range(c.test().size() - 1, 2));
    }

    @Test
    void shuffledBatchesAndEvaluationMatchTheFloatDataset() {
        Dataset[] d = bytesAndFloats();
        Iterator<Batch> fromBytes = new DataLoader(d[0], 8, true, false, new Generator(11)).iterator();
        Iterator<Batch> fromFloats = new DataLoader(d[1], 8, true, false, new Generator(11)).iterator();
        int batches = 0;
        while (fromFloats.hasNext()) {
            Batch a = fromBytes.next();
            Batch b = fromFloats.next();
            assertArrayEquals(b.inputs().toFloatArray(), a.inputs().toFloatArray());
            assertArrayEquals(b.inputs().shape().dims(), a.inputs().shape().dims());
            assertArrayEquals(b.targets().toFloatArray(), a.targets().toFloatArray());
            batches++;
        }
        assertFalse(fromBytes.hasNext());
        assertEquals(5, batches);

        Module model = new Flat(new Linear(12, 3, new Generator(1)));
        Evaluator evaluator = new Evaluator(model, LossFunction.crossEntropy());
        assertArrayEquals(evaluator.predict(d[1].features(), 10).toFloatArray(), evaluator.predict(d[0], 10).toFloatArray());
        assertEquals(evaluator.evaluate(d[1], 10).classification().accuracy(),
                evaluator.evaluate(d[0], 10).classification().accuracy());
    }

    @Test
    void badSizesAreRefused() {
        Tensor labels = Tensor.zeros(2);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Dataset.ofBytes("d", new byte[23], EXAMPLE, 255f, labels, List.of("a")))
                .getMessage().contains("23 bytes are not a whole number of examples of [1, 3, 4]"));
        assertTrue(assertThrows(RuntimeException.class,
                () -> Dataset.ofBytes("d", new byte[36], EXAMPLE, 255f, labels, List.of("a")))
                .getMessage().contains("number of examples"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Dataset.ofBytes("d", new byte[24], EXAMPLE, 0f, labels, List.of("a")))
                .getMessage().contains("divisor"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Dataset.ofBytes("d", new byte[0], new int[] {1, 0, 4}, 255f, Tensor.zeros(0), List.of("a")))
                .getMessage().contains("examples of shape [1, 0, 4] have no values"));
    }

    @Test
    void batchesDecodedInsideAStepTakeTheStepsBuffersAndDieWithIt() {
        Dataset[] d = bytesAndFloats();
        // 24 examples of 12 values: 288 floats, a buffer the memory pools; one batch a pass (the last one dropped).
        DataLoader compact = new DataLoader(d[0], 24, true, true, new Generator(5));
        DataLoader dense = new DataLoader(d[1], 24, true, true, new Generator(5));
        StepMemory memory = new StepMemory();
        long afterFirst = -1;
        Tensor kept = null;
        for (int pass = 0; pass < 3; pass++) {
            Iterator<Batch> c = compact.iterator();
            Iterator<Batch> f = dense.iterator();
            try (StepMemory.Scope step = memory.open()) {
                Batch batch = c.next();
                assertArrayEquals(f.next().inputs().toFloatArray(), batch.inputs().toFloatArray(), "pass " + pass);
                kept = batch.inputs();
            }
            if (afterFirst < 0) {
                afterFirst = memory.allocatedBytes();
                assertTrue(afterFirst >= 4L * 288, "the first step allocated the batch: " + afterFirst);
            } else {
                assertEquals(afterFirst, memory.allocatedBytes(), "pass " + pass + " decoded into the first step's buffer");
            }
        }
        Tensor dead = kept;
        assertTrue(assertThrows(IllegalStateException.class, dead::toFloatArray).getMessage().contains("StepMemory"));
        // Outside any step a batch is an ordinary tensor of its own, with the same values as the floats'.
        Batch outside = new DataLoader(d[0], 24, true, true, new Generator(6)).iterator().next();
        Batch dense2 = new DataLoader(d[1], 24, true, true, new Generator(6)).iterator().next();
        assertArrayEquals(dense2.inputs().toFloatArray(), outside.inputs().toFloatArray());
    }

    @Test
    void mnistIsKeptAsBytes() throws IOException {
        PreparedData p = NamedDatasets.load(NamedDataset.MNIST, DatasetLocator.standard(SharedData.datasets(), false));
        assertTrue(p.train().isCompact());
        assertEquals(Shape.of(60_000, 1, 28, 28), p.train().featureShape());
        IdxReader.IdxArray raw = IdxReader.read(SharedData.datasets().resolve("mnist/train-images-idx3-ubyte.gz"));
        float[] first = p.train().rows(new int[] {0}).toFloatArray();
        for (int i = 0; i < 784; i++) {
            assertEquals((raw.data()[i] & 0xff) / 255f, first[i]);
        }
    }

    /** Flattens images before a linear layer. */
    private static final class Flat extends Module {
        private final Linear linear;

        Flat(Linear linear) {
            this.linear = registerModule("linear", linear);
        }

        @Override
        public Tensor forward(Tensor x) {
            return linear.forward(x.reshape(x.size(0), -1));
        }
    }
}
