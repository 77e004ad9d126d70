package dev.backprop.text;

import dev.backprop.onnx.load.OnnxImport;
import dev.backprop.onnx.load.OnnxModel;
import dev.backprop.tensor.GradMode;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings from a BERT-family encoder imported from ONNX, as sentence-transformers
 * computes them: the text tokenized ({@link WordPieceTokenizer}), the encoder's
 * {@code last_hidden_state} averaged over the real tokens (mean pooling with the attention mask),
 * and the average scaled to unit length. A text longer than {@link #maxTokens()} is cut into pieces
 * that each fit, and their averages are averaged again weighted by their token counts, as
 * langchain4j does, unless the encoder is asked to truncate.
 *
 * <pre>{@code
 * SentenceEncoder minilm = MiniLm.load();
 * float[][] vectors = minilm.embed(List.of("I love sentence transformers."));   // 384 numbers each
 * }</pre>
 *
 * The encoder is an ordinary trainable module: {@link #pooled} gives the mean-pooled output with
 * its gradient, for a classification head to be fine-tuned on.
 */
public final class SentenceEncoder {
    /** The default token limit: 256, all-MiniLM-L6-v2's training length (its tokenizer.json says 128). */
    public static final int DEFAULT_MAX_TOKENS = 256;

    /** What to do with a text longer than the token limit. */
    public enum LongText {
        /** Cut into pieces that fit, embed each, average weighted by token count. */
        CHUNK,
        /** Keep the first tokens that fit. */
        TRUNCATE,
        /**
         * Keep the first and the last tokens, half of what fits from each end: a mail's closing lines
         * (signatures, unsubscribe notices) say as much about it as its opening. Sun et al. (2019, "How to
         * Fine-Tune BERT for Text Classification") found head and tail the best cut for long reviews.
         */
        HEAD_AND_TAIL
    }

    private final OnnxModel encoder;
    private final WordPieceTokenizer tokenizer;
    private final int maxTokens;
    private final LongText longText;
    private final String outputName;
    private final int batchSize;

    private SentenceEncoder(OnnxModel encoder, WordPieceTokenizer tokenizer, int maxTokens, LongText longText,
                            int batchSize) {
        if (!encoder.inputNames().contains("input_ids") || !encoder.inputNames().contains("attention_mask")) {
            throw new IllegalArgumentException("SentenceEncoder: the encoder's inputs are " + encoder.inputNames()
                    + "; a BERT-family encoder takes input_ids and attention_mask (and token_type_ids)");
        }
        if (maxTokens < 3) {
            throw new IllegalArgumentException("SentenceEncoder: maxTokens " + maxTokens + " leaves no room for text");
        }
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
        this.longText = longText;
        this.batchSize = batchSize;
        this.outputName = encoder.outputNames().contains("last_hidden_state") ? "last_hidden_state"
                : encoder.outputNames().get(0);
    }

    /** An encoder from its ONNX file and its {@code tokenizer.json}, with the default settings. */
    public static SentenceEncoder load(Path onnx, Path tokenizerJson) throws IOException {
        return new SentenceEncoder(OnnxImport.load(onnx), WordPieceTokenizer.read(tokenizerJson), DEFAULT_MAX_TOKENS,
                LongText.CHUNK, 32);
    }

    /** The same encoder with another token limit and long-text rule. */
    public SentenceEncoder with(int maxTokens, LongText longText) {
        return new SentenceEncoder(encoder, tokenizer, maxTokens, longText, batchSize);
    }

    /** The imported encoder (its parameters are the ONNX file's weights, by name). */
    public OnnxModel encoder() {
        return encoder;
    }

    public WordPieceTokenizer tokenizer() {
        return tokenizer;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** What happens to a text longer than {@link #maxTokens()}. */
    public LongText longText() {
        return longText;
    }

    /** Unit-length embeddings of {@code texts}, in order, computed without gradients. */
    public float[][] embed(List<String> texts) {
        List<Encoding> pieces = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        for (int t = 0; t < texts.size(); t++) {
            for (Encoding e : pieces(texts.get(t))) {
                pieces.add(e);
                owner.add(t);
            }
        }
        float[][] sums = new float[texts.size()][];
        int[] tokens = new int[texts.size()];
        try (var off = GradMode.noGrad()) {
            for (int start = 0; start < pieces.size(); start += batchSize) {
                List<Encoding> batch = pieces.subList(start, Math.min(pieces.size(), start + batchSize));
                float[] pooled = pooled(batch).toFloatArray();
                int width = pooled.length / batch.size();
                for (int i = 0; i < batch.size(); i++) {
                    int t = owner.get(start + i);
                    int n = batch.get(i).length();
                    if (sums[t] == null) {
                        sums[t] = new float[width];
                    }
                    for (int j = 0; j < width; j++) {
                        sums[t][j] += pooled[i * width + j] * n;
                    }
                    tokens[t] += n;
                }
            }
        }
        for (int t = 0; t < sums.length; t++) {
            double norm = 0;
            for (float v : sums[t]) {
                norm += (double) v * v;
            }
            float scale = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
            for (int j = 0; j < sums[t].length; j++) {
                sums[t][j] *= scale;
            }
        }
        return sums;
    }

    /** The pieces a text is embedded as: one, or (chunking) as many as its length needs. */
    List<Encoding> pieces(String text) {
        if (longText != LongText.CHUNK) {
            return List.of(limited(text));
        }
        Encoding whole = tokenizer.encode(text, Integer.MAX_VALUE);
        if (whole.length() <= maxTokens) {
            return List.of(whole);
        }
        int[] ids = whole.ids();
        int inner = maxTokens - 2;
        List<Encoding> out = new ArrayList<>();
        for (int start = 1; start < ids.length - 1; start += inner) {
            int end = Math.min(ids.length - 1, start + inner);
            int[] piece = new int[end - start + 2];
            piece[0] = ids[0];
            System.arraycopy(ids, start, piece, 1, end - start);
            piece[piece.length - 1] = ids[ids.length - 1];
            List<String> names = new ArrayList<>();
            for (int id : piece) {
                names.add(tokenizer.token(id));
            }
            out.add(new Encoding(piece, new int[piece.length], names));
        }
        return out;
    }

    /** Tokenizes {@code texts} (cut to the token limit) for {@link #pooled}. */
    public List<Encoding> encode(List<String> texts) {
        return texts.stream().map(this::limited).toList();
    }

    /**
     * A text's tokens within the limit: its first ones, or with {@link LongText#HEAD_AND_TAIL} (and
     * a text too long) the first half and the last half of what fits between [CLS] and [SEP].
     */
    private Encoding limited(String text) {
        if (longText != LongText.HEAD_AND_TAIL) {
            return tokenizer.encode(text, maxTokens);
        }
        Encoding whole = tokenizer.encode(text, Integer.MAX_VALUE);
        int n = whole.length();
        if (n <= maxTokens) {
            return whole;
        }
        // [CLS] and the head are the whole's first 1 + head tokens; the tail and [SEP] its last tail + 1.
        int inner = maxTokens - 2;
        int front = 1 + (inner + 1) / 2;
        int back = maxTokens - front;
        int[] ids = new int[maxTokens];
        int[] types = new int[maxTokens];
        System.arraycopy(whole.ids(), 0, ids, 0, front);
        System.arraycopy(whole.ids(), n - back, ids, front, back);
        System.arraycopy(whole.typeIds(), 0, types, 0, front);
        System.arraycopy(whole.typeIds(), n - back, types, front, back);
        List<String> tokens = new ArrayList<>(whole.tokens().subList(0, front));
        tokens.addAll(whole.tokens().subList(n - back, n));
        return new Encoding(ids, types, tokens);
    }

    /**
     * The mean of {@code last_hidden_state} over each encoding's tokens, {@code [batch, hidden]}, on the
     * autograd graph (gradients flow into the encoder's parameters); the batch is padded to its
     * longest encoding and the padding masked out.
     */
    public Tensor pooled(List<Encoding> batch) {
        return pooledIds(pad(batch).inputs().get("input_ids"));
    }

    /**
     * {@link #pooled} of token ids already padded with the tokenizer's pad id, {@code [batch, length]}
     * (as a {@link dev.backprop.data.Dataset} of texts holds them): the mask is where the ids are not
     * padding, and columns that are padding in every row are left out.
     */
    public Tensor pooledIds(Tensor ids) {
        if (ids.rank() != 2) {
            throw new IllegalArgumentException("SentenceEncoder: token ids must be [batch, length], got " + ids.shape());
        }
        float[] v = ids.contiguous().toFloatArray();
        int n = ids.size(0);
        int length = ids.size(1);
        int longest = 0;
        float[] mask = new float[n * length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < length; j++) {
                if (v[i * length + j] != tokenizer.padId()) {
                    mask[i * length + j] = 1;
                    longest = Math.max(longest, j + 1);
                }
            }
        }
        Tensor maskTensor = Tensor.fromArray(mask, n, length).narrow(1, 0, longest).contiguous();
        Map<String, Tensor> inputs = new HashMap<>();
        inputs.put("input_ids", ids.narrow(1, 0, longest).contiguous());
        inputs.put("attention_mask", maskTensor);
        if (encoder.inputNames().contains("token_type_ids")) {
            inputs.put("token_type_ids", Tensor.zeros(n, longest));
        }
        Tensor hidden = encoder.run(inputs).get(outputName);
        Tensor weights = maskTensor.unsqueeze(2);
        return hidden.mul(weights).sum(1, false).div(weights.sum(1, false));
    }

    /** Token ids of {@code texts}, each cut to the token limit, padded into {@code [texts, maxTokens]}. */
    public Tensor ids(List<String> texts) {
        float[] out = new float[texts.size() * maxTokens];
        java.util.Arrays.fill(out, tokenizer.padId());
        for (int i = 0; i < texts.size(); i++) {
            int[] e = limited(texts.get(i)).ids();
            for (int j = 0; j < e.length; j++) {
                out[i * maxTokens + j] = e[j];
            }
        }
        return Tensor.fromArray(out, texts.size(), maxTokens);
    }

    /** The encoder's {@code last_hidden_state} for {@code batch}, padded to its longest encoding. */
    public Tensor hidden(List<Encoding> batch) {
        return encoder.run(pad(batch).inputs()).get(outputName);
    }

    /** The encoder's inputs for a batch padded to its longest encoding, and the attention mask among them. */
    private record Padded(Map<String, Tensor> inputs, Tensor mask) {
    }

    private Padded pad(List<Encoding> batch) {
        int longest = batch.stream().mapToInt(Encoding::length).max().orElse(0);
        int n = batch.size();
        float[] ids = new float[n * longest];
        float[] mask = new float[n * longest];
        float[] types = new float[n * longest];
        java.util.Arrays.fill(ids, tokenizer.padId());
        for (int i = 0; i < n; i++) {
            int[] eid = batch.get(i).ids();
            int[] et = batch.get(i).typeIds();
            for (int j = 0; j < eid.length; j++) {
                ids[i * longest + j] = eid[j];
                types[i * longest + j] = et[j];
                mask[i * longest + j] = 1;
            }
        }
        Tensor maskTensor = Tensor.fromArray(mask, n, longest);
        Map<String, Tensor> inputs = new HashMap<>();
        inputs.put("input_ids", Tensor.fromArray(ids, n, longest));
        inputs.put("attention_mask", maskTensor);
        if (encoder.inputNames().contains("token_type_ids")) {
            inputs.put("token_type_ids", Tensor.fromArray(types, n, longest));
        }
        return new Padded(inputs, maskTensor);
    }
}
