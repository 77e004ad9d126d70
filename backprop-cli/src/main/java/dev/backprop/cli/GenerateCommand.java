package dev.backprop.cli;

import dev.backprop.io.ModelFile;
import dev.backprop.nn.GptDecoder;
import dev.backprop.tensor.Generator;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code backprop generate MODEL}: streams text sampled from a GPT model file. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continues a prompt with text sampled from a GPT trained by 'backprop train --model gpt:...',"
                + " printing each character as it comes. Keys and values are cached, so each new character costs one"
                + " row of every layer; when the model's context fills, the cache restarts from its newest half. Ends with the"
                + " rate, overall and once warm (after the first 5,000 characters, while the JIT compiles the kernels)."},
        footer = {"", "Examples:",
                "  ./backprop generate shakespeare.safetensors --prompt \"ROMEO:\" --tokens 300 --temperature 0.8 --top-k 40",
                "  ./backprop generate shakespeare.safetensors --prompt \"First Citizen:\" --temperature 0 --tokens 100"})
final class GenerateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "a GPT model file saved by 'backprop train --model gpt:... --out'")
    Path file;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "\n",
            description = "the text to continue; every character must be in the model's vocabulary. Default: a new line.")
    String prompt;

    @Option(names = "--tokens", paramLabel = "N", defaultValue = "300", description = "characters to generate. Default: ${DEFAULT-VALUE}.")
    int tokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8",
            description = "divides the scores before sampling: lower is more conservative, 0 always takes the likeliest."
                    + " Default: ${DEFAULT-VALUE}.")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40",
            description = "sample only among the K likeliest characters (0: all). Default: ${DEFAULT-VALUE}.")
    int topK;

    @picocli.CommandLine.Mixin
    SeedOption seed;

    @Override
    public Integer call() throws Exception {
        if (tokens < 0 || topK < 0 || !(temperature >= 0)) {
            throw new IllegalArgumentException("--tokens, --top-k and --temperature must not be negative");
        }
        ModelFile.LanguageModel lm = ModelFiles.languageModel(file);
        int[] context;
        try {
            context = lm.tokenizer().encode(prompt);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--prompt: " + e.getMessage(), e);
        }
        int block = lm.gpt().config().block();
        if (context.length > block) {
            System.err.printf(Locale.ROOT, "note: the prompt has %d characters; the model's context is %d, so it reads the"
                    + " last %d%n", context.length, block, block);
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        out.print(prompt);
        out.flush();
        GptDecoder decoder = lm.gpt().decoder();
        Generator generator = new Generator(seed.seed);
        int warmup = Math.min(WARMUP_CHARACTERS, tokens / 2);
        long start = System.nanoTime();
        long warm = start;
        float[] logits = decoder.start(context);
        for (int i = 0; i < tokens; i++) {
            if (i == warmup) {
                warm = System.nanoTime();
            }
            int next = GptDecoder.sample(logits, temperature, topK, generator);
            out.print(lm.tokenizer().decode(new int[] {next}));
            out.flush();
            if (i + 1 < tokens) {
                logits = decoder.next(next);
            }
        }
        out.println();
        out.flush();
        long end = System.nanoTime();
        System.err.println(rate(tokens, (end - start) / 1e9, warmup, (end - warm) / 1e9));
        return 0;
    }

    /**
     * Characters after which the rate counts as warm: the JIT compiles the decoder's kernels over the
     * first few thousand (on the recipe model, 2026-12-02: about 400 characters/s over the first
     * thousand, full speed from about the four-thousandth), at most half the run.
     */
    static final int WARMUP_CHARACTERS = 5_000;

    /** "40000 characters in 10.47 s (3,819 characters/s; 6,100/s once warm, after the first 5,000)". */
    static String rate(int tokens, double seconds, int warmup, double warmSeconds) {
        String line = String.format(Locale.ROOT, "%d characters in %.2f s (%,.0f characters/s", tokens, seconds,
                tokens / seconds);
        if (warmup > 0 && warmSeconds > 0) {
            line += String.format(Locale.ROOT, "; %,.0f/s once warm, after the first %,d", (tokens - warmup) / warmSeconds,
                    warmup);
        }
        return line + ")";
    }
}
