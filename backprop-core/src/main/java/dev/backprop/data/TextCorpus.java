package dev.backprop.data;

import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A text for a character-level language model: its {@link CharTokenizer}, and its tokens split
 * into a leading training part and a trailing validation part (the first 90% and the last 10% by
 * default, as in the usual recipe). {@link #batch} draws windows at random positions: inputs are
 * {@code T} tokens and targets the same window moved on by one; {@link #windows} makes such draws a
 * {@link BatchSource} for the training loop.
 */
public final class TextCorpus {
    /** Share of the text kept for validation unless asked otherwise. */
    public static final double VALIDATION_FRACTION = 0.1;

    private final CharTokenizer tokenizer;
    private final int[] train;
    private final int[] validation;

    private TextCorpus(CharTokenizer tokenizer, int[] train, int[] validation) {
        this.tokenizer = tokenizer;
        this.train = train;
        this.validation = validation;
    }

    /** Splits {@code text}: the first {@code 1 - validationFraction} for training, the rest for validation. */
    public static TextCorpus of(String text, double validationFraction) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("TextCorpus: the validation fraction must be in (0, 1), got " + validationFraction);
        }
        CharTokenizer tokenizer = new CharTokenizer(text);
        int[] all = tokenizer.encode(text);
        int cut = (int) (all.length * (1 - validationFraction));
        return new TextCorpus(tokenizer, Arrays.copyOfRange(all, 0, cut), Arrays.copyOfRange(all, cut, all.length));
    }

    /** Reads a UTF-8 text file (refusing bytes that are not UTF-8, naming the file) and splits it 90/10. */
    public static TextCorpus load(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file + ": not UTF-8 text (" + e.getMessage() + ")");
        }
        if (text.isEmpty()) {
            throw new DataFormatException(file + ": the file is empty; a language model needs text to learn from");
        }
        return of(text, VALIDATION_FRACTION);
    }

    /** Loads a named text corpus ({@link NamedDataset#isText()}), finding or downloading its file. */
    public static TextCorpus load(NamedDataset which, DatasetLocator locator) throws IOException {
        if (!which.isText()) {
            throw new IllegalArgumentException(which.id() + " is not a text corpus; known texts: tinyshakespeare");
        }
        return load(locator.locate(which).get(0));
    }

    public CharTokenizer tokenizer() {
        return tokenizer;
    }

    public int[] trainTokens() {
        return train.clone();
    }

    public int[] validationTokens() {
        return validation.clone();
    }

    public int trainSize() {
        return train.length;
    }

    public int validationSize() {
        return validation.length;
    }

    /** Which part of the text a batch comes from. */
    public enum Part { TRAIN, VALIDATION }

    /**
     * {@code batch} windows of {@code length} tokens at positions drawn from {@code generator}:
     * inputs {@code [batch, length]} and the next token at each position, {@code [batch * length]}.
     */
    public Batch batch(Part part, int batch, int length, Generator generator) {
        int[] tokens = requireWindows(part, batch, length);
        float[] x = new float[batch * length];
        float[] y = new float[batch * length];
        for (int b = 0; b < batch; b++) {
            int start = generator.nextInt(0, tokens.length - length - 1);
            for (int t = 0; t < length; t++) {
                x[b * length + t] = tokens[start + t];
                y[b * length + t] = tokens[start + t + 1];
            }
        }
        return new Batch(Tensor.fromArray(x, batch, length), Tensor.fromArray(y, batch * length));
    }

    /**
     * A source of random windows from one part of the text, for the training loop: each batch is
     * {@link #batch}{@code (part, batch, length, generator)}, and a pass is {@code batchesPerEpoch}
     * such draws (the steps between two loss estimates). Passes need no order; the generator's state
     * alone says where the draws stand.
     */
    public BatchSource windows(Part part, int batch, int length, int batchesPerEpoch, Generator generator) {
        if (batchesPerEpoch <= 0 || generator == null) {
            throw new IllegalArgumentException("TextCorpus.windows: need a positive number of batches per pass and a"
                    + " generator, got " + batchesPerEpoch + " and " + generator);
        }
        requireWindows(part, batch, length);   // a part shorter than a window is refused now, not at the first step
        return new BatchSource() {
            @Override
            public int batchesPerEpoch() {
                return batchesPerEpoch;
            }

            @Override
            public Generator generator() {
                return generator;
            }

            @Override
            public int[] drawOrder() {
                return null;
            }

            @Override
            public java.util.Iterator<Batch> pass(int[] order, int first) {
                if (order != null || first < 0 || first > batchesPerEpoch) {
                    throw new IllegalArgumentException("TextCorpus.windows: a pass takes no order and starts at a batch in"
                            + " [0, " + batchesPerEpoch + "], got " + (order == null ? "none" : order.length + " indices")
                            + " and " + first);
                }
                return new java.util.Iterator<>() {
                    private int next = first;

                    @Override
                    public boolean hasNext() {
                        return next < batchesPerEpoch;
                    }

                    @Override
                    public Batch next() {
                        if (!hasNext()) {
                            throw new java.util.NoSuchElementException("TextCorpus.windows: no more batches in this pass");
                        }
                        next++;
                        return batch(part, batch, length, generator);
                    }
                };
            }

            @Override
            public Unit unit() {
                return Unit.tokens(length);
            }

            @Override
            public String describe() {
                int tokens = part == Part.TRAIN ? train.length : validation.length;
                return batch + " random windows of " + length + " tokens from the " + part.name().toLowerCase(java.util.Locale.ROOT)
                        + " part (" + tokens + " tokens, vocabulary " + tokenizer.size() + "), " + batchesPerEpoch
                        + " batches a pass";
            }
        };
    }

    private int[] requireWindows(Part part, int batch, int length) {
        int[] tokens = part == Part.TRAIN ? train : validation;
        if (batch <= 0 || length <= 0 || tokens.length < length + 1) {
            throw new IllegalArgumentException("TextCorpus: cannot draw " + batch + " windows of " + length + " tokens from a "
                    + part.name().toLowerCase(java.util.Locale.ROOT) + " part of " + tokens.length + " tokens");
        }
        return tokens;
    }
}
