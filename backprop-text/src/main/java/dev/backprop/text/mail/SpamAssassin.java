package dev.backprop.text.mail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SpamAssassin public mail corpus: 6,046 raw e-mails in five parts ({@code easy_ham} 2,500,
 * {@code easy_ham_2} 1,400, {@code hard_ham} 250 ham that looks like spam, {@code spam} 500 and
 * {@code spam_2} 1,396 spam), read from the canonical {@code .tar.bz2} archives or their extracted
 * folders. Every message is checked against the MD5 in its file name; a damaged one is reported,
 * not trained on. Decoded texts ({@link MailText}) that are exact duplicates are dropped (the
 * protocol of the published baselines), and the rest split 80/10/10 with each class in proportion.
 *
 * <pre>{@code
 * SpamAssassin.Corpus corpus = SpamAssassin.load(Path.of("../shared/datasets/spam-assassin"), false);
 * SpamAssassin.Split split = corpus.split(0.8, 0.1, 42);
 * }</pre>
 */
public final class SpamAssassin {
    /** The five parts: archive name, folder name, whether its messages are spam, how many it holds. */
    public record Part(String archive, String folder, boolean spam, int messages) {
    }

    public static final List<Part> PARTS = List.of(
            new Part("20030228_easy_ham.tar.bz2", "easy_ham", false, 2_500),
            new Part("20030228_easy_ham_2.tar.bz2", "easy_ham_2", false, 1_400),
            new Part("20030228_hard_ham.tar.bz2", "hard_ham", false, 250),
            new Part("20030228_spam.tar.bz2", "spam", true, 500),
            new Part("20050311_spam_2.tar.bz2", "spam_2", true, 1_396));

    /** The class names, by label: 0 ham, 1 spam. */
    public static final List<String> CLASSES = List.of("ham", "spam");

    private SpamAssassin() {
    }

    /** One message as a model sees it: its text, its label (1 spam), and where it came from. */
    public record Mail(String folder, String name, String text, int label) {
    }

    /**
     * The corpus: the messages kept (intact, decoded, without exact duplicates), and those left out
     * with the reason ({@code folder/name: why}).
     */
    public record Corpus(List<Mail> mails, List<String> damaged, int duplicates) {

        /**
         * A stratified split: within each class, the messages shuffled with {@code seed} and cut into
         * {@code train}, {@code validation} and the rest (test) shares.
         */
        public Split split(double train, double validation, long seed) {
            if (!(train > 0) || validation < 0 || train + validation >= 1) {
                throw new IllegalArgumentException("SpamAssassin.split: shares " + train + " and " + validation
                        + " must be positive and leave some for the test split");
            }
            List<Mail> tr = new ArrayList<>();
            List<Mail> va = new ArrayList<>();
            List<Mail> te = new ArrayList<>();
            for (int label = 0; label < 2; label++) {
                List<Mail> ofClass = new ArrayList<>();
                for (Mail m : mails) {
                    if (m.label() == label) {
                        ofClass.add(m);
                    }
                }
                java.util.Collections.shuffle(ofClass, new java.util.Random(seed * 31 + label));
                int a = (int) Math.round(ofClass.size() * train);
                int b = a + (int) Math.round(ofClass.size() * validation);
                tr.addAll(ofClass.subList(0, a));
                va.addAll(ofClass.subList(a, b));
                te.addAll(ofClass.subList(b, ofClass.size()));
            }
            return new Split(tr, va, te);
        }
    }

    /** Training, validation and test messages. */
    public record Split(List<Mail> train, List<Mail> validation, List<Mail> test) {
    }

    /**
     * Reads every part from {@code folder} (archives or extracted folders, or a sub-folder
     * {@code spam-assassin/}); {@code withHeaders} keeps all header lines in the texts.
     */
    public static Corpus load(Path folder, boolean withHeaders) throws IOException {
        Path base = Files.isDirectory(folder.resolve("spam-assassin")) ? folder.resolve("spam-assassin") : folder;
        List<Mail> mails = new ArrayList<>();
        List<String> damaged = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int duplicates = 0;
        for (Part part : PARTS) {
            List<RawMessage> raw = MailArchives.read(base, part.archive(), part.folder());
            for (RawMessage r : raw) {
                if (!r.intact()) {
                    damaged.add(r.folder() + "/" + r.name() + ": " + (r.truncated() ? "longer than "
                            + MailArchives.MAX_MESSAGE_BYTES + " bytes" : "its content does not match the MD5 in its name"));
                    continue;
                }
                String text = MailText.of(r.bytes(), withHeaders);
                if (!seen.add(text)) {
                    duplicates++;
                    continue;
                }
                mails.add(new Mail(r.folder(), r.name(), text, part.spam() ? 1 : 0));
            }
        }
        return new Corpus(List.copyOf(mails), List.copyOf(damaged), duplicates);
    }

    /** The Apache SpamAssassin project's public corpus folder, where the canonical archives are published. */
    public static final java.net.URI CANONICAL = java.net.URI.create("https://spamassassin.apache.org/old/publiccorpus/");

    /**
     * Downloads the parts missing from {@code folder} from {@code mirror} (a folder URI such as
     * {@link #CANONICAL}). The canonical archives' own checksums are not known here, so each archive
     * is checked by its content: it must hold the part's number of messages, every one matching the
     * MD5 in its name; only then does it take its name in {@code folder}. Returns the folder.
     */
    public static Path download(Path folder, java.net.URI mirror) throws IOException {
        Files.createDirectories(folder);
        List<String> problems = new ArrayList<>();
        for (Part part : PARTS) {
            Path target = folder.resolve(part.archive());
            if (Files.isRegularFile(target)) {
                continue;
            }
            Path part2 = Files.createTempFile(folder, part.archive(), ".part");
            try {
                java.net.URLConnection c = mirror.resolve(part.archive()).toURL().openConnection();
                c.setConnectTimeout(30_000);
                c.setReadTimeout(30_000);
                try (java.io.InputStream in = c.getInputStream()) {
                    Files.copy(in, part2, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                List<RawMessage> messages = MailArchives.fromArchive(part2, part.folder());
                List<String> damaged = messages.stream().filter(m -> !m.intact()).map(m -> part.folder() + "/" + m.name())
                        .toList();
                if (messages.size() != part.messages() || !damaged.isEmpty()) {
                    problems.add(part.archive() + " from " + mirror + " holds " + messages.size() + " messages (expected "
                            + part.messages() + ")" + (damaged.isEmpty() ? "" : ", damaged: " + damaged));
                    continue;
                }
                Files.move(part2, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                problems.add(part.archive() + " from " + mirror + ": " + e.getMessage());
            } finally {
                Files.deleteIfExists(part2);
            }
        }
        if (!problems.isEmpty()) {
            throw new IOException("the SpamAssassin corpus could not be downloaded whole into " + folder + ": "
                    + String.join("; ", problems));
        }
        return folder;
    }

    /** How many messages each part holds, by folder, for a summary line. */
    public static Map<String, Integer> counts(List<Mail> mails) {
        Map<String, Integer> out = new LinkedHashMap<>();
        PARTS.forEach(p -> out.put(p.folder(), 0));
        mails.forEach(m -> out.merge(m.folder(), 1, Integer::sum));
        return out;
    }
}
