package dev.backprop.tensor;

/**
 * The settings of a 2-D convolution, as PyTorch's {@code conv2d} arguments: stride, zero padding
 * and dilation per spatial axis, and the number of groups (input and output channels are split
 * into {@code groups} independent convolutions).
 */
public record Conv2dSpec(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {
    /** Stride 1, no padding, no dilation, one group. */
    public static final Conv2dSpec DEFAULT = new Conv2dSpec(1, 1, 0, 0, 1, 1, 1);

    public Conv2dSpec {
        if (strideH <= 0 || strideW <= 0 || dilationH <= 0 || dilationW <= 0 || groups <= 0 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d: stride, dilation and groups must be positive and padding >= 0,"
                    + " got stride " + strideH + "x" + strideW + ", padding " + padH + "x" + padW + ", dilation "
                    + dilationH + "x" + dilationW + ", groups " + groups);
        }
    }

    /** The same value on both axes. */
    public static Conv2dSpec of(int stride, int padding, int dilation, int groups) {
        return new Conv2dSpec(stride, stride, padding, padding, dilation, dilation, groups);
    }

    /** Output size along one axis for input size {@code in} and kernel size {@code k}. */
    static int outSize(int in, int k, int stride, int pad, int dilation) {
        return (in + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
    }
}
