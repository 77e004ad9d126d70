package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.conformance.ReferenceData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void conformancePassesOnTheSharedReference() {
        CliRun r = run("conformance", ReferenceData.pytorchDirectory().toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(90, lines.length, "89 case lines (3 of them ONNX imports) and a summary");
        assertEquals("89 passed, 0 failed, 0 skipped", lines[lines.length - 1]);
        assertTrue(lines[lines.length - 2].startsWith("PASS  onnx-import/rescnn"), lines[lines.length - 2]);
        assertTrue(lines[0].startsWith("PASS  ops.json#00 add"), lines[0]);
    }

    @Test
    void conformanceOnAFolderWithoutCasesExitsNonZeroWithAMessage(@TempDir Path dir) {
        CliRun r = run("conformance", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("has no ops.json"), r.err());
    }

    @Test
    void augmentationOfFlatFeaturesIsRefusedWithTheReason() {
        CliRun r = run("train", "--model", "mlp:32", "--shift", "2", "--epochs", "1");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("--shift: not for model 'mlp:32': they augment images, and only image models"), r.err());
        CliRun steps = run("train", "--model", "lenet", "--iters", "5");
        assertTrue(steps.err().contains("--iters: not for model 'lenet': they shape training by steps over random windows"
                + " of a text, which only language models (gpt) do"), steps.err());
        CliRun activation = run("train", "--model", "lenet", "--activation", "tanh");
        assertTrue(activation.err().contains("lenet has its own activations"), activation.err());
    }

    @Test
    void labelSmoothingReachesTheLossOfAClassifierAndIsRefusedElsewhere() {
        // The smoothed targets' own entropy is a floor under the loss: for 10 classes and eps 0.1,
        // -(0.91 ln 0.91 + 9 x 0.01 ln 0.01) = 0.50; the plain loss of the same run goes far below it.
        double plain = lastEpochLoss(run("train", "--epochs", "20"));
        double smoothed = lastEpochLoss(run("train", "--epochs", "20", "--label-smoothing", "0.1"));
        assertTrue(plain < 0.3, "digits, 20 epochs, plain cross-entropy: " + plain);
        assertTrue(smoothed >= 0.50 && smoothed < 0.8, "with label smoothing 0.1 the loss stays above 0.50: " + smoothed);
        CliRun range = run("train", "--label-smoothing", "1.5", "--epochs", "1");
        assertEquals(1, range.exit());
        assertTrue(range.err().contains("--label-smoothing 1.5: give a value in [0, 1)"), range.err());
        CliRun gpt = run("train", "--model", "gpt:layers=1,heads=1,embd=8,block=8", "--label-smoothing", "0.1");
        assertEquals(1, gpt.exit());
        assertTrue(gpt.err().contains("--label-smoothing: not for model 'gpt:layers=1,heads=1,embd=8,block=8': it softens"
                + " a classifier's targets"), gpt.err());
        CliRun regression = run("train", "--dataset", "diabetes", "--data",
                dev.backprop.conformance.ReferenceData.datasetsDirectory().toString(), "--offline", "--label-smoothing", "0.1");
        assertEquals(1, regression.exit(), regression.out() + regression.err());
        assertTrue(regression.err().contains("--label-smoothing: dataset 'diabetes' is a regression"), regression.err());
        CliRun spark = run("train", "--spark", "local[2]", "--label-smoothing", "0.1");
        assertEquals(1, spark.exit());
        assertTrue(spark.err().contains("--label-smoothing: not with --spark yet"), spark.err());
    }

    /** The loss on the last {@code epoch N/N} line a training run printed. */
    private static double lastEpochLoss(CliRun r) {
        assertEquals(0, r.exit(), r.out() + r.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("epoch (\\d+)/\\1 +loss ([0-9.]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        return Double.parseDouble(m.group(2));
    }

    @Test
    void exportWritesAnOnnxFileAndNamesAMissingModel(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("m.safetensors");
        assertEquals(0, run("train", "--model", "mlp:16", "--epochs", "1", "--out", model.toString()).exit());
        Path onnx = dir.resolve("m.onnx");
        CliRun r = run("export", model.toString(), "--onnx", onnx.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("opset 17") && Files.size(onnx) > 4 * (64 * 16 + 16 * 10), r.out());
        CliRun missing = run("export", dir.resolve("nope.safetensors").toString(), "--onnx", onnx.toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("nope.safetensors"), missing.err());
    }

    @Test
    void explainWalksTheClassicExampleAndAnyLittleNetwork() {
        CliRun classic = run("explain");
        assertEquals(0, classic.exit(), classic.err());
        assertTrue(classic.out().contains("E total = 0.298371109")
                && classic.out().contains("w5 (h1 -> o1) = 0.400000000 - 0.500000000 x 0.082167041 = 0.358916480"), classic.out());
        CliRun longer = run("explain", "--steps", "1000");
        assertTrue(longer.out().contains("step 1000: E total 0.000"), longer.out());
        CliRun small = run("explain", "--model", "mlp:3", "--input", "1,0,1", "--target", "1", "--activation", "tanh",
                "--lr", "0.1", "--steps", "20", "--markdown");
        assertEquals(0, small.exit(), small.err());
        assertTrue(small.out().startsWith("## Forward pass") && small.out().contains("- `dE/dw1 (i1 -> h1)"), small.out());
        CliRun half = run("explain", "--model", "mlp:3");
        assertEquals(1, half.exit());
        assertTrue(half.err().contains("--model, --input and --target go together"), half.err());
    }

    @Test
    void graphPrintsTheForwardAndBackwardGraphsOfAModel(@TempDir Path dir) throws Exception {
        CliRun forward = run("graph", "--model", "lenet");
        assertEquals(0, forward.exit(), forward.err());
        assertTrue(forward.out().startsWith("digraph forward {") && forward.out().contains("conv1.weight\\n[6, 1, 5, 5]")
                && forward.out().contains("conv2d_max_pool2d_relu\\n[1, 6, 14, 14]"), forward.out());
        Path dot = dir.resolve("b.dot");
        CliRun backward = run("graph", "--model", "mlp:4", "--inputs", "3", "--classes", "2", "--backward", "--out", dot.toString());
        assertEquals(0, backward.exit(), backward.err());
        assertTrue(Files.readString(dot).contains("accumulate grad\\n0.weight\\n[4, 3]"), Files.readString(dot));
        CliRun wrong = run("graph", "--out", dir.resolve("g.txt").toString());
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("must end in .svg or .dot"), wrong.err());
    }

    @Test
    void trainWritesAReportPageWithItsCharts(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report");
        CliRun r = run("train", "--model", "mlp:32", "--epochs", "3", "--report", report.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("report: " + report.resolve("index.html")), r.out());
        String html = Files.readString(report.resolve("index.html"));
        for (String png : new String[] {"loss.png", "gradients.png", "activations.png", "confusion.png", "weights-0_weight.png"}) {
            assertTrue(html.contains(png) && Files.size(report.resolve(png)) > 1000, png);
        }
    }

    @Test
    void helpListsTheCommandsWithExamples() {
        CliRun r = run("--help");
        assertEquals(0, r.exit());
        for (String command : new String[] {"train", "evaluate", "predict", "export", "explain", "graph", "demo", "conformance"}) {
            assertTrue(r.out().contains(command), r.out());
            CliRun sub = run(command, "--help");
            assertEquals(0, sub.exit());
            assertTrue(sub.out().contains("Example"), command + ": " + sub.out());
        }
    }

    @Test
    void defaultTrainingLearnsTheEmbeddedDigitsAndTheModelIsUsable(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("digits.safetensors");
        CliRun r = run("train", "--epochs", "12", "--out", model.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        String last = r.lastLine();
        assertTrue(last.startsWith("test accuracy: "), last);
        double accuracy = Double.parseDouble(last.substring("test accuracy: ".length()));
        assertTrue(accuracy >= 0.95, r.out());
        assertTrue(r.out().contains("epoch 12/30") || r.out().contains("epoch 12/12"), r.out());

        CliRun e = run("evaluate", model.toString());
        assertEquals(0, e.exit(), e.err());
        assertTrue(e.out().contains("test accuracy: " + last.substring("test accuracy: ".length())), e.out());
        assertTrue(e.out().contains("confusion matrix"), e.out());

        // The first digit of the data set is a 0; as CSV and as an 8x8 PGM image.
        Path csv = dir.resolve("rows.csv");
        Files.writeString(csv, "0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,"
                + "0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0\n");
        CliRun p = run("predict", model.toString(), csv.toString());
        assertEquals(0, p.exit(), p.err());
        assertTrue(p.out().startsWith("row 1: class 0 "), p.out());
        Path pgm = dir.resolve("zero.pgm");
        Files.writeString(pgm, "P2\n8 8\n16\n" + Files.readString(csv).replace(',', ' '));
        CliRun img = run("predict", model.toString(), pgm.toString());
        assertEquals(0, img.exit(), img.err());
        assertTrue(img.out().startsWith("zero.pgm: class 0 "), img.out());
        // The same digit as a larger PNG, drawn dark on light as people draw: resized and inverted.
        String[] values = Files.readString(csv).strip().split(",");
        java.awt.image.BufferedImage png = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int v = Integer.parseInt(values[(y / 4) * 8 + x / 4].trim());
                png.getRaster().setSample(x, y, 0, 255 - v * 255 / 16);
            }
        }
        Path pngFile = dir.resolve("zero.png");
        javax.imageio.ImageIO.write(png, "png", pngFile.toFile());
        CliRun fromPng = run("predict", model.toString(), pngFile.toString());
        assertEquals(0, fromPng.exit(), fromPng.err());
        assertTrue(fromPng.out().startsWith("zero.png: class 0 "), fromPng.out());
    }

    @Test
    void theScheduleMovesEveryStepWhenAsked() {
        // One-cycle over 2 epochs moved per epoch gives the whole second epoch the final rate (0.003 / 2.5e5):
        // it learns nothing more. Moved per step, the rate falls through the second epoch, which still learns.
        CliRun perEpoch = run("train", "--epochs", "2");
        assertEquals(0, perEpoch.exit(), perEpoch.out() + perEpoch.err());
        double[] epochLosses = validationLosses(perEpoch.out());
        assertEquals(epochLosses[0], epochLosses[1], 1e-3, perEpoch.out());
        CliRun perStep = run("train", "--epochs", "2", "--schedule-every", "step");
        assertEquals(0, perStep.exit(), perStep.out() + perStep.err());
        assertTrue(perStep.out().contains("schedule onecycle per step"), perStep.out());
        double[] stepLosses = validationLosses(perStep.out());
        assertTrue(stepLosses[1] < stepLosses[0] - 0.2, perStep.out());
        CliRun spark = run("train", "--spark", "local[2]", "--schedule-every", "step");
        assertEquals(1, spark.exit());
        assertTrue(spark.err().contains("--schedule-every step: not with --spark yet"), spark.err());
    }

    /** The val_loss of each epoch line. */
    private static double[] validationLosses(String out) {
        return java.util.regex.Pattern.compile("val_loss (\\d+\\.\\d+)").matcher(out).results()
                .mapToDouble(m -> Double.parseDouble(m.group(1))).toArray();
    }

    @Test
    void runningOutOfMemorySaysWhereHowMuchAndWhichFlag() {
        OutOfMemoryError e = new OutOfMemoryError("Java heap space");
        e.setStackTrace(new StackTraceElement[] {
                new StackTraceElement("java.util.Arrays", "copyOf", "Arrays.java", 1),
                new StackTraceElement("dev.backprop.data.IdxReader", "decode", "IdxReader.java", 2),
                new StackTraceElement("dev.backprop.cli.TrainCommand", "call", "TrainCommand.java", 3)});
        String message = Main.outOfMemory(e);
        long limit = Runtime.getRuntime().maxMemory() >> 20;
        assertTrue(message.startsWith("out of memory (Java heap space) in IdxReader.decode; the JVM may use at most "
                + limit + " MB of heap. Give it more, e.g. BACKPROP_JVM_OPTS=-Xmx"), message);
    }

    @Test
    void aKernelSettingRefusedAtLoadIsItsMessage() {
        ExceptionInInitializerError e = new ExceptionInInitializerError(new IllegalArgumentException(
                "-Dbackprop.gemm.sparse=maybe: give on or off"));
        assertEquals("-Dbackprop.gemm.sparse=maybe: give on or off", Main.initializerFailure(e));
        assertEquals("java.lang.IllegalStateException", Main.initializerFailure(
                new ExceptionInInitializerError(new IllegalStateException())));
    }

    @Test
    void badInputGetsAClearMessage(@TempDir Path dir) throws Exception {
        CliRun unknown = run("train", "--dataset", "cifar");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("unknown dataset 'cifar'; known: mnist, fashion-mnist"), unknown.err());
        CliRun badModel = run("train", "--model", "mlp:12,x");
        assertTrue(badModel.err().contains("'x' is not a layer size"), badModel.err());
        CliRun notAModel = run("evaluate", dir.resolve("missing.safetensors").toString());
        assertEquals(1, notAModel.exit());
        assertTrue(notAModel.err().contains("missing.safetensors: no such file"), notAModel.err());
        CliRun badOption = run("train", "--optimizer", "quantum");
        assertEquals(2, badOption.exit());
        assertTrue(badOption.err().contains("quantum"), badOption.err());
        Path offline = dir.resolve("empty");
        Files.createDirectories(offline);
        CliRun missing = run("train", "--dataset", "iris", "--data", offline.toString(), "--offline");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("dataset 'iris' not found") && missing.err().contains("--data DIR names the folder"),
                missing.err());
    }
}
