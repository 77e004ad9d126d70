package dev.backprop.tensor;

import static dev.backprop.tensor.Graph.grads;

import dev.backprop.backend.Backends;

/**
 * The normalisations as single ops, run by the backend's kernels. Batch norm in training mode over
 * {@code [N, C, ...]}: per channel c over its M = N x (spatial size) values,
 * {@code xhat = (x - mean) / sqrt(var + eps)} with the biased variance and {@code y = xhat * weight + bias};
 * backward (Ioffe and Szegedy 2015, section 3): {@code dbias = sum dy}, {@code dweight = sum dy xhat} and
 * {@code dx = weight / (M sqrt(var + eps)) * (M dy - sum dy - xhat sum(dy xhat))}, xhat recomputed from x.
 * The batch mean and biased variance are returned for the running estimates. With relu the op is
 * batch norm then ReLU in one pass each way: the output is ReLU's, and backward blocks dy where the
 * normalised value (recomputed from x) was at most 0 (NaN passes), as ReLU's own backward would.
 */
final class NormOps {
    private NormOps() {
    }

    static BatchNormResult batchNormTraining(Tensor x, Tensor weight, Tensor bias, float eps, boolean relu) {
        int n = x.size(0);
        int c = x.size(1);
        int inner = x.numel() / (n * c);
        float[] xd = Creation.readable(x.contiguous());
        float[] wd = weight == null ? null : Creation.readable(weight.contiguous());
        float[] bd = bias == null ? null : Creation.readable(bias.contiguous());
        float[] mean = new float[c];
        float[] var = new float[c];
        float[] invStd = new float[c];
        float[] y = StepMemory.uninitialized(xd.length);
        Backends.active().batchNorm(xd, n, c, inner, wd, bd, eps, relu, y, mean, var, invStd);
        Tensor out = Tensor.wrap(y, x.shape);
        Tensor recorded = Graph.op(relu ? "batch_norm_relu" : "batch_norm", out, x, weight, bias)
                .saves(x, weight, bias).backward(g -> {
            float[] dy = Creation.readable(g.contiguous());
            float[] dx = x.requiresGrad() ? StepMemory.uninitialized(xd.length) : null;
            float[] dw = weight != null && weight.requiresGrad() ? StepMemory.zeroed(c) : null;
            float[] db = bias != null && bias.requiresGrad() ? StepMemory.zeroed(c) : null;
            Backends.active().batchNormBackward(dy, xd, mean, invStd, wd, bd, relu, n, c, inner, dx, dw, db);
            return grads(dx == null ? null : Tensor.wrap(dx, x.shape), dw == null ? null : Tensor.wrap(dw, weight.shape),
                    db == null ? null : Tensor.wrap(db, bias.shape));
        });
        return new BatchNormResult(recorded, Tensor.wrap(mean, Shape.of(c)), Tensor.wrap(var, Shape.of(c)));
    }

    /** Batch norm with fixed statistics in one backend pass; refused where a gradient would be wanted (it records none). */
    static Tensor batchNormInference(Tensor x, Tensor mean, Tensor variance, Tensor weight, Tensor bias, float eps) {
        if (mean == null || variance == null) {
            throw new IllegalArgumentException("batchNormInference: needs the mean and the variance of every channel");
        }
        if (GradMode.isEnabled() && (x.requiresGrad() || weight != null && weight.requiresGrad()
                || bias != null && bias.requiresGrad())) {
            throw new IllegalStateException("batchNormInference: computes no gradients, but an input requires one;"
                    + " use it under GradMode.noGrad() or with inputs that need none");
        }
        if (x.rank() < 2) {
            throw new ShapeException("batchNormInference: input must be [N, C, ...], got " + x.shape());
        }
        int n = x.size(0);
        int c = x.size(1);
        for (Tensor t : new Tensor[] {mean, variance, weight, bias}) {
            if (t != null && t.numel() != c) {
                throw new ShapeException("batchNormInference: input of shape " + x.shape() + " has " + c
                        + " channels, but a statistic or parameter has shape " + t.shape());
            }
        }
        int inner = n * c == 0 ? 0 : x.numel() / (n * c);
        float[] y = StepMemory.uninitialized(x.numel());
        Backends.active().batchNormInference(Creation.readable(x.contiguous()), n, c, inner,
                Creation.readable(mean.contiguous()), Creation.readable(variance.contiguous()),
                weight == null ? null : Creation.readable(weight.contiguous()),
                bias == null ? null : Creation.readable(bias.contiguous()), eps, y);
        return Tensor.wrap(y, x.shape);
    }

    /**
     * Layer normalisation over the last {@code width} elements of each row as one op (Ba et al.
     * 2016), run by the backend's {@code layerNorm} kernels: {@code xhat = (x - mean) / sqrt(var + eps)}
     * with the biased variance, {@code y = xhat w + b}. Backward: {@code dw = sum_rows dy xhat},
     * {@code db = sum_rows dy} and, with {@code dh = dy w}, {@code dx = (dh - mean(dh) - xhat mean(dh xhat)) / sqrt(var + eps)}.
     */
    static Tensor layerNorm(Tensor x, int width, Tensor weight, Tensor bias, float eps) {
        int rows = x.numel() / Math.max(1, width);
        float[] xd = Creation.readable(x.contiguous());
        float[] wd = weight == null ? null : Creation.readable(weight.contiguous());
        float[] bd = bias == null ? null : Creation.readable(bias.contiguous());
        float[] mean = StepMemory.uninitialized(rows);
        float[] invStd = StepMemory.uninitialized(rows);
        float[] y = StepMemory.uninitialized(rows * width);
        Backends.active().layerNorm(xd, rows, width, wd, bd, eps, y, mean, invStd);
        Tensor out = Tensor.wrap(y, x.shape);
        return Graph.op("layer_norm", out, x, weight, bias).saves(x, weight).backward(g -> {
            float[] dy = Creation.readable(g.contiguous());
            float[] dx = x.requiresGrad() ? StepMemory.uninitialized(rows * width) : null;
            float[] dw = weight != null && weight.requiresGrad() ? StepMemory.zeroed(width) : null;
            float[] db = bias != null && bias.requiresGrad() ? StepMemory.zeroed(width) : null;
            Backends.active().layerNormBackward(dy, xd, mean, invStd, wd, rows, width, dx, dw, db);
            return grads(dx == null ? null : Tensor.wrap(dx, x.shape), dw == null ? null : Tensor.wrap(dw, weight.shape),
                    db == null ? null : Tensor.wrap(db, bias.shape));
        });
    }
}
