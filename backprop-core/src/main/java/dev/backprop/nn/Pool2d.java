package dev.backprop.nn;

import dev.backprop.tensor.Tensor;

/**
 * 2-D pooling layers over {@code [N, C, H, W]}: {@link #max}, {@link #avg} and
 * {@link #adaptiveAvg}, as PyTorch's {@code MaxPool2d}, {@code AvgPool2d} and
 * {@code AdaptiveAvgPool2d}. They have no parameters.
 */
public final class Pool2d extends Module {
    private enum Kind { MAX, AVG, ADAPTIVE_AVG }

    private final Kind kind;
    private final int a;
    private final int b;
    private final int padding;

    private Pool2d(Kind kind, int a, int b, int padding) {
        this.kind = kind;
        this.a = a;
        this.b = b;
        this.padding = padding;
    }

    /** Max over {@code kernel x kernel} windows moved by {@code stride}; padding never wins. */
    public static Pool2d max(int kernel, int stride, int padding) {
        return new Pool2d(Kind.MAX, kernel, stride, padding);
    }

    /** Max pooling with stride equal to the kernel, no padding. */
    public static Pool2d max(int kernel) {
        return max(kernel, kernel, 0);
    }

    /** Average over windows, padding counted as zeros. */
    public static Pool2d avg(int kernel, int stride, int padding) {
        return new Pool2d(Kind.AVG, kernel, stride, padding);
    }

    /** Average pooling to an {@code outH x outW} output whatever the input size (1 x 1: global average). */
    public static Pool2d adaptiveAvg(int outH, int outW) {
        return new Pool2d(Kind.ADAPTIVE_AVG, outH, outW, 0);
    }

    @Override
    public Tensor forward(Tensor input) {
        return switch (kind) {
            case MAX -> input.maxPool2d(a, b, padding);
            case AVG -> input.avgPool2d(a, b, padding);
            case ADAPTIVE_AVG -> input.adaptiveAvgPool2d(a, b);
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case MAX -> "MaxPool2d(" + a + ", stride " + b + (padding > 0 ? ", pad " + padding : "") + ")";
            case AVG -> "AvgPool2d(" + a + ", stride " + b + (padding > 0 ? ", pad " + padding : "") + ")";
            case ADAPTIVE_AVG -> "AdaptiveAvgPool2d(" + a + "x" + b + ")";
        };
    }
}
