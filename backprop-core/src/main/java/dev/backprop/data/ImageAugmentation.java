package dev.backprop.data;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;

/**
 * Light, label-preserving changes to training images, drawn afresh for every image of every
 * batch: shifts by up to {@code maxShift} pixels in each direction (the border pixels are
 * repeated into the space the image leaves, so a standardised background stays background) and,
 * with probability {@code flipProbability}, a horizontal mirror. Images are {@code [B, C, H, W]};
 * all channels of an image move together. The draws come from the loader's generator, so a seed
 * gives the same augmented batches on every run.
 *
 * <pre>{@code
 * ImageAugmentation shifts = new ImageAugmentation(2, 0.0);     // MNIST: digits must not be mirrored
 * ImageAugmentation clothes = new ImageAugmentation(2, 0.5);    // Fashion-MNIST: mirrored clothes are clothes
 * }</pre>
 */
public record ImageAugmentation(int maxShift, double flipProbability) {
    /** No change at all. */
    public static final ImageAugmentation NONE = new ImageAugmentation(0, 0.0);

    public ImageAugmentation {
        if (maxShift < 0) {
            throw new IllegalArgumentException("ImageAugmentation: maxShift must be >= 0, got " + maxShift);
        }
        if (!(flipProbability >= 0 && flipProbability <= 1)) {
            throw new IllegalArgumentException("ImageAugmentation: flipProbability must be in [0, 1], got " + flipProbability);
        }
    }

    /** Whether this changes anything. */
    public boolean isIdentity() {
        return maxShift == 0 && flipProbability == 0;
    }

    /** A new batch of augmented copies of {@code images [B, C, H, W]}; the input is not changed. */
    public Tensor apply(Tensor images, Generator generator) {
        if (images.rank() != 4) {
            throw new IllegalArgumentException("ImageAugmentation: images must be [B, C, H, W], got " + images.shape()
                    + "; augmentation needs a model that takes images (lenet, cnn)");
        }
        if (isIdentity()) {
            return images;
        }
        int b = images.size(0);
        int c = images.size(1);
        int h = images.size(2);
        int w = images.size(3);
        float[] src = images.toFloatArray();
        return Tensor.written(dst -> {
            for (int n = 0; n < b; n++) {
                int dy = maxShift == 0 ? 0 : generator.nextInt(-maxShift, maxShift + 1);
                int dx = maxShift == 0 ? 0 : generator.nextInt(-maxShift, maxShift + 1);
                boolean flip = flipProbability > 0 && generator.nextDouble() < flipProbability;
                for (int ch = 0; ch < c; ch++) {
                    int plane = (n * c + ch) * h * w;
                    for (int r = 0; r < h; r++) {
                        int sr = Math.clamp(r - dy, 0, h - 1);
                        for (int col = 0; col < w; col++) {
                            int sc = Math.clamp((flip ? w - 1 - col : col) - dx, 0, w - 1);
                            dst[plane + r * w + col] = src[plane + sr * w + sc];
                        }
                    }
                }
            }
        }, b, c, h, w);
    }
}
