package dev.backprop.tensor;

import java.util.Locale;

/**
 * Formats a tensor for people: a header with the shape (and the recorded operation, if any), then
 * the values as nested rows with aligned columns. Beyond {@value #SUMMARY_THRESHOLD} elements each
 * dimension shows its first and last {@value #EDGE_ITEMS} entries around an ellipsis, as PyTorch does.
 */
final class Printer {
    static final int SUMMARY_THRESHOLD = 1000;
    static final int EDGE_ITEMS = 3;

    private Printer() {
    }

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("tensor(shape=").append(t.shape);
        if (t.gradFn() != null) {
            sb.append(", gradFn=").append(t.gradFn().op);
        } else if (t.requiresGrad()) {
            sb.append(", requiresGrad=true");
        }
        sb.append(")\n");
        float[] values = Creation.copyOut(t);
        boolean summarize = values.length > SUMMARY_THRESHOLD;
        NumberStyle style = NumberStyle.of(values);
        int width = 0;
        for (float v : values) {
            width = Math.max(width, style.format(v).length());
        }
        appendDim(sb, values, t.shape.raw(), 0, 0, summarize, style, width);
        return sb.toString();
    }

    private static void appendDim(StringBuilder sb, float[] values, int[] dims, int d, int base,
                                  boolean summarize, NumberStyle style, int width) {
        if (d == dims.length) {
            sb.append(pad(style.format(values[base]), width));
            return;
        }
        int size = dims[d];
        int stride = 1;
        for (int i = d + 1; i < dims.length; i++) {
            stride *= dims[i];
        }
        sb.append('[');
        for (int i = 0; i < size; i++) {
            if (summarize && size > 2 * EDGE_ITEMS && i == EDGE_ITEMS) {
                sb.append(d == dims.length - 1 ? "...," : "...,\n" + " ".repeat(d + 1));
                if (d == dims.length - 1) {
                    sb.append(' ');
                }
                i = size - EDGE_ITEMS - 1;
                continue;
            }
            appendDim(sb, values, dims, d + 1, base + i * stride, summarize, style, width);
            if (i < size - 1) {
                sb.append(d == dims.length - 1 ? ", " : ",\n".repeat(dims.length - d - 1) + " ".repeat(d + 1));
            }
        }
        sb.append(']');
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    /** Whole numbers print without decimals, moderate ranges with 4 decimals, the rest in scientific form. */
    private enum NumberStyle {
        INTEGER, FIXED, SCIENTIFIC;

        static NumberStyle of(float[] values) {
            boolean whole = true;
            float maxAbs = 0f;
            float minAbs = Float.MAX_VALUE;
            for (float v : values) {
                if (Float.isFinite(v)) {
                    whole &= v == Math.rint(v);
                    maxAbs = Math.max(maxAbs, Math.abs(v));
                    if (v != 0f) {
                        minAbs = Math.min(minAbs, Math.abs(v));
                    }
                }
            }
            if (whole && maxAbs < 1e8f) {
                return INTEGER;
            }
            return maxAbs >= 1e5f || minAbs < 1e-4f ? SCIENTIFIC : FIXED;
        }

        String format(float v) {
            if (!Float.isFinite(v)) {
                return Float.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
            }
            return switch (this) {
                case INTEGER -> String.format(Locale.ROOT, "%.0f.", v);
                case FIXED -> String.format(Locale.ROOT, "%.4f", v);
                case SCIENTIFIC -> String.format(Locale.ROOT, "%.4e", v);
            };
        }
    }
}
