package dev.backprop.text;

import dev.backprop.nn.Linear;
import dev.backprop.nn.Module;
import dev.backprop.tensor.Generator;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A text classifier on a pretrained sentence encoder: the encoder's mean-pooled output through a
 * linear head, fine-tuned end to end through the imported graph (or with the lowest layers frozen).
 * Its input is a batch of token ids {@code [batch, length]} padded with the tokenizer's pad id
 * ({@link SentenceEncoder#ids}), so it trains in the one loop like any other model. Parameters:
 * {@code encoder.*} (the ONNX file's names) and {@code head.weight}, {@code head.bias}.
 *
 * <pre>{@code
 * EncoderClassifier model = new EncoderClassifier(MiniLm.load(), 2, new Generator(0));
 * model.freezeLowest(3);   // the embeddings and layers 0-2 stay as pretrained
 * }</pre>
 */
public final class EncoderClassifier extends Module {
    private final SentenceEncoder encoder;
    private final Linear head;

    public EncoderClassifier(SentenceEncoder encoder, int classes, Generator generator) {
        this.encoder = encoder;
        registerModule("encoder", encoder.encoder());
        int width = encoder.encoder().namedParameters().entrySet().stream()
                .filter(e -> e.getKey().endsWith("LayerNorm.weight")).findFirst()
                .map(e -> e.getValue().size(0))
                .orElseThrow(() -> new IllegalArgumentException("EncoderClassifier: the encoder has no layer norm weight"
                        + " to read its width from"));
        this.head = registerModule("head", new Linear(width, classes, generator));
    }

    public SentenceEncoder encoder() {
        return encoder;
    }

    @Override
    public Tensor forward(Tensor ids) {
        return head.forward(encoder.pooledIds(ids));
    }

    /**
     * Keeps the embeddings and the lowest {@code layers} encoder layers as pretrained (their
     * parameters stop requiring gradients); returns the names frozen. A parameter belongs to a layer
     * by its name ({@code encoder.layer.0.}) or, for the weights an exporter named itself
     * ({@code onnx::MatMul_787}), by the nodes that read it ({@code /encoder/layer.0/...}).
     */
    public List<String> freezeLowest(int layers) {
        List<String> frozen = new ArrayList<>();
        if (layers <= 0) {
            return frozen;
        }
        Map<String, List<String>> readers = encoder.encoder().readers();
        for (Map.Entry<String, Tensor> e : encoder.encoder().namedParameters().entrySet()) {
            String name = e.getKey();
            List<String> nodes = readers.getOrDefault(name, List.of());
            boolean lower = name.startsWith("embeddings.") || nodes.stream().anyMatch(n -> n.startsWith("/embeddings/"));
            for (int i = 0; i < layers && !lower; i++) {
                String layer = "layer." + i;
                lower = name.startsWith("encoder." + layer + ".")
                        || nodes.stream().anyMatch(n -> n.startsWith("/encoder/" + layer + "/"));
            }
            if (lower) {
                e.getValue().setRequiresGrad(false);
                frozen.add(name);
            }
        }
        return frozen;
    }

    /** The parameters that train (frozen ones left out), for the optimizer. */
    public List<Tensor> trainableParameters() {
        return parameters().stream().filter(Tensor::requiresGrad).toList();
    }
}
