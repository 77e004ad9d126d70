package dev.backprop.nn.init;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;

/**
 * Weight initialisers with PyTorch's definitions ({@code torch.nn.init}), each drawing from an
 * explicit generator and writing into the given tensor in place. Fans: for a weight
 * {@code [out, in, k...]}, fan-in is {@code in * prod(k)} and fan-out {@code out * prod(k)}.
 * <ul>
 *   <li>Xavier/Glorot (Glorot and Bengio 2010): variance {@code 2 gain^2 / (fanIn + fanOut)}.</li>
 *   <li>Kaiming/He (He et al. 2015): variance {@code gain^2 / fan}, gain {@code sqrt(2 / (1 + a^2))}.</li>
 * </ul>
 */
public final class Init {
    private Init() {
    }

    /** Which fan Kaiming initialisation preserves: forward activations or backward gradients. */
    public enum FanMode { FAN_IN, FAN_OUT }

    public static Tensor xavierUniform(Tensor w, float gain, Generator g) {
        double bound = gain * Math.sqrt(6.0 / (fanIn(w) + fanOut(w)));
        return fill(w, uniform(g, w, bound));
    }

    public static Tensor xavierNormal(Tensor w, float gain, Generator g) {
        double std = gain * Math.sqrt(2.0 / (fanIn(w) + fanOut(w)));
        return fill(w, Tensor.randn(g, w.shape().dims()).mul((float) std));
    }

    /** He uniform for a ReLU-family activation with negative slope {@code a} (0 for ReLU). */
    public static Tensor kaimingUniform(Tensor w, float a, FanMode mode, Generator g) {
        double bound = Math.sqrt(3.0) * kaimingStd(w, a, mode);
        return fill(w, uniform(g, w, bound));
    }

    public static Tensor kaimingNormal(Tensor w, float a, FanMode mode, Generator g) {
        return fill(w, Tensor.randn(g, w.shape().dims()).mul((float) kaimingStd(w, a, mode)));
    }

    public static Tensor constant(Tensor w, float value) {
        return fill(w, Tensor.full(value, w.shape().dims()));
    }

    public static Tensor zeros(Tensor w) {
        return constant(w, 0f);
    }

    /** PyTorch's default Linear/Conv weight: Kaiming uniform with a = sqrt(5), i.e. U(+-1/sqrt(fanIn)). */
    public static Tensor linearDefault(Generator g, int... shape) {
        Tensor w = Tensor.zeros(shape);
        return kaimingUniform(w, (float) Math.sqrt(5), FanMode.FAN_IN, g);
    }

    /** PyTorch's default bias: U(+-1/sqrt(fanIn)) with the layer's fan-in. */
    public static Tensor linearDefaultBias(Generator g, int fanIn, int size) {
        double bound = 1.0 / Math.sqrt(fanIn);
        Tensor b = Tensor.zeros(size);
        return fill(b, uniform(g, b, bound));
    }

    private static double kaimingStd(Tensor w, float a, FanMode mode) {
        double gain = Math.sqrt(2.0 / (1 + (double) a * a));
        return gain / Math.sqrt(mode == FanMode.FAN_IN ? fanIn(w) : fanOut(w));
    }

    private static Tensor uniform(Generator g, Tensor like, double bound) {
        return Tensor.rand(g, like.shape().dims()).mul((float) (2 * bound)).sub((float) bound);
    }

    static int fanIn(Tensor w) {
        requireMatrix(w);
        return w.size(1) * receptiveField(w);
    }

    static int fanOut(Tensor w) {
        requireMatrix(w);
        return w.size(0) * receptiveField(w);
    }

    private static int receptiveField(Tensor w) {
        int r = 1;
        for (int d = 2; d < w.rank(); d++) {
            r *= w.size(d);
        }
        return r;
    }

    private static void requireMatrix(Tensor w) {
        if (w.rank() < 2) {
            throw new ShapeException("init: fan in and fan out need a weight with at least 2 dimensions, got "
                    + w.shape());
        }
    }

    private static Tensor fill(Tensor w, Tensor values) {
        try (var scope = GradMode.noGrad()) {
            w.copyInPlace(values);
        }
        return w;
    }
}
