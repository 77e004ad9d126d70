package dev.backprop.cli;

import dev.backprop.data.Dataset;
import dev.backprop.data.DatasetLocator;
import dev.backprop.data.PreparedData;
import dev.backprop.data.Preprocessing;
import dev.backprop.nn.Architecture;
import dev.backprop.tensor.Tensor;
import dev.backprop.text.BagOfWords;
import dev.backprop.text.mail.SpamAssassin;
import dev.backprop.train.ClassificationMetrics;
import dev.backprop.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code train} on text. {@code --dataset spam-assassin}: the SpamAssassin corpus as the published baselines split it
 * (exact duplicates dropped, stratified 80/10/10 with a fixed seed), turned into bag-of-words
 * features ({@code --model bow:VOCAB,H1,...}: the vocabulary from the training split alone, then an
 * MLP), trained in the one loop like any classifier, and reported as a spam filter is judged: test
 * accuracy, spam precision, recall and F1, macro-F1, and the accuracy on the test split's
 * {@code hard_ham} messages (ham that looks like spam). {@code --dataset FILE.csv|FILE.jsonl|FOLDER}: the
 * user's own labelled texts, split 80/10/10 per class, with the same bag-of-words model. The corpus as
 * token ids feeds the fine-tuned encoder ({@link EncoderJob}).
 */
final class TextClassification {
    /** The dataset's name on the command line. */
    static final String DATASET = "spam-assassin";
    /** The model when none is given. */
    static final String DEFAULT_MODEL = "bow:5000,64";
    private static final long SPLIT_SEED = 42;

    private TextClassification() {
    }

    /** The vocabulary size and the MLP of a {@code bow:VOCAB,H1,...} model. */
    record BowModel(int vocabulary, Architecture mlp) {
        static BowModel parse(String text) {
            if (!text.startsWith("bow:")) {
                throw new IllegalArgumentException("model '" + text + "' does not read text; for " + DATASET + " use"
                        + " --model bow:VOCAB,H1,... (a bag-of-words MLP, e.g. " + DEFAULT_MODEL + ")");
            }
            String[] parts = text.substring(4).split(",", 2);
            int vocabulary;
            try {
                vocabulary = Integer.parseInt(parts[0].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("model '" + text + "': the vocabulary size '" + parts[0]
                        + "' is not a whole number (bow:VOCAB,H1,..., e.g. " + DEFAULT_MODEL + ")");
            }
            if (vocabulary < 1) {
                throw new IllegalArgumentException("model '" + text + "': a vocabulary of " + vocabulary + " words");
            }
            return new BowModel(vocabulary, Architecture.parse(parts.length > 1 ? "mlp:" + parts[1] : "mlp"));
        }
    }

    /** The split as the job trains on it: features, the held-out validation set, the vocabulary, the test mails. */
    record Data(PreparedData prepared, Dataset validation, BagOfWords words, List<SpamAssassin.Mail> test) {
    }

    /** Finds the corpus (the --data folder, $BACKPROP_DATA, the user cache), splits it and computes the features. */
    static Data load(Path dataFolder, boolean download, int vocabulary, boolean headers) throws IOException {
        SpamAssassin.Split split = split(dataFolder, download, headers);
        BagOfWords words = BagOfWords.fit(texts(split.train()), vocabulary);
        PreparedData prepared = new PreparedData(dataset(words, split.train()), dataset(words, split.test()),
                Preprocessing.NONE);
        return new Data(prepared, dataset(words, split.validation()), words, split.test());
    }

    /** Whether {@code --dataset} names a file or folder of the user's labelled texts rather than a named dataset. */
    static boolean isTextPath(String dataset) {
        try {
            dev.backprop.data.NamedDataset.of(dataset);
            return false;
        } catch (IllegalArgumentException notNamed) {
            String lower = dataset.toLowerCase(Locale.ROOT);
            return lower.endsWith(".csv") || lower.endsWith(".jsonl") || lower.endsWith(".ndjson")
                    || Files.isDirectory(Path.of(dataset));
        }
    }

    /** The user's labelled texts (CSV, JSONL, or a folder per class), split 80/10/10 per class, as bag-of-words rows. */
    static Data loadTexts(Path path, int vocabulary) throws IOException {
        List<dev.backprop.text.LabeledTexts.LabeledText> all = dev.backprop.text.LabeledTexts.read(path);
        dev.backprop.text.LabeledTexts.Split split = dev.backprop.text.LabeledTexts.split(all, SPLIT_SEED);
        System.out.printf(Locale.ROOT, "texts %s: %,d in %d classes %s%n", path, all.size(), split.classes().size(),
                split.classes());
        BagOfWords words = BagOfWords.fit(split.train().stream().map(t -> t.text()).toList(), vocabulary);
        String name = path.getFileName().toString();
        PreparedData prepared = new PreparedData(labelled(name, words, split.train(), split.classes()),
                labelled(name, words, split.test(), split.classes()), Preprocessing.NONE);
        return new Data(prepared, split.validation().isEmpty() ? null
                : labelled(name, words, split.validation(), split.classes()), words, List.of());
    }

    private static Dataset labelled(String name, BagOfWords words, List<dev.backprop.text.LabeledTexts.LabeledText> texts,
                                    List<String> classes) {
        float[] labels = new float[texts.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = classes.indexOf(texts.get(i).label());
        }
        return new Dataset(name, words.features(texts.stream().map(t -> t.text()).toList()),
                Tensor.fromArray(labels, labels.length), classes);
    }

    /** The split as token ids of {@code encoder}'s tokenizer, for fine-tuning it. */
    record Tokens(Dataset train, Dataset validation, Dataset test, List<SpamAssassin.Mail> testMails) {
    }

    static Tokens tokens(Path dataFolder, boolean download, boolean headers, dev.backprop.text.SentenceEncoder encoder)
            throws IOException {
        SpamAssassin.Split split = split(dataFolder, download, headers);
        return new Tokens(ids(encoder, split.train()), ids(encoder, split.validation()), ids(encoder, split.test()),
                split.test());
    }

    private static Dataset ids(dev.backprop.text.SentenceEncoder encoder, List<SpamAssassin.Mail> mails) {
        float[] labels = new float[mails.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = mails.get(i).label();
        }
        return new Dataset(DATASET, encoder.ids(texts(mails)), Tensor.fromArray(labels, labels.length),
                SpamAssassin.CLASSES);
    }

    private static SpamAssassin.Split split(Path dataFolder, boolean download, boolean headers) throws IOException {
        Path folder = find(dataFolder, download);
        SpamAssassin.Corpus corpus = SpamAssassin.load(folder, headers);
        System.out.printf(Locale.ROOT, "corpus %s: %,d messages (%d exact duplicates dropped, %d damaged left out%s)%s%n",
                folder, corpus.mails().size(), corpus.duplicates(), corpus.damaged().size(),
                corpus.damaged().isEmpty() ? "" : ": " + String.join("; ", corpus.damaged()),
                headers ? "; headers kept" : "");
        return corpus.split(0.8, 0.1, SPLIT_SEED);
    }

    /**
     * The folder holding the corpus: where {@link DatasetLocator#standard} looks (the --data folder,
     * $BACKPROP_DATA, the user cache) or their {@code spam-assassin/} sub-folders; else, unless offline,
     * a download from the canonical site into the cache, each archive checked message by message.
     */
    private static Path find(Path dataFolder, boolean download) throws IOException {
        DatasetLocator locator = DatasetLocator.standard(dataFolder, download);
        String first = SpamAssassin.PARTS.get(0).archive();
        for (Path c : locator.folders()) {
            for (Path dir : List.of(c, c.resolve(DATASET))) {
                if (Files.isRegularFile(dir.resolve(first)) || Files.isDirectory(dir.resolve("easy_ham"))) {
                    return dir;
                }
            }
        }
        String problem = "downloading is off (--offline)";
        if (locator.downloadFolder() != null) {
            Path cache = locator.downloadFolder().resolve(DATASET);
            try {
                System.out.println("downloading the SpamAssassin corpus from " + SpamAssassin.CANONICAL + " into " + cache);
                return SpamAssassin.download(cache, SpamAssassin.CANONICAL);
            } catch (IOException e) {
                problem = "the download failed: " + e.getMessage();
            }
        }
        throw new java.io.FileNotFoundException("dataset '" + DATASET + "' not found. Looked in: "
                + locator.folders() + " and their " + DATASET + "/ folders; " + problem + ". Put the five archives ("
                + SpamAssassin.PARTS.stream().map(SpamAssassin.Part::archive).toList() + ") or their extracted folders in a"
                + " folder and pass --data FOLDER (on our machines: --data ../shared/datasets).");
    }

    private static List<String> texts(List<SpamAssassin.Mail> mails) {
        return mails.stream().map(SpamAssassin.Mail::text).toList();
    }

    private static Dataset dataset(BagOfWords words, List<SpamAssassin.Mail> mails) {
        float[] labels = new float[mails.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = mails.get(i).label();
        }
        return new Dataset(DATASET, words.features(texts(mails)), Tensor.fromArray(labels, labels.length),
                SpamAssassin.CLASSES);
    }

    /** Prints the spam filter's figures on the test split, from one pass of the model over it. */
    static void report(Trainer trainer, Dataset testSet, List<SpamAssassin.Mail> testMails) {
        Tensor logits = trainer.predict(testSet.features(), 64);
        ClassificationMetrics m = ClassificationMetrics.of(Double.NaN, logits, testSet.targets(), 1, SpamAssassin.CLASSES);
        float[] l = logits.toFloatArray();
        int hard = 0;
        int hardRight = 0;
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < testMails.size(); i++) {
            SpamAssassin.Mail mail = testMails.get(i);
            int predicted = l[2 * i + 1] > l[2 * i] ? 1 : 0;
            if (predicted != mail.label()) {
                wrong.add(mail.folder() + "/" + mail.name().substring(0, mail.name().indexOf('.')));
            }
            if (mail.folder().equals("hard_ham")) {
                hard++;
                hardRight += 1 - predicted;
            }
        }
        long[][] c = m.confusion();
        System.out.printf(Locale.ROOT, "spam precision %.4f, recall %.4f, F1 %.4f; macro-F1 %.4f; hard_ham accuracy %.4f"
                + " (%d of %d); test confusion: %d ham right, %d ham called spam, %d spam missed, %d spam caught%n",
                m.precision(1), m.recall(1), m.f1(1), (m.f1(0) + m.f1(1)) / 2, hardRight / (double) Math.max(1, hard),
                hardRight, hard, c[0][0], c[0][1], c[1][0], c[1][1]);
        System.out.println("misclassified test messages: " + (wrong.isEmpty() ? "none"
                : String.join(" ", wrong.subList(0, Math.min(20, wrong.size())))
                + (wrong.size() > 20 ? " and " + (wrong.size() - 20) + " more" : "")));
    }
}
