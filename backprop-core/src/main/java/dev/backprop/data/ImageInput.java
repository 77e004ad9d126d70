package dev.backprop.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * One image a model is asked about ({@code predict IMAGE}, an upload to a served model), as the greyscale pixel
 * values 0-255 of a {@code side x side} square: PNG, JPEG, BMP and GIF through ImageIO, and Netpbm greyscale (PGM,
 * plain or binary) read here; scaled with bilinear interpolation; a dark-on-light image (a light border) is
 * inverted, since the digit datasets are light on dark. The values are raw pixels: the model's own preprocessing
 * applies after, as to a row of its dataset.
 */
public final class ImageInput {
    private ImageInput() {
    }

    /** Whether a file name has an image extension this class reads. */
    public static boolean isImageName(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        return name.endsWith(".png") || name.endsWith(".pgm") || name.endsWith(".jpg") || name.endsWith(".jpeg")
                || name.endsWith(".bmp") || name.endsWith(".gif");
    }

    /**
     * The image in {@code bytes} as {@code side * side} greyscale pixel values 0-255, row by row.
     *
     * @throws DataFormatException naming {@code source} when the bytes are not an image this JVM reads
     */
    public static float[] pixels(byte[] bytes, String source, int side) throws IOException {
        boolean pgm = bytes.length >= 2 && bytes[0] == 'P' && (bytes[1] == '2' || bytes[1] == '5');
        BufferedImage img = pgm ? pgm(bytes, source) : ImageIO.read(new ByteArrayInputStream(bytes));
        if (img == null) {
            throw new DataFormatException(source + ": not an image this JVM can read (PNG, PGM, JPEG, BMP or GIF)");
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
                v[y * side + x] = grey.getRaster().getSample(x, y, 0);
                if (x == 0 || y == 0 || x == side - 1 || y == side - 1) {
                    border += v[y * side + x];
                }
            }
        }
        if (border / (4.0 * side - 4) > 127.5) {
            for (int i = 0; i < v.length; i++) {
                v[i] = 255f - v[i];
            }
        }
        return v;
    }

    /** Netpbm greyscale, plain (P2) or binary (P5), which ImageIO does not read. */
    private static BufferedImage pgm(byte[] bytes, String source) {
        boolean binary = bytes[1] == '5';
        int[] pos = {2};
        int width = nextInt(bytes, pos, source);
        int height = nextInt(bytes, pos, source);
        int max = nextInt(bytes, pos, source);
        if (width <= 0 || height <= 0 || width > 10_000 || height > 10_000 || max <= 0 || max > 255) {
            throw new DataFormatException(source + ": PGM header " + width + "x" + height + " max " + max
                    + " is not supported (8-bit images up to 10000x10000)");
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        int start = pos[0] + 1;
        for (int i = 0; i < width * height; i++) {
            int value;
            if (binary) {
                if (start + i >= bytes.length) {
                    throw new DataFormatException(source + ": cut short after " + i + " of " + width * height + " pixels");
                }
                value = bytes[start + i] & 0xff;
            } else {
                value = nextInt(bytes, pos, source);
            }
            img.getRaster().setSample(i % width, i / width, 0, value * 255 / max);
        }
        return img;
    }

    private static int nextInt(byte[] b, int[] pos, String source) {
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
            throw new DataFormatException(source + ": expected a number at byte " + start);
        }
        pos[0] = p;
        return Integer.parseInt(new String(b, start, p - start, StandardCharsets.US_ASCII));
    }
}
