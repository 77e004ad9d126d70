package dev.backprop.cli;

import dev.backprop.data.DatasetLocator;
import dev.backprop.io.ModelFile;
import dev.backprop.io.Safetensors;
import dev.backprop.serve.ModelServer;
import dev.backprop.serve.ServeConfig;
import dev.backprop.serve.Servable;
import dev.backprop.text.MiniLm;
import dev.backprop.text.TextClassifierFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code backprop serve MODEL...}: saved models over HTTP with the Open Inference Protocol (KServe V2). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves saved models (classifiers, regressors, text models, GPT language models) and sentence"
                + " embeddings (minilm: all-MiniLM-L6-v2) over"
                + " HTTP with the Open Inference Protocol (KServe V2): GET /v2/health/live, /v2/health/ready,"
                + " /v2/models/NAME (inputs, outputs, shapes), POST /v2/models/NAME/infer; for a GPT, POST"
                + " /v2/models/NAME/generate (the protocol's generate extension); POST /models/NAME/predict for curl (JSON"
                + " instances, CSV rows, an image or a text); GET /models, /metrics (Prometheus), /openapi.json.",
                "Concurrent requests for a model share one forward pass (--max-batch rows, waiting up to --max-delay-ms);"
                + " a model queues at most --queue requests and answers 503 with Retry-After beyond that. Ctrl-C (or"
                + " SIGTERM) stops taking connections and answers the requests in flight first."},
        footer = {"", "Examples:", "  ./backprop serve mnist.safetensors",
                "  ./backprop serve digits=mnist.safetensors iris=iris.safetensors --port 9000",
                "  ./backprop serve minilm spam=spam-minilm.safetensors",
                "  curl -s -d '{\"instances\": [\"a sentence to embed\"]}' -H 'Content-Type: application/json' \\",
                "       localhost:8080/models/minilm/predict",
                "  curl -s localhost:8080/v2/models/mnist",
                "  curl -s -H 'Content-Type: text/csv' --data-binary @rows.csv localhost:8080/models/iris/predict"})
final class ServeCommand implements Callable<Integer> {
    /** The MODEL argument that names the pretrained sentence encoder rather than a file. */
    static final String MINILM = "minilm";

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "MODEL", arity = "1..*", description = "a model saved by 'backprop train --out', as FILE"
            + " (served under its file name without .safetensors) or NAME=FILE; 'minilm' (or NAME=minilm) for the"
            + " sentence encoder all-MiniLM-L6-v2 (text in, a unit-length embedding of 384 numbers out)")
    List<String> models;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "the address to listen on; 0.0.0.0 for every interface. Default: ${DEFAULT-VALUE} (this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "the TCP port (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--max-batch", paramLabel = "ROWS", defaultValue = "64",
            description = "the most rows one forward pass takes. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--max-delay-ms", paramLabel = "MS", defaultValue = "2",
            description = "how long a request waits for others to join its batch. Default: ${DEFAULT-VALUE}.")
    long maxDelayMs;

    @Option(names = "--queue", paramLabel = "REQUESTS", defaultValue = "256",
            description = "requests a model holds waiting; beyond that, 503. Default: ${DEFAULT-VALUE}.")
    int queue;

    @Option(names = "--max-request-bytes", paramLabel = "BYTES", defaultValue = "16777216",
            description = "the largest request body (413 beyond it). Default: ${DEFAULT-VALUE}.")
    int maxRequestBytes;

    @Option(names = "--read-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "the longest a client may take to send a request, or sit idle. Default: ${DEFAULT-VALUE}.")
    double readTimeout;

    @Option(names = "--shutdown-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "how long stopping waits for requests in flight. Default: ${DEFAULT-VALUE}.")
    double shutdownTimeout;

    @Override
    public Integer call() throws Exception {
        ServeConfig config;
        try {
            config = new ServeConfig(host, port, maxBatch, Duration.ofMillis(maxDelayMs), queue, maxRequestBytes,
                    Duration.ofMillis(Math.round(readTimeout * 1000)), Duration.ofMillis(Math.round(shutdownTimeout * 1000)));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Map<String, Servable> loaded = new LinkedHashMap<>();
        for (String model : models) {
            int eq = model.indexOf('=');
            Path file = Path.of(eq > 0 ? model.substring(eq + 1) : model);
            String name = eq > 0 ? model.substring(0, eq) : ModelServer.nameOf(file);
            if (loaded.containsKey(name)) {
                throw new ParameterException(spec.commandLine(), "two models named '" + name + "'; name them apart with"
                        + " NAME=FILE");
            }
            if (file.toString().equals(MINILM) && !Files.exists(file)) {
                loaded.put(name, Servable.embeddings(MiniLm.load(DatasetLocator.standard(null))));
                continue;
            }
            if (!Files.isRegularFile(file)) {
                throw new ParameterException(spec.commandLine(), "model file " + file + " does not exist (save one with"
                        + " ./backprop train ... --out " + file + ")");
            }
            Safetensors.Contents contents = Safetensors.read(file);
            loaded.put(name, TextClassifierFile.isOne(contents.metadata())
                    ? Servable.textClassifier(TextClassifierFile.load(contents, file.toString(), DatasetLocator.standard(null)))
                    : Servable.of(ModelFile.read(contents, file.toString())));
        }
        ModelServer server = ModelServer.start(config, loaded);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("stopping: answering the requests in flight");
            server.close();
        }, "backprop-serve-shutdown"));
        System.out.println("Serving " + String.join(", ", server.models()) + " on " + server.uri()
                + " (Open Inference Protocol: POST " + server.uri() + "/v2/models/" + server.models().get(0)
                + "/infer; metrics at /metrics, description at /openapi.json). Ctrl-C stops.");
        server.join();
        return 0;
    }
}
