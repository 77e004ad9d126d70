package dev.backprop.cli;

import dev.backprop.io.ModelFile;
import dev.backprop.onnx.OnnxExport;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code backprop export FILE --onnx OUT}: a saved model as an ONNX graph for other runtimes. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Writes a saved model as ONNX (opset 17, dynamic batch size) with its input preprocessing, so that"
                + " ONNX Runtime and other runtimes give the same outputs on the same raw inputs as 'backprop predict'."
                + " Input 'input': [batch, features] for MLPs, [batch, 1, 28, 28] for lenet and cnn; output 'logits'.",
        footer = {"", "Examples:", "  ./backprop export digits.safetensors --onnx digits.onnx",
                "  ./backprop export mnist-cnn.safetensors --onnx mnist-cnn.onnx"})
final class ExportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "a model saved by 'backprop train --out'")
    Path file;

    @Option(names = "--onnx", paramLabel = "OUT", required = true, description = "the ONNX file to write")
    Path onnx;

    @Override
    public Integer call() throws Exception {
        ModelFile.Model m = ModelFiles.featureModel(file, "export");
        OnnxExport.write(m, onnx);
        System.out.printf(Locale.ROOT, "wrote %s: %s, %,d parameters, opset 17%n", onnx, m.spec(), m.module().parameterCount());
        return 0;
    }
}
