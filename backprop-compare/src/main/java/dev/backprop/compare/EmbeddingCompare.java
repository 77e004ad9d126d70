package dev.backprop.compare;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.backprop.data.DatasetLocator;
import dev.backprop.tensor.GradMode;
import dev.backprop.text.Encoding;
import dev.backprop.text.MiniLm;
import dev.backprop.text.SentenceEncoder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Sentence embeddings with all-MiniLM-L6-v2, Backprop against ONNX Runtime on the same ONNX file
 * with the same threads, in one run: sentences per second at 128 tokens in batches of 32 (random
 * token ids between [CLS] and [SEP], as the platform notes measured ONNX Runtime), and the latency
 * of one short sentence. Medians of the calls of alternating rounds after warm-up ({@link Timing#alternate}).
 *
 * <pre>
 * backprop-compare/run --embeddings [--threads 2]
 * </pre>
 */
final class EmbeddingCompare {
    private static final int BATCH = 32;
    private static final int TOKENS = 128;
    private static final String SENTENCE = "I love sentence transformers.";
    /**
     * Seconds each side runs before it is timed: the JIT compiles the one-sentence path's kernels (a
     * few rows against packed weights) only after several seconds of calls (a scratch loop: 9-14 ms a
     * sentence over seconds 4-7, 6.3-6.6 ms from the eighth; Intel Xeon, family 6, 2026-12-03); ONNX
     * Runtime gets the same time.
     */
    private static final double ONE_WARMUP_S = 10;
    private static final double BATCH_WARMUP_S = 5;
    /** Rounds of each side and timed calls per round: a batch takes about a second, a sentence milliseconds. */
    private static final int BATCH_ROUNDS = 6;
    private static final int BATCH_CALLS = 2;
    private static final int ONE_ROUNDS = 10;
    private static final int ONE_CALLS = 20;

    private EmbeddingCompare() {
    }

    static void run(int threads) throws Exception {
        MiniLm.Located files = MiniLm.files(DatasetLocator.standard(null, false));
        SentenceEncoder backprop = SentenceEncoder.load(files.onnx(), files.tokenizer());
        List<Encoding> batch = randomBatch();
        Encoding one = backprop.encode(List.of(SENTENCE)).get(0);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        Timing.Paired batched;
        Timing.Paired single;
        try (OrtSession session = env.createSession(files.onnx().toString(), options)) {
            batched = Timing.alternate(BATCH_WARMUP_S, BATCH_ROUNDS, BATCH_CALLS, () -> pooled(backprop, batch),
                    () -> runtime(env, session, batch));
            single = Timing.alternate(ONE_WARMUP_S, ONE_ROUNDS, ONE_CALLS, () -> pooled(backprop, List.of(one)),
                    () -> runtime(env, session, List.of(one)));
        }
        dev.backprop.cpu.CpuInfo cpu = dev.backprop.cpu.CpuInfo.current();
        System.out.printf(Locale.ROOT, "all-MiniLM-L6-v2 embeddings, %s, %d threads, medians (best) of %d and %d calls in"
                + " alternating rounds, after %.0f s (batch) and %.0f s (one sentence) of warm-up for each side%n", cpu,
                threads, BATCH_ROUNDS * BATCH_CALLS, ONE_ROUNDS * ONE_CALLS, BATCH_WARMUP_S, ONE_WARMUP_S);
        System.out.printf(Locale.ROOT, "%-28s %22s %22s   %s%n", "", "Backprop", "ONNX Runtime 1.29",
                "ratio (lowest-highest of a round)");
        System.out.printf(Locale.ROOT, "%-28s %14.1f (%5.1f) %14.1f (%5.1f)   %.2f (%.2f-%.2f)%n",
                "sentences/s, 32 x 128 tokens", BATCH / batched.a()[0], BATCH / batched.a()[1], BATCH / batched.b()[0],
                BATCH / batched.b()[1], batched.ratio(), batched.lowest(), batched.highest());
        System.out.printf(Locale.ROOT, "%-28s %14.1f (%5.1f) %14.1f (%5.1f)   %.2f (%.2f-%.2f)%n",
                "ms, one sentence (" + one.length() + " tokens)", single.a()[0] * 1e3, single.a()[1] * 1e3,
                single.b()[0] * 1e3, single.b()[1] * 1e3, single.ratio(), single.lowest(), single.highest());
    }

    private static void pooled(SentenceEncoder encoder, List<Encoding> batch) {
        try (var off = GradMode.noGrad()) {
            encoder.pooled(batch);
        }
    }

    private static List<Encoding> randomBatch() {
        Random r = new Random(2026);
        List<Encoding> batch = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            int[] ids = new int[TOKENS];
            List<String> tokens = new ArrayList<>();
            for (int j = 0; j < TOKENS; j++) {
                ids[j] = j == 0 ? 101 : j == TOKENS - 1 ? 102 : 1000 + r.nextInt(29_000);
                tokens.add("t");
            }
            batch.add(new Encoding(ids, new int[TOKENS], tokens));
        }
        return batch;
    }

    private static void runtime(OrtEnvironment env, OrtSession session, List<Encoding> batch) throws Exception {
        int n = batch.size();
        int t = batch.get(0).length();
        long[] ids = new long[n * t];
        long[] mask = new long[n * t];
        for (int i = 0; i < n; i++) {
            int[] e = batch.get(i).ids();
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = e[j];
                mask[i * t + j] = 1;
            }
        }
        long[] shape = {n, t};
        try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor b = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor c = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape);
             OrtSession.Result out = session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
            out.get(0).getValue();
        }
    }
}
