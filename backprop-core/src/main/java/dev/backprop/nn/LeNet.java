package dev.backprop.nn;

import dev.backprop.tensor.Conv2dSpec;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;

/**
 * LeNet-5 (LeCun et al. 1998) for 28x28 greyscale images, in the form PyTorch's tutorials use and
 * the shared reference model was trained with: conv1 1->6 k5 pad 2, ReLU, 2x2 max pool; conv2 6->16
 * k5, ReLU, 2x2 max pool; flatten; fc1 400->120, ReLU; fc2 120->84, ReLU; fc3 84->classes.
 * Parameter names ({@code conv1.weight}, ..., {@code fc3.bias}) match that model's state dict.
 */
public final class LeNet extends Module {
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Linear fc1;
    private final Linear fc2;
    private final Linear fc3;

    public LeNet(int channels, int classes, Generator generator) {
        conv1 = registerModule("conv1", new Conv2d(channels, 6, 5, Conv2dSpec.of(1, 2, 1, 1), true, generator));
        conv2 = registerModule("conv2", new Conv2d(6, 16, 5, generator));
        fc1 = registerModule("fc1", new Linear(16 * 5 * 5, 120, generator));
        fc2 = registerModule("fc2", new Linear(120, 84, generator));
        fc3 = registerModule("fc3", new Linear(84, classes, generator));
    }

    /** Images {@code [N, channels, 28, 28]} to logits {@code [N, classes]}. */
    @Override
    public Tensor forward(Tensor images) {
        // Pooled before the ReLU, which then runs on a quarter of the values: max and ReLU commute
        // exactly (max(relu(a), relu(b)) = relu(max(a, b)) in floating point too), gradients included.
        // Without gradients each block is one pass over the convolution's output.
        Tensor x = conv1.forwardMaxPoolRelu(images);
        x = conv2.forwardMaxPoolRelu(x);
        x = x.flatten(1, -1);
        x = fc1.forward(x).relu();
        x = fc2.forward(x).relu();
        return fc3.forward(x);
    }

    @Override
    public String toString() {
        return "LeNet(" + conv1 + ", " + conv2 + ", " + fc1 + ", " + fc2 + ", " + fc3 + ")";
    }
}
