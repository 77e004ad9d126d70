package dev.backprop.serve;

import dev.backprop.io.ModelFile;
import dev.backprop.nn.GptDecoder;
import dev.backprop.tensor.Generator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A character-level GPT as the server offers it: text in, a continuation out, through the protocol's
 * generate extension ({@code POST /v2/models/{name}/generate}, as Triton defines it). Each request samples with
 * its own seed, as {@code ./backprop generate} does; requests take turns on one thread and one decoder (its key/value
 * cache restarted per request), at most {@code queueCapacity} waiting (then 503), each token taking its turn with the
 * other models' forward passes under the shared lock.
 */
final class ServedGenerator {
    static final String TEXT_INPUT = "text_input";
    static final String TEXT_OUTPUT = "text_output";
    /** The most characters one request may ask for. */
    static final int MAX_TOKENS = 4096;

    /** What a request asks for: the prompt and the sampling parameters. */
    record Request(String prompt, int maxTokens, float temperature, int topK, long seed) {
    }

    private final String name;
    private final ModelFile.LanguageModel model;
    private final Object forwardLock;
    private final ThreadPoolExecutor executor;
    private final int capacity;
    private GptDecoder decoder;   // made and used on the executor's one thread

    ServedGenerator(String name, ModelFile.LanguageModel model, ServeConfig config, Object forwardLock) {
        this.name = name;
        this.model = model;
        this.forwardLock = forwardLock;
        this.capacity = config.queueCapacity();
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(capacity),
                r -> Thread.ofPlatform().name("backprop-generate-" + name).daemon().unstarted(r));
    }

    String name() {
        return name;
    }

    /** The characters the model knows, in its vocabulary's order. */
    String vocabulary() {
        return model.tokenizer().vocabulary();
    }

    /** The model's context length in characters. */
    int context() {
        return model.gpt().config().block();
    }

    /** Checks the request (400 with what is wrong) and queues it (503 when the queue is full); the future gives the text. */
    CompletableFuture<String> submit(Request r) {
        if (r.maxTokens() < 1 || r.maxTokens() > MAX_TOKENS) {
            throw HttpProblem.badRequest("max_tokens is " + r.maxTokens() + "; give 1 to " + MAX_TOKENS);
        }
        if (!(r.temperature() >= 0) || Float.isInfinite(r.temperature())) {
            throw HttpProblem.badRequest("temperature is " + r.temperature() + "; give a finite number >= 0 (0: always the"
                    + " likeliest character)");
        }
        if (r.topK() < 0) {
            throw HttpProblem.badRequest("top_k is " + r.topK() + "; give 0 (all characters) or more");
        }
        if (r.prompt().isEmpty()) {
            throw HttpProblem.badRequest("text_input is empty; give at least one character to continue");
        }
        int[] context;
        try {
            context = model.tokenizer().encode(r.prompt());
        } catch (IllegalArgumentException e) {
            throw HttpProblem.badRequest("text_input: " + e.getMessage());
        }
        CompletableFuture<String> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    result.complete(generate(context, r));
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException full) {
            throw HttpProblem.unavailable("model '" + name + "' already has " + capacity + " requests waiting, the most"
                    + " it queues; try again shortly", 1);
        }
        return result;
    }

    /**
     * Samples on the generator's one thread, with its one decoder (its weights packed once; start() forgets the
     * previous request). The shared lock is taken per token, not per request, so a long generation and the other
     * models' batches interleave instead of one waiting out the other.
     */
    private String generate(int[] context, Request r) {
        if (decoder == null) {
            decoder = model.gpt().decoder();
        }
        Generator generator = new Generator(r.seed());
        float[] logits;
        synchronized (forwardLock) {
            logits = decoder.start(context);
        }
        int[] out = new int[r.maxTokens()];
        for (int i = 0; i < out.length; i++) {
            out[i] = GptDecoder.sample(logits, r.temperature(), r.topK(), generator);
            if (i + 1 < out.length) {
                synchronized (forwardLock) {
                    logits = decoder.next(out[i]);
                }
            }
        }
        return model.tokenizer().decode(out);
    }

    /** Answers the queued requests, then stops. */
    void close(long timeoutMillis) {
        executor.shutdown();
        try {
            executor.awaitTermination(Math.max(1, timeoutMillis), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
