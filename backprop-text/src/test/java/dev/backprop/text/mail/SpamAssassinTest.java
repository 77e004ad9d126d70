package dev.backprop.text.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.backprop.data.SharedFolder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The corpus in the shared datasets: every message read and checked, duplicates dropped, a stratified split. */
class SpamAssassinTest {
    private static SpamAssassin.Corpus corpus;

    @BeforeAll
    static void load() throws IOException {
        corpus = SpamAssassin.load(SharedFolder.find("datasets"), false);
    }

    @Test
    void everyMessageIsReadAndTheOneDamagedCopyIsReported() {
        assertEquals(List.of("hard_ham/00230.244a63cd74c81123ef26129453e32c95: its content does not match the MD5 in"
                + " its name"), corpus.damaged());
        assertEquals(6_046, corpus.mails().size() + corpus.damaged().size() + corpus.duplicates());
        assertEquals(125, corpus.duplicates(), "exact duplicates of decoded texts");
        Map<String, Integer> counts = SpamAssassin.counts(corpus.mails());
        assertEquals(Map.of("easy_ham", 2_472, "easy_ham_2", 1_389, "hard_ham", 247, "spam", 481, "spam_2", 1_331), counts);
        long withVerdict = corpus.mails().stream().filter(m -> m.text().contains("X-Spam-Status")).count();
        assertEquals(7, withVerdict, "headers are left out (SpamAssassin's own verdict is in them); 7 bodies of the"
                + " SpamAssassin lists quote that header");
    }

    @Test
    void theSplitIsStratifiedDisjointAndFixedBySeed() {
        SpamAssassin.Split s = corpus.split(0.8, 0.1, 42);
        assertEquals(corpus.mails().size(), s.train().size() + s.validation().size() + s.test().size());
        double spam = corpus.mails().stream().filter(m -> m.label() == 1).count() / (double) corpus.mails().size();
        for (List<SpamAssassin.Mail> part : List.of(s.train(), s.validation(), s.test())) {
            double share = part.stream().filter(m -> m.label() == 1).count() / (double) part.size();
            assertEquals(spam, share, 0.005, "each split keeps the classes' proportions");
        }
        Set<String> names = new HashSet<>();
        for (List<SpamAssassin.Mail> part : List.of(s.train(), s.validation(), s.test())) {
            part.forEach(m -> assertTrue(names.add(m.folder() + m.name()), "in two splits: " + m.name()));
        }
        assertEquals(s.test(), corpus.split(0.8, 0.1, 42).test());
        assertTrue(s.test().stream().anyMatch(m -> m.folder().equals("hard_ham")));
        assertThrows(IllegalArgumentException.class, () -> corpus.split(0.9, 0.1, 1));
    }

    @Test
    void extractedFoldersAreReadLikeArchivesAndOversizedOrAlteredMessagesAreNamed(@TempDir Path dir) throws IOException {
        Path part = Files.createDirectories(dir.resolve("spam"));
        byte[] good = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        Files.write(part.resolve("00001." + MailArchives.md5(good)), good);
        Files.write(part.resolve("00002." + MailArchives.md5(good)), "Subject: hi\r\n\r\nhellO\r\n".getBytes(
                StandardCharsets.US_ASCII));
        byte[] big = new byte[MailArchives.MAX_MESSAGE_BYTES + 10];
        Files.write(part.resolve("00003." + MailArchives.md5(big)), big);
        Files.writeString(part.resolve("cmds"), "mv a b\n");
        List<RawMessage> read = MailArchives.read(dir, "20030228_spam.tar.bz2", "spam");
        assertEquals(3, read.size(), "the cmds script is not a message");
        assertTrue(read.get(0).intact());
        assertTrue(!read.get(1).intact() && !read.get(1).truncated());
        assertTrue(read.get(2).truncated() && read.get(2).bytes().length == MailArchives.MAX_MESSAGE_BYTES);
        IOException missing = assertThrows(IOException.class, () -> SpamAssassin.load(dir.resolve("nowhere"), false));
        assertTrue(missing.getMessage().contains("20030228_easy_ham.tar.bz2"), missing.getMessage());
    }

    @Test
    void aDownloadIsCheckedMessageByMessageAndOnlyWholeArchivesTakeTheirNames(@TempDir Path dir) throws IOException {
        // The shared folder as the "mirror": its hard_ham archive holds the one altered copy.
        java.net.URI mirror = SharedFolder.find("datasets/spam-assassin").toUri();
        IOException e = assertThrows(IOException.class, () -> SpamAssassin.download(dir, mirror));
        assertTrue(e.getMessage().contains("20030228_hard_ham.tar.bz2") && e.getMessage().contains(
                "damaged: [hard_ham/00230.244a63cd74c81123ef26129453e32c95]"), e.getMessage());
        for (SpamAssassin.Part p : SpamAssassin.PARTS) {
            assertEquals(!p.folder().equals("hard_ham"), Files.isRegularFile(dir.resolve(p.archive())), p.archive());
        }
        try (var left = Files.list(dir)) {
            assertEquals(4, left.count(), "no partial download is left behind");
        }
    }
}
