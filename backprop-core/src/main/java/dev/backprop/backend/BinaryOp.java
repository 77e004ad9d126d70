package dev.backprop.backend;

/**
 * Elementwise functions of two values. Comparisons return 1 for true and 0 for false, so that a
 * comparison result can be used directly as a mask.
 */
public enum BinaryOp {
    ADD { public float apply(float a, float b) { return a + b; } },
    SUB { public float apply(float a, float b) { return a - b; } },
    MUL { public float apply(float a, float b) { return a * b; } },
    DIV { public float apply(float a, float b) { return a / b; } },
    POW { public float apply(float a, float b) { return (float) Math.pow(a, b); } },
    MAXIMUM { public float apply(float a, float b) { return Math.max(a, b); } },
    MINIMUM { public float apply(float a, float b) { return Math.min(a, b); } },
    EQ { public float apply(float a, float b) { return a == b ? 1f : 0f; } },
    NE { public float apply(float a, float b) { return a != b ? 1f : 0f; } },
    LT { public float apply(float a, float b) { return a < b ? 1f : 0f; } },
    LE { public float apply(float a, float b) { return a <= b ? 1f : 0f; } },
    GT { public float apply(float a, float b) { return a > b ? 1f : 0f; } },
    GE { public float apply(float a, float b) { return a >= b ? 1f : 0f; } },
    /**
     * 0 where {@code b <= 0}, else {@code a}: ReLU's backward (gradient a, input b) in one pass, as PyTorch's
     * threshold_backward, which also passes the gradient where b is NaN (ReLU keeps NaN).
     */
    PASS_IF_POSITIVE { public float apply(float a, float b) { return b <= 0f ? 0f : a; } };

    /** The scalar definition of this function. */
    public abstract float apply(float a, float b);
}
