package dev.backprop.optim;

import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter 2019): the decay shrinks the weights
 * directly, {@code p = p (1 - lr weightDecay)}, instead of entering the gradient moments. PyTorch's
 * default decay for AdamW is 0.01.
 */
public final class AdamW extends Adam {
    /** AdamW's defaults: Adam's, with weight decay 0.01. */
    public static final Config DEFAULT = Config.DEFAULT.withWeightDecay(0.01);

    public AdamW(List<Tensor> params, Config config) {
        super(params, config, true);
    }
}
