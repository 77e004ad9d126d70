package dev.backprop.cli;

import dev.backprop.data.BatchSource;
import dev.backprop.data.DataLoader;
import dev.backprop.data.Dataset;
import dev.backprop.optim.AdamW;
import dev.backprop.optim.schedule.WarmupLinearLR;
import dev.backprop.report.TrainingRecorder;
import dev.backprop.report.TrainingReport;
import dev.backprop.tensor.Generator;
import dev.backprop.text.EncoderClassifier;
import dev.backprop.text.TextClassifierFile;
import dev.backprop.train.Evaluation;
import dev.backprop.train.FitConfig;
import dev.backprop.train.LossFunction;
import dev.backprop.train.Trainer;
import dev.backprop.train.Validation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code train --model minilm[:freeze=K]}: fine-tunes a pretrained sentence encoder with a
 * classification head on its pooled output, end to end through the imported graph, with the
 * recipe BERT-family models are fine-tuned with: AdamW (weight decay 0.01), a small rate (5e-5
 * unless {@code --lr}), linear warm-up over the first tenth of the steps then linear decay to zero,
 * gradients clipped to norm 1, a few epochs (2 unless {@code --epochs}), batches of 16.
 */
final class EncoderJob implements TrainingJob {
    static final double DEFAULT_LR = 5e-5;
    static final int DEFAULT_EPOCHS = 2;
    static final int DEFAULT_BATCH = 16;

    private final EncoderClassifier model;
    private final Trainer trainer;
    private final FitConfig config;
    private final DataLoader loader;
    private final Dataset train;
    private final Dataset held;
    private final Dataset test;
    private final String title;

    EncoderJob(EncoderClassifier model, Dataset train, Dataset held, Dataset test, double lr, int epochs, int batch,
               long seed, String title) {
        this.model = model;
        this.train = train;
        this.held = held;
        this.test = test;
        this.title = title;
        int steps = epochs * ((train.size() + batch - 1) / batch);
        this.config = FitConfig.DEFAULT.withEpochs(epochs).withBatchSize(batch).withSeed(seed)
                .withStepSchedule(new WarmupLinearLR(Math.max(1, steps / 10), steps)).withClipNorm(1.0);
        this.loader = new DataLoader(train, batch, true, false, new Generator(seed));
        this.trainer = new Trainer(model, new AdamW(model.trainableParameters(), AdamW.Config.DEFAULT.withLr(lr)),
                LossFunction.crossEntropy());
        long trainable = model.trainableParameters().stream().mapToLong(t -> t.numel()).sum();
        System.out.printf(Locale.ROOT, "model %s: %,d parameters, %,d trained; adamw lr %s, warm-up %d of %d steps then"
                        + " linear decay, clip norm 1, %d epochs of batch %d, seed %d%n", title, model.parameterCount(),
                trainable, lr, Math.max(1, steps / 10), steps, epochs, batch, seed);
    }

    @Override
    public Trainer trainer() {
        return trainer;
    }

    @Override
    public BatchSource source() {
        return loader;
    }

    @Override
    public Validation validation() {
        return held == null ? null : Validation.of(held, 64, 1);
    }

    @Override
    public FitConfig config() {
        return config;
    }

    @Override
    public Evaluation.Metric monitor() {
        return Evaluation.Metric.ACCURACY;
    }

    @Override
    public TrainingRecorder recorder() {
        int[] sample = new int[Math.min(64, train.size())];
        Arrays.setAll(sample, i -> i);
        return new TrainingRecorder(model, train.subset(sample));
    }

    @Override
    public Path writeReport(Path dir, TrainingRecorder recorder) throws IOException {
        return TrainingReport.write(dir, title, recorder, test, trainer.predict(test.features(), 64));
    }

    @Override
    public void finish(Path out) throws IOException {
        if (out != null) {
            TextClassifierFile.save(out, model, test.classNames());
            System.out.println("saved " + out);
        }
        System.out.printf(Locale.ROOT, "test accuracy: %.4f%n", trainer.evaluate(test, 64).classification().accuracy());
    }
}
