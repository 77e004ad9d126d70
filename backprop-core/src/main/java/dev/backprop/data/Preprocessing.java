package dev.backprop.data;

import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * How raw inputs become model inputs: each feature {@code x_i} becomes {@code (x_i - shift_i) / scale_i}
 * (a single shared pair when the lists have length 1). Kept with a trained model so that
 * prediction on raw data (pixel values, CSV rows) repeats exactly what training saw.
 */
public record Preprocessing(List<Double> shift, List<Double> scale) {
    /** Inputs used as they are. */
    public static final Preprocessing NONE = new Preprocessing(List.of(0.0), List.of(1.0));

    public Preprocessing {
        shift = List.copyOf(shift);
        scale = List.copyOf(scale);
        if (shift.size() != scale.size() || shift.isEmpty()) {
            throw new IllegalArgumentException("preprocessing: shift and scale must be non-empty and of equal length, got "
                    + shift.size() + " and " + scale.size());
        }
        if (scale.stream().anyMatch(s -> !(s != 0 && Double.isFinite(s)))) {
            throw new IllegalArgumentException("preprocessing: every scale must be finite and non-zero, got " + scale);
        }
    }

    /** Divides every feature by {@code divisor} (pixels 0..255 to [0, 1], say). */
    public static Preprocessing scale(double divisor) {
        return new Preprocessing(List.of(0.0), List.of(divisor));
    }

    /** The per-feature statistics of a fitted standardizer. */
    public static Preprocessing of(Standardizer s) {
        return new Preprocessing(doubles(s.mean()), doubles(s.std()));
    }

    private static List<Double> doubles(Tensor t) {
        float[] v = t.toFloatArray();
        Double[] out = new Double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (double) v[i];
        }
        return List.of(out);
    }

    /** Applies this mapping to raw features {@code [N, ...]}, giving {@code [N, F]}. */
    public Tensor apply(Tensor raw) {
        Tensor x = raw.reshape(raw.size(0), -1);
        if (shift.size() != 1 && shift.size() != x.size(1)) {
            throw new IllegalArgumentException("preprocessing: inputs have " + x.size(1) + " features, expected "
                    + shift.size());
        }
        return x.sub(Tensor.of(floats(shift))).div(Tensor.of(floats(scale)));
    }

    private static float[] floats(List<Double> values) {
        float[] f = new float[values.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = values.get(i).floatValue();
        }
        return f;
    }
}
