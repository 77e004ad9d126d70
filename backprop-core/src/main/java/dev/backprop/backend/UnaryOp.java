package dev.backprop.backend;

/**
 * Elementwise functions of one value, with up to two constant parameters {@code alpha} and
 * {@code beta} (an exponent, clamp bounds, a slope). {@link #apply} is the scalar definition every
 * kernel must reproduce within float32 rounding.
 */
public enum UnaryOp {
    /** {@code alpha * x + beta}: scalar add, scale and fill in one op. */
    AFFINE {
        public float apply(float x, float alpha, float beta) { return alpha * x + beta; }
    },
    NEG {
        public float apply(float x, float alpha, float beta) { return -x; }
    },
    ABS {
        public float apply(float x, float alpha, float beta) { return Math.abs(x); }
    },
    SIGN {
        public float apply(float x, float alpha, float beta) { return Math.signum(x); }
    },
    EXP {
        public float apply(float x, float alpha, float beta) { return (float) Math.exp(x); }
    },
    LOG {
        public float apply(float x, float alpha, float beta) { return (float) Math.log(x); }
    },
    SQRT {
        public float apply(float x, float alpha, float beta) { return (float) Math.sqrt(x); }
    },
    SIN {
        public float apply(float x, float alpha, float beta) { return (float) Math.sin(x); }
    },
    COS {
        public float apply(float x, float alpha, float beta) { return (float) Math.cos(x); }
    },
    TANH {
        public float apply(float x, float alpha, float beta) { return (float) Math.tanh(x); }
    },
    SIGMOID {
        public float apply(float x, float alpha, float beta) {
            return (float) (1.0 / (1.0 + Math.exp(-x)));
        }
    },
    /** {@code max(x, 0)} as {@link Math#max} takes it: NaN stays NaN (as in PyTorch), -0 becomes 0. */
    RELU {
        public float apply(float x, float alpha, float beta) { return Math.max(x, 0f); }
    },
    /** 1 where {@code x > alpha}, else 0 (the derivative of ReLU when alpha is 0). */
    STEP {
        public float apply(float x, float alpha, float beta) { return x > alpha ? 1f : 0f; }
    },
    /** {@code x ^ alpha}. */
    POW {
        public float apply(float x, float alpha, float beta) { return (float) Math.pow(x, alpha); }
    },
    /** {@code min(max(x, alpha), beta)}; NaN bounds mean "no bound" on that side. */
    CLAMP {
        public float apply(float x, float alpha, float beta) {
            float y = Float.isNaN(alpha) ? x : Math.max(x, alpha);
            return Float.isNaN(beta) ? y : Math.min(y, beta);
        }
    },
    /** 1 where {@code alpha <= x <= beta} (NaN bound: unbounded), else 0: the clamp derivative. */
    INSIDE {
        public float apply(float x, float alpha, float beta) {
            boolean lo = Float.isNaN(alpha) || x >= alpha;
            boolean hi = Float.isNaN(beta) || x <= beta;
            return lo && hi ? 1f : 0f;
        }
    },
    /** {@code x} for positive x, {@code alpha * x} otherwise. */
    LEAKY_RELU {
        public float apply(float x, float alpha, float beta) { return x > 0f ? x : alpha * x; }
    },
    /** {@code x} for positive x, {@code alpha * (exp(x) - 1)} otherwise. */
    ELU {
        public float apply(float x, float alpha, float beta) {
            return x > 0f ? x : (float) (alpha * Math.expm1(x));
        }
    },
    /** {@code log(1 + exp(alpha x)) / alpha}, linear above {@code alpha x > beta} (PyTorch's threshold). */
    SOFTPLUS {
        public float apply(float x, float alpha, float beta) {
            double bx = (double) alpha * x;
            return bx > beta ? x : (float) (Math.log1p(Math.exp(bx)) / alpha);
        }
    },
    /** {@code x * sigmoid(x)}. */
    SILU {
        public float apply(float x, float alpha, float beta) {
            return (float) (x / (1.0 + Math.exp(-x)));
        }
    },
    /** Error function. */
    ERF {
        public float apply(float x, float alpha, float beta) { return (float) SpecialFunctions.erf(x); }
    },
    /** Exact GELU: {@code x * Phi(x)} with Phi the standard normal CDF. */
    GELU {
        public float apply(float x, float alpha, float beta) {
            return (float) (x * SpecialFunctions.normalCdf(x));
        }

        /** {@code Phi(x) + x phi(x)}. */
        @Override
        public float derivative(float x, float alpha, float beta) {
            double pdf = SpecialFunctions.INV_SQRT_2PI * Math.exp(-0.5 * x * x);
            return (float) (SpecialFunctions.normalCdf(x) + x * pdf);
        }
    },
    /** GELU's tanh approximation: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    GELU_TANH {
        public float apply(float x, float alpha, float beta) {
            // (1 + tanh u) / 2 = sigmoid(2u), which stays accurate where it is tiny.
            double u = SpecialFunctions.SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
            return (float) (x / (1.0 + Math.exp(-2 * u)));
        }

        /** With {@code s = (1 + tanh u) / 2 = sigmoid(2u)}: {@code s + 2 x s (1 - s) du/dx}. */
        @Override
        public float derivative(float x, float alpha, float beta) {
            double u = SpecialFunctions.SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
            double gate = 1 / (1 + Math.exp(-2 * u));
            double du = SpecialFunctions.SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
            return (float) (gate + 2 * x * gate * (1 - gate) * du);
        }
    };

    /** The scalar definition of this function. */
    public abstract float apply(float x, float alpha, float beta);

    /**
     * The derivative d apply / dx, for the ops whose forward pass keeps it for backward
     * ({@link Backend#mapWithDerivative}): GELU in both forms.
     *
     * @throws UnsupportedOperationException for the other ops, whose gradients are formed from their outputs
     */
    public float derivative(float x, float alpha, float beta) {
        throw new UnsupportedOperationException(this + " has no derivative kernel; its backward is built from other ops");
    }
}
