package dev.backprop.cli;

import dev.backprop.text.SentenceEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code backprop similar QUERY --corpus FILE}: semantic search over the lines of a file. */
@Command(name = "similar", mixinStandardHelpOptions = true,
        description = "Semantic search: embeds the query and every line of the corpus with the sentence encoder and"
                + " prints the lines closest in meaning, with their cosine similarity.",
        footer = {"", "Examples:", "  ./backprop similar \"how do I reset my password\" --corpus faq.txt --top 3"})
final class SimilarCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    EncoderOptions encoder;

    @Parameters(paramLabel = "QUERY", description = "the text to search for")
    String query;

    @Option(names = "--corpus", paramLabel = "FILE", required = true, description = "the texts to search, one per line")
    Path corpus;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "how many lines to print. Default: ${DEFAULT-VALUE}")
    int top;

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new ParameterException(spec.commandLine(), "--top " + top + ": give at least 1");
        }
        List<InputLines.Line> lines = InputLines.read(corpus, "--corpus");
        if (lines.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--corpus " + corpus + " has no non-empty lines to search");
        }
        SentenceEncoder model = encoder.load(spec);
        List<String> all = new ArrayList<>();
        all.add(query);
        lines.forEach(l -> all.add(l.text()));
        float[][] v = model.embed(all);
        double[] scores = new double[lines.size()];
        for (int i = 0; i < scores.length; i++) {
            double dot = 0;
            for (int j = 0; j < v[0].length; j++) {
                dot += (double) v[0][j] * v[i + 1][j];
            }
            scores[i] = dot;
        }
        IntStream.range(0, lines.size()).boxed().sorted(Comparator.comparingDouble(i -> -scores[i])).limit(top)
                .forEach(i -> System.out.printf(Locale.ROOT, "%.4f  %s:%d  %s%n", scores[i], corpus.getFileName(),
                        lines.get(i).number(), EmbedCommand.abbreviate(lines.get(i).text())));
        return 0;
    }
}
