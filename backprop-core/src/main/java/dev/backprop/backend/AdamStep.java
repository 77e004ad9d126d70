package dev.backprop.backend;

/**
 * The scalars of one Adam/AdamW update (Kingma and Ba 2015; Loshchilov and Hutter 2019), with the
 * bias corrections {@code 1 - beta1^t} and {@code 1 - beta2^t} already computed for step t.
 * {@code decoupled} selects AdamW's weight decay; {@code amsgrad} keeps the running maximum of v.
 */
public record AdamStep(float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled,
                       boolean amsgrad, double bias1, double bias2) {

    /**
     * The update of one element, the definition every kernel must follow; returns the new
     * parameter and writes the new moments into {@code state} ({@code m, v, vMax}).
     */
    public float apply(float p, float g, float[] state) {
        if (weightDecay != 0f) {
            if (decoupled) {
                p *= 1f - lr * weightDecay;
            } else {
                g += weightDecay * p;
            }
        }
        float m = beta1 * state[0] + (1f - beta1) * g;
        float v = beta2 * state[1] + (1f - beta2) * g * g;
        state[0] = m;
        state[1] = v;
        float second = v;
        if (amsgrad) {
            state[2] = Math.max(state[2], v);
            second = state[2];
        }
        float denom = (float) (Math.sqrt(second) / Math.sqrt(bias2)) + eps;
        return p - (float) (lr / bias1) * (m / denom);
    }

    /** {@link #apply} over elements {@code [from, to)}: the plain loop that fast kernels are tested against. */
    public void applyRange(float[] param, float[] grad, float[] m, float[] v, float[] vMax, int from, int to) {
        float[] state = new float[3];
        for (int i = from; i < to; i++) {
            state[0] = m[i];
            state[1] = v[i];
            state[2] = vMax == null ? 0f : vMax[i];
            param[i] = apply(param[i], grad[i], state);
            m[i] = state[0];
            v[i] = state[1];
            if (vMax != null) {
                vMax[i] = state[2];
            }
        }
    }
}
