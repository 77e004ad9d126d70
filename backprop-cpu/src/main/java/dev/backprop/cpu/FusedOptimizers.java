package dev.backprop.cpu;

import dev.backprop.backend.AdamStep;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Optimizer updates in one pass, a vector of parameters at a time: each array is read and
 * written once per step. Large parameters are split across the worker threads.
 */
final class FusedOptimizers {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length();
    /**
     * Parameters per thread at the least: an Adam step over 49,152 (the GPT recipe's attention weights) took 17 us
     * split in two against 35 on one thread with the arrays in the caches, 28 against 38 from beyond them; 16,384
     * took 7.4 against 11.7, and 7.5 against 9.6; 8,192 split was no faster (a step after each of 2,000 products, so
     * the other thread is awake as in training; the AVX2 machine, 2026-12-05). It was 32,768, splitting from 65,536.
     */
    private static final int MIN_PER_THREAD = 1 << 13;

    private FusedOptimizers() {
    }

    static void adam(AdamStep s, float[] p, float[] g, float[] m, float[] v, float[] vMax, int offset, int n) {
        int parts = Math.max(1, Math.min(WorkerPool.threads(), n / MIN_PER_THREAD));
        WorkerPool.run(parts, part -> {
            int from = offset + (int) ((long) n * part / parts);
            int to = offset + (int) ((long) n * (part + 1) / parts);
            adamRange(s, p, g, m, v, vMax, from, to);
        });
    }

    private static void adamRange(AdamStep s, float[] p, float[] g, float[] m, float[] v, float[] vMax, int from, int to) {
        float b1 = s.beta1();
        float b2 = s.beta2();
        float decay = s.weightDecay();
        float shrink = 1f - s.lr() * decay;
        float invSqrtBias2 = (float) (1 / Math.sqrt(s.bias2()));
        float stepSize = (float) (s.lr() / s.bias1());
        float tinyM = AdamStep.flushBelow(b1);
        float tinyV = AdamStep.flushBelow(b2);
        boolean coupled = decay != 0f && !s.decoupled();
        boolean decoupled = decay != 0f && s.decoupled();
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += V) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            FloatVector gv = FloatVector.fromArray(S, g, i);
            if (coupled) {
                gv = pv.mul(decay).add(gv);
            }
            if (decoupled) {
                pv = pv.mul(shrink);
            }
            FloatVector m0 = FloatVector.fromArray(S, m, i);
            FloatVector v0 = FloatVector.fromArray(S, v, i);
            // Moments too small to decay as normal floats are zero (AdamStep.apply): a subnormal costs a microcode
            // assist on Intel cores.
            m0 = m0.blend(0f, m0.abs().lt(tinyM));
            v0 = v0.blend(0f, v0.abs().lt(tinyV));
            FloatVector mv = m0.mul(b1).add(gv.mul(1f - b1));
            FloatVector vv = v0.mul(b2).add(gv.mul(gv).mul(1f - b2));
            mv.intoArray(m, i);
            vv.intoArray(v, i);
            FloatVector second = vv;
            if (vMax != null) {
                second = FloatVector.fromArray(S, vMax, i).max(vv);
                second.intoArray(vMax, i);
            }
            FloatVector denom = second.sqrt().mul(invSqrtBias2).add(s.eps());
            pv.sub(mv.div(denom).mul(stepSize)).intoArray(p, i);
        }
        s.applyRange(p, g, m, v, vMax, i, to);
    }
}
