package dev.backprop.nn;

import dev.backprop.tensor.Conv2dSpec;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;

/**
 * A small VGG-style network for 28x28 images (after Simonyan and Zisserman 2015): two blocks of
 * two 3x3 convolutions with batch norm and ReLU, each block ending in 2x2 max pooling (widths
 * {@code width} and {@code 2 width}), then a dense layer of 128 with dropout and the classifier.
 * <pre>
 *   [N, C, 28, 28] -> conv-bn-relu x2 (width) -> pool -> conv-bn-relu x2 (2 width) -> pool
 *   -> flatten [N, 2 width * 7 * 7] -> linear 128, relu, dropout -> linear classes
 * </pre>
 */
public final class SmallVgg extends Module {
    private final Sequential features;
    private final Sequential classifier;

    public SmallVgg(int channels, int classes, int width, float dropout, Generator generator) {
        Conv2dSpec same = Conv2dSpec.of(1, 1, 1, 1);
        int w2 = 2 * width;
        features = registerModule("features", new Sequential(
                new Conv2d(channels, width, 3, same, false, generator), new BatchNorm(width), Activation.relu(),
                new Conv2d(width, width, 3, same, false, generator), new BatchNorm(width), Activation.relu(),
                Pool2d.max(2),
                new Conv2d(width, w2, 3, same, false, generator), new BatchNorm(w2), Activation.relu(),
                new Conv2d(w2, w2, 3, same, false, generator), new BatchNorm(w2), Activation.relu(),
                Pool2d.max(2)));
        classifier = registerModule("classifier", new Sequential(
                new Flatten(), new Linear(w2 * 7 * 7, 128, generator), Activation.relu(),
                new Dropout(dropout, new Generator(generator.nextLong())), new Linear(128, classes, generator)));
    }

    @Override
    public Tensor forward(Tensor images) {
        return classifier.forward(features.forward(images));
    }

    @Override
    public String toString() {
        return "SmallVgg(" + features + ", " + classifier + ")";
    }
}
