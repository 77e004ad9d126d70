package dev.backprop.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.Dataset;
import dev.backprop.data.NamedDatasets;
import dev.backprop.data.PreparedData;
import dev.backprop.nn.Activation;
import dev.backprop.nn.Flatten;
import dev.backprop.nn.Linear;
import dev.backprop.nn.Sequential;
import dev.backprop.optim.Adam;
import dev.backprop.tensor.Generator;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Opens a training report and the live dashboard in headless Chromium, saves screenshots to
 * {@code target/screenshots/}, and checks that the charts drew (coloured chart pixels, which a page
 * whose scripts or images failed would not have). Run with {@code ./mvnw -Pbrowser verify}; needs
 * {@code chromium} on the PATH (Debian: apt install chromium) or its path in {@code $CHROMIUM}.
 */
@Tag("browser")
class BrowserTest {
    private static final Path SHOTS = Path.of("target", "screenshots");

    private static Path screenshot(String url, String name) throws Exception {
        Files.createDirectories(SHOTS);
        Path file = SHOTS.resolve(name).toAbsolutePath();
        Path profile = Files.createTempDirectory("chromium-profile");
        String chromium = System.getenv().getOrDefault("CHROMIUM", "chromium");
        List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--hide-scrollbars", "--window-size=1360,1100",
                "--virtual-time-budget=5000", "--screenshot=" + file, url));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium finished");
        assertTrue(Files.size(file) > 10_000, "a screenshot of " + url);
        return file;
    }

    /** Pixels in a saturated colour: chart lines, bars and heat-map cells; text and grids are grey. */
    private static int colouredPixels(Path png) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        int count = 0;
        float[] hsb = new float[3];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                Color c = new Color(img.getRGB(x, y));
                Color.RGBtoHSB(c.getRed(), c.getGreen(), c.getBlue(), hsb);
                if (hsb[1] > 0.4f && hsb[2] > 0.3f) {
                    count++;
                }
            }
        }
        return count;
    }

    @Test
    void theReportAndTheLivePageDrawTheirCharts() throws Exception {
        PreparedData digits = NamedDatasets.embeddedDigits();
        Dataset train = digits.train().withFeatures(digits.train().features().reshape(digits.train().size(), 1, 8, 8));
        Dataset test = digits.test().withFeatures(digits.test().features().reshape(digits.test().size(), 1, 8, 8));
        Generator g = new Generator(5);
        Sequential model = new Sequential(new Flatten(), new Linear(64, 32, g), Activation.relu(), new Linear(32, 10, g));
        Trainer trainer = new Trainer(model, new Adam(model.parameters(), Adam.Config.DEFAULT), LossFunction.crossEntropy());
        TrainingRecorder recorder = new TrainingRecorder(model, train.features().narrow(0, 0, 64));
        try (Dashboard dashboard = Dashboard.start(model, 0)) {
            trainer.fit(train, test, FitConfig.DEFAULT.withEpochs(4).withBatchSize(32), recorder, dashboard);
            Path report = TrainingReport.write(Path.of("target", "browser-report"), "digits", recorder, test,
                    trainer.predict(test.features(), 256));

            int reportColour = colouredPixels(screenshot(report.toUri().toString(), "report.png"));
            assertTrue(reportColour > 5_000, "the report's charts drew: " + reportColour + " coloured pixels");
            int live = colouredPixels(screenshot(dashboard.url(), "dashboard.png"));
            assertTrue(live > 1_000, "the live page's charts drew: " + live + " coloured pixels");
            int reloaded = colouredPixels(screenshot(dashboard.url(), "dashboard-reloaded.png"));
            assertTrue(reloaded > 1_000, "a fresh load shows the run again: " + reloaded + " coloured pixels");
        }
    }
}
