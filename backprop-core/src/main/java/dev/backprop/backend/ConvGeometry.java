package dev.backprop.backend;

/**
 * The shape of one 2-D convolution for the im2col kernels: a batch of {@code n} images of
 * {@code c} channels, {@code h x w}, a {@code kh x kw} kernel with stride, padding and dilation,
 * split into {@code groups}, giving {@code ho x wo} outputs.
 */
public record ConvGeometry(int n, int c, int h, int w, int kh, int kw, int ho, int wo,
                           int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {

    /** Input channels per group. */
    public int groupChannels() {
        return c / groups;
    }

    /** Rows of the column matrix: one per (channel of a group, kernel tap). */
    public int colRows() {
        return groupChannels() * kh * kw;
    }

    /** Output positions per image. */
    public int positions() {
        return ho * wo;
    }

    /** First output column whose input column {@code ow * stride + shift} is at least 0. */
    public int validFrom(int shift) {
        return shift >= 0 ? 0 : Math.min(wo, (-shift + strideW - 1) / strideW);
    }

    /** One past the last output column whose input column {@code ow * stride + shift} is below w. */
    public int validTo(int shift) {
        int last = w - 1 - shift;
        return last < 0 ? 0 : Math.min(wo, last / strideW + 1);
    }
}
