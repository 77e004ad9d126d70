package dev.backprop.nn;

import dev.backprop.tensor.ShapeException;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Modules applied one after another; the i-th is registered under the name {@code "i"}, so
 * parameter names ({@code 0.weight}, {@code 2.bias}) match PyTorch's {@code nn.Sequential}.
 * A shape error inside names the failing layer's position. A {@link BatchNorm} followed by a ReLU
 * runs as one op ({@link BatchNorm#forwardRelu}): the same numbers in fewer passes over them.
 */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... layers) {
        for (Module m : layers) {
            this.layers.add(registerModule(Integer.toString(this.layers.size()), m));
        }
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = input;
        for (int i = 0; i < layers.size(); i++) {
            try {
                if (layers.get(i) instanceof BatchNorm bn && i + 1 < layers.size()
                        && layers.get(i + 1) instanceof Activation a && a.isRelu()) {
                    x = bn.forwardRelu(x);
                    i++;
                } else {
                    x = layers.get(i).forward(x);
                }
            } catch (ShapeException e) {
                throw new ShapeException("layer " + i + " " + e.getMessage());
            }
        }
        return x;
    }

    /** The layers in order. */
    public List<Module> layers() {
        return List.copyOf(layers);
    }

    public int size() {
        return layers.size();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Sequential(");
        for (int i = 0; i < layers.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(layers.get(i));
        }
        return sb.append(')').toString();
    }
}
