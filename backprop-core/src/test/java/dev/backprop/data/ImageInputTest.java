package dev.backprop.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Images a model is asked about: PNG and PGM read to raw greyscale pixels, dark-on-light inverted, bad bytes named. */
class ImageInputTest {
    private static byte[] png(int side, int background, int square) throws Exception {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                boolean inside = x >= 2 && x < 5 && y >= 1 && y < 3;
                img.getRaster().setSample(x, y, 0, inside ? square : background);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void aPngAtTheModelsSizeGivesItsPixelsAndALightBackgroundIsInverted() throws Exception {
        float[] light = ImageInput.pixels(png(8, 0, 200), "light.png", 8);
        assertEquals(200f, light[1 * 8 + 2]);
        assertEquals(200f, light[2 * 8 + 4]);
        assertEquals(0f, light[0]);
        assertEquals(6 * 200f, sum(light));
        float[] dark = ImageInput.pixels(png(8, 255, 55), "dark.png", 8);
        assertArrayEquals(light, dark, "a dark digit on white reads as a light one on black");
        assertEquals(64, ImageInput.pixels(png(16, 0, 255), "big.png", 8).length);
    }

    @Test
    void plainAndBinaryPgmAndErrorsNameTheSource() throws Exception {
        String plain = "P2\n# a comment\n3 2\n255\n0 10 20\n30 40 50\n";
        float[] p = ImageInput.pixels(plain.getBytes(StandardCharsets.US_ASCII), "p.pgm", 3);
        // 3x2 drawn into 3x3: every value between 0 and 50, the first row's first pixel the corner's 0.
        assertEquals(9, p.length);
        assertTrue(max(p) <= 50 && max(p) > 0, java.util.Arrays.toString(p));
        byte[] binary = {'P', '5', ' ', '2', ' ', '2', ' ', '2', '5', '5', '\n', 0, 100, (byte) 200, 0};
        float[] b = ImageInput.pixels(binary, "b.pgm", 2);
        assertArrayEquals(new float[] {0, 100, 200, 0}, b);
        assertEquals("cut.pgm: cut short after 2 of 4 pixels", assertThrows(DataFormatException.class,
                () -> ImageInput.pixels(new byte[] {'P', '5', ' ', '2', ' ', '2', ' ', '9', '\n', 1, 2}, "cut.pgm", 2))
                .getMessage());
        assertEquals("notes.txt: not an image this JVM can read (PNG, PGM, JPEG, BMP or GIF)",
                assertThrows(DataFormatException.class, () -> ImageInput.pixels("hello".getBytes(StandardCharsets.UTF_8),
                        "notes.txt", 28)).getMessage());
        assertTrue(ImageInput.isImageName("Digit.PNG") && !ImageInput.isImageName("rows.csv"));
    }

    private static float sum(float[] v) {
        float s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }
}
