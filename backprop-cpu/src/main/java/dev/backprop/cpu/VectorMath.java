package dev.backprop.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transcendental functions on float32 vectors, written from additions, multiplications and fused
 * multiply-adds alone: exp, log and tanh by range reduction and polynomials, the normal CDF (for
 * GELU) by an erfc of the reference's form with its exponential factor fitted as a polynomial. They
 * are within a few units in the last place of the reference's double-precision results, which
 * {@code CpuParityTest} checks over their whole range.
 * The Vector API's own exp, log and tanh are not used because they are not reproducible: the
 * interpreter computes them lane by lane with {@code Math} and compiled code with a vector
 * library, so a training run's first steps would round differently from its later ones.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final float INV_SQRT_2 = (float) (1 / Math.sqrt(2));
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);
    private static final FloatVector ZERO = FloatVector.zero(S);
    private static final FloatVector TWO = FloatVector.broadcast(S, 2f);
    private static final FloatVector MINUS_HALF = FloatVector.broadcast(S, -0.5f);
    private static final float SQRT_2 = (float) Math.sqrt(2);
    private static final float LOG2_E_SCALAR = (float) (1 / Math.log(2));
    private static final float ROUNDER_SCALAR = 0x1.8p23f;
    private static final FloatVector LOG2_E = FloatVector.broadcast(S, LOG2_E_SCALAR);
    private static final FloatVector ROUNDER = FloatVector.broadcast(S, ROUNDER_SCALAR);
    private static final int ROUNDER_BITS = Float.floatToIntBits(ROUNDER_SCALAR);
    // ln 2 = LN2_HI + LN2_LO, with LN2_HI exact in few bits so that n * LN2_HI is exact.
    private static final float LN2_HI_SCALAR = 0.693359375f;
    private static final float LN2_LO_SCALAR = -2.12194440e-4f;
    private static final FloatVector LN2_HI = FloatVector.broadcast(S, LN2_HI_SCALAR);
    private static final FloatVector LN2_LO = FloatVector.broadcast(S, LN2_LO_SCALAR);
    private static final FloatVector LN2_HI_NEG = LN2_HI.neg();
    private static final FloatVector LN2_LO_NEG = LN2_LO.neg();
    // Minimax polynomials in float32 (the Cephes library's expf, logf and tanhf coefficients).
    private static final float EXP_C1_SCALAR = 5.0000001201e-1f;
    private static final FloatVector EXP_C1 = FloatVector.broadcast(S, EXP_C1_SCALAR);
    private static final float EXP_C2_SCALAR = 1.6666665459e-1f;
    private static final FloatVector EXP_C2 = FloatVector.broadcast(S, EXP_C2_SCALAR);
    private static final float EXP_C3_SCALAR = 4.1665795894e-2f;
    private static final FloatVector EXP_C3 = FloatVector.broadcast(S, EXP_C3_SCALAR);
    private static final float EXP_C4_SCALAR = 8.3334519073e-3f;
    private static final FloatVector EXP_C4 = FloatVector.broadcast(S, EXP_C4_SCALAR);
    private static final float EXP_C5_SCALAR = 1.3981999507e-3f;
    private static final FloatVector EXP_C5 = FloatVector.broadcast(S, EXP_C5_SCALAR);
    private static final float EXP_C6_SCALAR = 1.9875691500e-4f;
    private static final FloatVector EXP_C6 = FloatVector.broadcast(S, EXP_C6_SCALAR);
    private static final FloatVector LOG_C0 = FloatVector.broadcast(S, 3.3333331174e-1f);
    private static final FloatVector LOG_C1 = FloatVector.broadcast(S, -2.4999993993e-1f);
    private static final FloatVector LOG_C2 = FloatVector.broadcast(S, 2.0000714765e-1f);
    private static final FloatVector LOG_C3 = FloatVector.broadcast(S, -1.6668057665e-1f);
    private static final FloatVector LOG_C4 = FloatVector.broadcast(S, 1.4249322787e-1f);
    private static final FloatVector LOG_C5 = FloatVector.broadcast(S, -1.2420140846e-1f);
    private static final FloatVector LOG_C6 = FloatVector.broadcast(S, 1.1676998740e-1f);
    private static final FloatVector LOG_C7 = FloatVector.broadcast(S, -1.1514610310e-1f);
    private static final FloatVector LOG_C8 = FloatVector.broadcast(S, 7.0376836292e-2f);
    private static final FloatVector TANH_C0 = FloatVector.broadcast(S, -3.33332819422e-1f);
    private static final FloatVector TANH_C1 = FloatVector.broadcast(S, 1.33314422036e-1f);
    private static final FloatVector TANH_C2 = FloatVector.broadcast(S, -5.37397155531e-2f);
    private static final FloatVector TANH_C3 = FloatVector.broadcast(S, 2.06390887954e-2f);
    private static final FloatVector TANH_C4 = FloatVector.broadcast(S, -5.70498872745e-3f);

    private VectorMath() {
    }

    /**
     * {@code dst[dOff + i] = e^src[off + i]} for i below upper (a multiple of V); returns upper. A
     * method of its own: inlined into a larger loop body the vector code can exceed what the JIT
     * compiles well, and runs several times slower.
     */
    static int exp(float[] src, int off, float[] dst, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            exp(FloatVector.fromArray(S, src, off + i)).intoArray(dst, dOff + i);
        }
        return upper;
    }

    /**
     * Exact GELU, {@code dst[dOff + i] = x Phi(x)}, and with {@code derivative} not null its derivative {@code
     * derivative[dOff + i] = Phi(x) + x phi(x)}, for {@code x = src[off + i]}, i below upper (a multiple of V); the
     * values are the same bits either way. One loop, its arithmetic written out: as helpers returning vectors C2 did
     * not inline them, and the boxed vectors made it 14 times slower.
     * <p>
     * {@code Phi(x) = erfc(-x / sqrt 2) / 2} with, for {@code z = |x| / sqrt 2} and {@code t = 1 / (1 + z / 2)},
     * {@code erfc(z) = t e^(-z^2) Q(t)}: Q is a degree-8 polynomial fitted to {@code erfc(z) e^(z^2) / t} over t in
     * [0.124, 1] (|x| up to 20, beyond which x is clamped and the tail is 0 in float32; weighted least squares against
     * double-precision erfc), relative error 8.7e-8 with its coefficients rounded to float32. It stands for the
     * exponential of Numerical Recipes' Chebyshev form (the reference's), so one exp serves the value and the
     * density: {@code e^(-x^2 / 2)}, with x^2 split as {@code hi + lo} exactly (an fma gives lo), {@code e^(-hi / 2)}
     * by {@link #exp(FloatVector)} of an exact argument and the factor {@code e^(-lo / 2)} as {@code 1 - lo / 2} (|lo|
     * is at most half an ulp of x^2, so the terms left out are below 2^-48 of the result). GELU with its derivative ran
     * 1.5x as fast as with that form's two exps (one thread, 16,384 elements: 0.71-0.76 ns an element against
     * 1.08-1.28; Intel Xeon, 2026-12-07); from -20 to 20 the values are within 6 float32 ulps of the true GELU (the
     * two-exp form: 7) and the derivative within 5 ulps of its larger term (64, where that form left x^2's low part
     * out of the density).
     */
    static void gelu(float[] src, int off, float[] dst, float[] derivative, int dOff, int upper) {
        for (int i = 0; i < upper; i += V) {
            FloatVector x = FloatVector.fromArray(S, src, off + i);
            // Beyond |x| = 20 the tail is 0 in float32 (e^-200); the clamp keeps x^2's low part finite for infinite x,
            // which would otherwise make Phi(inf) NaN instead of 1.
            FloatVector c = clamp(x, -20f, 20f);
            FloatVector hi = c.mul(c);
            FloatVector lo = c.fma(c, hi.neg());
            FloatVector e = exp(hi.mul(-0.5f));
            FloatVector gauss = lo.mul(-0.5f).fma(e, e);
            FloatVector t = ONE.div(c.abs().fma(INV_SQRT_2 / 2, 1f));
            // The coefficients are broadcast where used: as static vector constants C2 hoisted them all into
            // registers ahead of the loop, and on AVX2's 16 the loop ran half as fast.
            FloatVector q = t.fma(-0.0593864843249321f, 0.2861241400241852f);
            q = q.fma(t, FloatVector.broadcast(S, -0.4904068410396576f));
            q = q.fma(t, FloatVector.broadcast(S, 0.2817339301109314f));
            q = q.fma(t, FloatVector.broadcast(S, -0.02914908342063427f));
            q = q.fma(t, FloatVector.broadcast(S, 0.203752800822258f));
            q = q.fma(t, FloatVector.broadcast(S, 0.24283502995967865f));
            q = q.fma(t, FloatVector.broadcast(S, 0.2824121117591858f));
            q = q.fma(t, FloatVector.broadcast(S, 0.28208431601524353f));
            FloatVector halfTail = t.mul(gauss).mul(q).mul(0.5f);
            FloatVector cdf = halfTail.neg().add(1f).blend(halfTail, x.compare(VectorOperators.LT, 0f));
            x.mul(cdf).intoArray(dst, dOff + i);
            if (derivative != null) {
                x.mul(gauss).fma(FloatVector.broadcast(S, INV_SQRT_2PI), cdf).intoArray(derivative, dOff + i);
            }
        }
    }

    /**
     * {@code e^x} to within one float32 ulp: {@code x = n ln 2 + r} with n rounded to the nearest
     * integer and r reduced in two steps (ln 2 split in a high part exact in float and a low part),
     * {@code e^r} by a degree-7 polynomial on {@code |r| <= ln 2 / 2}, and {@code 2^n} applied as two
     * halves so that results stay right through the subnormals. Arguments above 89 are clamped there (the result is
     * infinity); NaN stays NaN. At or below -104, where e^x rounds to +0 (a masked attention score's -infinity, a
     * logit far below the largest), the lane is computed from 0 and set to +0 after, as the rounding would give: there
     * the arithmetic itself underflowed, and on Intel cores every vector instruction whose result is subnormal in any
     * lane takes a microcode assist. An Intel Xeon (2026-12-07, one thread, 4,096 arguments) took 0.34 ns an argument
     * with none below -50 and 1.81-1.88 with half of them at -90, -100 or -infinity; in the GPT recipe's attention
     * (causal, so about half of each block of scores is masked) this function was a quarter of the time. Arguments
     * between -104 and -87.3 still make subnormal results, and pay for them.
     */
    static FloatVector exp(FloatVector x) {
        VectorMask<Float> gone = x.compare(VectorOperators.LE, -104f);
        FloatVector c = x.blend(0f, gone).blend(89f, x.compare(VectorOperators.GT, 89f));
        // Adding 1.5 * 2^23 rounds c / ln 2 to an integer n held in the low bits of the sum.
        FloatVector shifted = c.fma(LOG2_E, ROUNDER);
        FloatVector n = shifted.sub(ROUNDER);
        FloatVector r = n.fma(LN2_HI_NEG, c);
        r = n.fma(LN2_LO_NEG, r);
        FloatVector p = r.fma(EXP_C6, EXP_C5);
        p = p.fma(r, EXP_C4);
        p = p.fma(r, EXP_C3);
        p = p.fma(r, EXP_C2);
        p = p.fma(r, EXP_C1);
        p = p.fma(r.mul(r), r.add(1f));
        IntVector k = shifted.reinterpretAsInts().sub(ROUNDER_BITS);
        IntVector half = k.lanewise(VectorOperators.ASHR, 1);
        FloatVector scale1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector scale2 = k.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(scale1).mul(scale2).blend(0f, gone);
    }

    /**
     * {@link #exp(FloatVector)} for one float, step for step (the same constants, the same fused multiply-adds in the
     * same order), so a tail computed this way gives the bits a vector lane would. For the rows too narrow for a vector
     * (a classifier's ten logits under 16 lanes): the MNIST MLP's loss took 27.7 us a step with {@code Math.exp}'s call
     * per logit on the calling thread (Intel Xeon, 2026-12-07). The same rows as masked vectors were faster once
     * compiled, but until C2 compiled them the Vector API ran its Java code, which C2 then compiled too: the
     * time-to-99% command took 0.2-1.0 s longer in six alternating pairs (C2's time 7.9 s against 7.2).
     */
    static float exp(float x) {
        boolean gone = x <= -104f;
        float c = gone ? 0f : x > 89f ? 89f : x;
        float shifted = Math.fma(c, LOG2_E_SCALAR, ROUNDER_SCALAR);
        float n = shifted - ROUNDER_SCALAR;
        float r = Math.fma(n, -LN2_HI_SCALAR, c);
        r = Math.fma(n, -LN2_LO_SCALAR, r);
        float p = Math.fma(r, EXP_C6_SCALAR, EXP_C5_SCALAR);
        p = Math.fma(p, r, EXP_C4_SCALAR);
        p = Math.fma(p, r, EXP_C3_SCALAR);
        p = Math.fma(p, r, EXP_C2_SCALAR);
        p = Math.fma(p, r, EXP_C1_SCALAR);
        p = Math.fma(p, r * r, r + 1f);
        int k = Float.floatToRawIntBits(shifted) - ROUNDER_BITS;
        int half = k >> 1;
        float scale1 = Float.intBitsToFloat((half + 127) << 23);
        float scale2 = Float.intBitsToFloat((k - half + 127) << 23);
        return gone ? 0f : p * scale1 * scale2;
    }

    /**
     * Natural logarithm to within a few float32 ulps: {@code x = m 2^e} with m in
     * {@code [sqrt(1/2), sqrt 2)} read from the bits (subnormals scaled by 2^25 first), then
     * {@code log(1 + f) = f - f^2/2 + f^3 P(f)} for {@code f = m - 1} and {@code e ln 2} added in two
     * parts. Zero gives -infinity, negatives NaN, infinity infinity.
     */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> tiny = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector scaled = x.blend(x.mul(0x1p25f), tiny);
        IntVector bits = scaled.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).sub(127);
        FloatVector m = bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats();
        VectorMask<Float> big = m.compare(VectorOperators.GT, SQRT_2);
        m = m.blend(m.mul(0.5f), big);
        FloatVector ef = ((FloatVector) e.convert(VectorOperators.I2F, 0)).add(ZERO.blend(1f, big)).sub(ZERO.blend(25f, tiny));
        FloatVector f = m.sub(1f);
        FloatVector z = f.mul(f);
        FloatVector p = f.fma(LOG_C8, LOG_C7);
        p = p.fma(f, LOG_C6);
        p = p.fma(f, LOG_C5);
        p = p.fma(f, LOG_C4);
        p = p.fma(f, LOG_C3);
        p = p.fma(f, LOG_C2);
        p = p.fma(f, LOG_C1);
        p = p.fma(f, LOG_C0);
        FloatVector y = p.mul(f).mul(z);
        y = ef.fma(LN2_LO, y);
        y = z.fma(MINUS_HALF, y);
        FloatVector result = ef.fma(LN2_HI, f.add(y));
        result = result.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        result = result.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)));
        return result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
    }

    /**
     * Hyperbolic tangent: an odd polynomial {@code x + x^3 P(x^2)} for {@code |x| < 0.625}, where
     * the exponential form would cancel, and {@code sign(x) (1 - 2 / (e^{2|x|} + 1))} beyond.
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector p = z.fma(TANH_C4, TANH_C3);
        p = p.fma(z, TANH_C2);
        p = p.fma(z, TANH_C1);
        p = p.fma(z, TANH_C0);
        FloatVector small = p.mul(z).fma(x, x);
        FloatVector large = ONE.sub(TWO.div(exp(a.add(a)).add(1f)));
        // tanh is odd: x's sign on both branches (the polynomial gives +0 for -0; Math.tanh gives -0).
        return large.blend(small, a.compare(VectorOperators.LT, 0.625f))
                .reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
    }

    /**
     * x limited to {@code [low, high]} by comparisons and blends; NaN stays NaN. The same result as
     * {@code x.max(low).min(high)}, whose Java semantics (NaN and signed zeros) cost several
     * instructions each on AVX2, where a compare and a blend are two.
     */
    static FloatVector clamp(FloatVector x, float low, float high) {
        return x.blend(low, x.compare(VectorOperators.LT, low)).blend(high, x.compare(VectorOperators.GT, high));
    }

    /** {@code 1 / (1 + exp(-x))}. */
    static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(1f));
    }

    /**
     * GELU's tanh-form gate {@code (1 + tanh u) / 2} with {@code u = sqrt(2/pi) (x + 0.044715 x^3)},
     * computed as {@code sigmoid(2u)}, which keeps its relative accuracy where the gate is tiny.
     */
    static FloatVector geluTanhGate(FloatVector x) {
        return sigmoid(x.mul(x).mul(0.044715f).add(1f).mul(x).mul(2 * SQRT_2_OVER_PI));
    }
}
