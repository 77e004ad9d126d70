package dev.backprop.cli;

import dev.backprop.data.CsvReader;
import dev.backprop.data.DataFormatException;
import dev.backprop.tensor.Tensor;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Reads what {@code predict} accepts: a greyscale image (PNG, PGM, ...) or CSV rows of features. */
final class InputFiles {
    private InputFiles() {
    }

    static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".pgm") || name.endsWith(".jpg") || name.endsWith(".jpeg")
                || name.endsWith(".bmp") || name.endsWith(".gif");
    }

    /**
     * The image as intensities in [0, 1] of shape {@code [1, side*side]}, resized to a square of
     * {@code side} pixels; dark-on-light images are inverted, since the datasets are light on dark.
     */
    static Tensor image(Path file, int side) throws IOException {
        BufferedImage img = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".pgm") ? pgm(file) : ImageIO.read(file.toFile());
        if (img == null) {
            throw new DataFormatException(file + ": not an image this JVM can read (PNG, PGM, JPEG, BMP or GIF)");
        }
        BufferedImage grey = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = grey.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.drawImage(img, 0, 0, side, side, null);
        g.dispose();
        float[] v = new float[side * side];
        double border = 0;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                v[y * side + x] = (grey.getRaster().getSample(x, y, 0)) / 255f;
                if (x == 0 || y == 0 || x == side - 1 || y == side - 1) {
                    border += v[y * side + x];
                }
            }
        }
        if (border / (4.0 * side - 4) > 0.5) {
            for (int i = 0; i < v.length; i++) {
                v[i] = 1f - v[i];
            }
        }
        return Tensor.fromArray(v, 1, side * side);
    }

    /** Netpbm greyscale, plain (P2) or binary (P5), which ImageIO does not read. */
    private static BufferedImage pgm(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String head = new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.ISO_8859_1);
        boolean binary = head.startsWith("P5");
        if (!binary && !head.startsWith("P2")) {
            throw new DataFormatException(file + ": not a PGM image (expected magic P2 or P5)");
        }
        int[] pos = {2};
        int width = nextInt(bytes, pos, file);
        int height = nextInt(bytes, pos, file);
        int max = nextInt(bytes, pos, file);
        if (width <= 0 || height <= 0 || width > 10_000 || height > 10_000 || max <= 0 || max > 255) {
            throw new DataFormatException(file + ": PGM header " + width + "x" + height + " max " + max
                    + " is not supported (8-bit images up to 10000x10000)");
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        int start = pos[0] + 1;
        for (int i = 0; i < width * height; i++) {
            int value;
            if (binary) {
                if (start + i >= bytes.length) {
                    throw new DataFormatException(file + ": cut short after " + i + " of " + width * height + " pixels");
                }
                value = bytes[start + i] & 0xff;
            } else {
                value = nextInt(bytes, pos, file);
            }
            img.getRaster().setSample(i % width, i / width, 0, value * 255 / max);
        }
        return img;
    }

    private static int nextInt(byte[] b, int[] pos, Path file) {
        int p = pos[0];
        while (p < b.length && (Character.isWhitespace(b[p]) || b[p] == '#')) {
            if (b[p] == '#') {
                while (p < b.length && b[p] != '\n') {
                    p++;
                }
            } else {
                p++;
            }
        }
        int start = p;
        while (p < b.length && b[p] >= '0' && b[p] <= '9') {
            p++;
        }
        if (start == p) {
            throw new DataFormatException(file + ": expected a number at byte " + start);
        }
        pos[0] = p;
        return Integer.parseInt(new String(b, start, p - start, StandardCharsets.US_ASCII));
    }

    /** CSV rows of exactly {@code features} numbers (a header line is detected and skipped). */
    static Tensor csv(Path file, int features) throws IOException {
        float[] flat = CsvReader.featureRows(Files.readAllBytes(file), file.toString(), features);
        return Tensor.fromArray(flat, flat.length / features, features);
    }
}
