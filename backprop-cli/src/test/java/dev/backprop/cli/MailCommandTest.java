package dev.backprop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.conformance.ReferenceData;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --dataset spam-assassin} with a bag-of-words model on the shared corpus: the spam
 * filter's figures, a model file that keeps its vocabulary, and {@code predict} on a raw e-mail, a
 * text file and standard input.
 */
class MailCommandTest {

    @Test
    void aBagOfWordsModelTrainsSavesAndClassifiesRawMail(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("spam.safetensors");
        CliRun run = CliRun.of("train", "--dataset", "spam-assassin", "--data", ReferenceData.datasetsDirectory().toString(),
                "--model", "bow:2000,32", "--epochs", "3", "--out", model.toString());
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("5,920 messages (125 exact duplicates dropped, 1 damaged left out: hard_ham/00230"),
                run.out());
        assertTrue(run.out().contains("4736 training, 592 validation and 592 test examples, 2000 features"), run.out());
        String accuracy = run.out().lines().filter(l -> l.startsWith("test accuracy: ")).findFirst().orElseThrow();
        assertTrue(Double.parseDouble(accuracy.substring(15)) >= 0.95, accuracy);
        String figures = run.out().lines().filter(l -> l.startsWith("spam precision ")).findFirst().orElseThrow();
        assertTrue(figures.contains("macro-F1") && figures.contains("hard_ham accuracy"), figures);
        assertTrue(run.lastLine().startsWith("misclassified test messages: "), run.lastLine());

        Path spam = dir.resolve("offer.eml");
        Files.writeString(spam, "From: deals@example.com\nSubject: Make money fast!!!\nContent-Type: text/html\n\n"
                + "<p>Click here to claim your FREE prize. Limited time offer, act now! To be removed from our mailing"
                + " list reply REMOVE.</p>\n");
        CliRun offer = CliRun.of("predict", model.toString(), spam.toString());
        assertTrue(offer.out().startsWith("offer.eml: class spam"), offer.out() + offer.err());
        Path ham = dir.resolve("note.txt");
        Files.writeString(ham, "Hi Bob, the build on the test server failed again last night. Can you look at the"
                + " patch before the meeting? I think the problem is in the kernel module's config.\n");
        CliRun note = CliRun.of("predict", model.toString(), ham.toString());
        assertTrue(note.out().startsWith("note.txt: class ham"), note.out() + note.err());
        var stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream(Files.readAllBytes(spam)));
            CliRun piped = CliRun.of("predict", model.toString(), "-");
            assertTrue(piped.out().startsWith("standard input: class spam"), piped.out() + piped.err());
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void aFineTunedEncoderIsSavedWithItsWeightsAndClassifiesFromTheFile(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("minilm.safetensors");
        CliRun run = CliRun.of("train", "--dataset", "spam-assassin", "--data", ReferenceData.datasetsDirectory().toString(),
                "--model", "minilm:freeze=6", "--max-tokens", "8", "--epochs", "1", "--lr", "1e-3", "--out", model.toString());
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("embeddings and layers 0-5 frozen") && run.out().contains("770 trained"), run.out());
        String accuracy = run.out().lines().filter(l -> l.startsWith("test accuracy: ")).findFirst().orElseThrow();
        assertTrue(Double.parseDouble(accuracy.substring(15)) >= 0.75, "a head on 8 frozen tokens: " + accuracy);
        Path mail = dir.resolve("offer.eml");
        Files.writeString(mail, "From: deals@example.com\nSubject: Make money fast!!!\n\nClick here to claim your FREE"
                + " prize now!\n");
        CliRun offer = CliRun.of("predict", model.toString(), mail.toString());
        assertTrue(offer.exit() == 0 && offer.out().matches("offer\\.eml: class (spam|ham) \\(0\\.\\d+\\).*\\s*"),
                offer.out() + offer.err());
        CliRun badSetting = CliRun.of("train", "--dataset", "spam-assassin", "--model", "minilm:freeze=all");
        assertTrue(badSetting.err().contains("minilm takes one setting, freeze=K"), badSetting.err());
        CliRun chunks = CliRun.of("train", "--dataset", "spam-assassin", "--model", "minilm", "--long-text", "CHUNK");
        assertTrue(chunks.exit() != 0 && chunks.err().contains("a classifier reads one piece of each text"), chunks.err());
    }

    @Test
    void aUsersOwnCsvOfLabelledTextsTrainsAndReportsEveryClass(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("label,text\n");
        String[] good = {"great product, works perfectly", "excellent quality, love it", "fast delivery, very happy"};
        String[] bad = {"terrible, broke after a day", "awful quality, want a refund", "does not work, disappointed"};
        for (int i = 0; i < 60; i++) {
            csv.append(i % 2 == 0 ? "positive,\"" + good[i % 3] : "negative,\"" + bad[i % 3]).append(" (").append(i)
                    .append(")\"\n");
        }
        Path file = dir.resolve("reviews.csv");
        Files.writeString(file, csv);
        CliRun run = CliRun.of("train", "--dataset", file.toString(), "--model", "bow:50,8", "--epochs", "40");
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("60 in 2 classes [negative, positive]"), run.out());
        assertTrue(run.out().contains("test accuracy: 1.0000"), run.out());
        assertTrue(run.out().contains("negative ") && run.out().contains("confusion matrix"), run.out());
    }

    @Test
    void modelsThatDoNotReadTextAndAMissingCorpusAreRefusedWithTheReason(@TempDir Path dir) {
        CliRun lenet = CliRun.of("train", "--dataset", "spam-assassin", "--model", "lenet");
        assertTrue(lenet.exit() != 0 && lenet.err().contains("use --model bow:VOCAB,H1"), lenet.err());
        CliRun vocabulary = CliRun.of("train", "--dataset", "spam-assassin", "--model", "bow:many,32");
        assertTrue(vocabulary.err().contains("'many' is not a whole number"), vocabulary.err());
        CliRun missing = CliRun.of("train", "--dataset", "spam-assassin", "--data", dir.toString(), "--offline");
        assertTrue(missing.exit() != 0 && missing.err().contains("dataset 'spam-assassin' not found")
                && missing.err().contains("downloading is off") && missing.err().contains("20030228_easy_ham.tar.bz2"),
                missing.err());
    }
}
