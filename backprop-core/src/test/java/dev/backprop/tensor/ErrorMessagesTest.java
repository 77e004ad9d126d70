package dev.backprop.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input fails with a message naming the op and the shapes, never a bare index exception. */
class ErrorMessagesTest {

    private static String message(Class<? extends Throwable> type, Executable call) {
        return assertThrows(type, call).getMessage();
    }

    @Test
    void matmulNamesBothShapes() {
        assertEquals("matmul: [3, 4] x [5, 6]: inner dimensions 4 and 5 differ",
                message(ShapeException.class, () -> Tensor.zeros(3, 4).matmul(Tensor.zeros(5, 6))));
        assertTrue(message(ShapeException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(3, 4, 5)))
                .contains("matmul: shapes [2] and [3] cannot be broadcast"));
    }

    @Test
    void broadcastNamesTheOp() {
        String m = message(ShapeException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
        assertTrue(m.startsWith("add: shapes [2, 3] and [4] cannot be broadcast"), m);
    }

    @Test
    void badAxes() {
        String m = message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).sum(2, false));
        assertEquals("sum: dimension 2 is out of range for shape [2, 3] (expected a value in [-2, 1])", m);
        assertTrue(message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).softmax(-3)).startsWith("softmax:"));
        assertTrue(message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).permute(0, 0)).contains("twice"));
        assertTrue(message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).transpose(0, 5)).startsWith("transpose:"));
    }

    @Test
    void badReshape() {
        assertEquals("reshape: shape [4, 2] holds 8 elements, but the tensor of shape [2, 3] has 6",
                message(ShapeException.class, () -> Tensor.zeros(2, 3).reshape(4, 2)));
        assertTrue(message(ShapeException.class, () -> Tensor.zeros(2, 3).reshape(4, -1)).contains("invalid"));
        assertTrue(message(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).reshape(-1, -1)).contains("only one"));
        assertTrue(message(ShapeException.class, () -> Tensor.zeros(2, 3).t().view(6)).contains("use reshape()"));
    }

    @Test
    void badIndices() {
        Tensor x = Tensor.zeros(2, 3);
        assertTrue(message(IndexOutOfBoundsException.class, () -> x.gather(1, Tensor.of(new float[][] {{3}, {0}})))
                .contains("gather: index 3 at flat position 0 is out of range for dimension 1 of size 3"));
        assertTrue(message(IllegalArgumentException.class, () -> x.indexSelect(0, Tensor.of(0.5f))).contains("whole number"));
        assertTrue(message(IndexOutOfBoundsException.class, () -> x.narrow(1, 2, 2)).startsWith("narrow:"));
        assertTrue(message(IndexOutOfBoundsException.class, () -> x.select(0, 2)).startsWith("select:"));
        assertTrue(message(IndexOutOfBoundsException.class, () -> x.get(0, 3)).startsWith("get:"));
        assertTrue(message(ShapeException.class, () -> x.item()).startsWith("item:"));
    }

    @Test
    void badJoinsAndExpands() {
        assertTrue(message(ShapeException.class, () -> Tensor.cat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4)))
                .contains("cat: tensor 1 has shape [2, 4] but tensor 0 has [2, 3]"));
        assertTrue(message(ShapeException.class, () -> Tensor.zeros(2, 3).expand(4, 3)).startsWith("expand:"));
        assertTrue(message(ShapeException.class, () -> Tensor.zeros(2, 3).squeeze(0)).startsWith("squeeze:"));
        assertTrue(message(ShapeException.class, () -> Tensor.fromArray(new float[5], 2, 3)).startsWith("fromArray:"));
        assertTrue(message(IllegalArgumentException.class, () -> Shape.of(2, -1)).contains("negative size"));
    }

    @Test
    void inPlaceOnAnExpandedViewIsRefused() {
        Tensor e = Tensor.zeros(1, 3).expand(4, 3);
        assertTrue(message(IllegalArgumentException.class, () -> e.fillInPlace(1f)).contains("expanded view"));
    }

    @Test
    void convolutionsThatDoNotFit() {
        Tensor x = Tensor.zeros(1, 3, 5, 5);
        assertTrue(message(ShapeException.class, () -> x.conv2d(Tensor.zeros(4, 2, 3, 3), null, Conv2dSpec.DEFAULT))
                .contains("conv2d: input of shape [1, 3, 5, 5] has 3 channels, but weight [4, 2, 3, 3] expects 2"));
        assertTrue(message(ShapeException.class, () -> x.conv2d(Tensor.zeros(4, 1, 3, 3), null, Conv2dSpec.of(1, 0, 1, 2)))
                .contains("groups 2 must divide the input channels 3"));
        assertTrue(message(ShapeException.class, () -> x.conv2d(Tensor.zeros(4, 3, 7, 7), null, Conv2dSpec.DEFAULT))
                .contains("kernel 7x7 (dilation 1x1) is larger than the padded input 5x5"));
        assertTrue(message(ShapeException.class, () -> Tensor.zeros(3, 5, 5).maxPool2d(2, 2, 0))
                .contains("maxPool2d: input must be [N, C, H, W]"));
    }
}
