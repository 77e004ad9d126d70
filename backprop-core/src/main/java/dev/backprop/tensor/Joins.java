package dev.backprop.tensor;

/** Concatenation along an existing dimension and stacking along a new one; gradients are slices. */
final class Joins {
    private Joins() {
    }

    static Tensor cat(int dim, Tensor... tensors) {
        if (tensors.length == 0) {
            throw new IllegalArgumentException("cat: needs at least one tensor");
        }
        Tensor first = tensors[0];
        int d = first.shape.normalizeDim("cat", dim);
        int total = 0;
        for (int i = 0; i < tensors.length; i++) {
            Tensor t = tensors[i];
            if (t.rank() != first.rank()) {
                throw new ShapeException("cat: tensor " + i + " has shape " + t.shape + " but tensor 0 has "
                        + first.shape + "; all need the same number of dimensions");
            }
            for (int j = 0; j < t.rank(); j++) {
                if (j != d && t.shape.raw()[j] != first.shape.raw()[j]) {
                    throw new ShapeException("cat: tensor " + i + " has shape " + t.shape + " but tensor 0 has "
                            + first.shape + "; sizes must match except in dimension " + dim);
                }
            }
            total += t.shape.raw()[d];
        }
        int[] dims = first.shape.dims();
        dims[d] = total;
        Tensor out = Tensor.zeros(dims);
        int[] starts = new int[tensors.length];
        try (var scope = GradMode.noGrad()) {
            int start = 0;
            for (int i = 0; i < tensors.length; i++) {
                starts[i] = start;
                int len = tensors[i].shape.raw()[d];
                out.narrow(d, start, len).copyInPlace(tensors[i]);
                start += len;
            }
        }
        return Graph.op("cat", out, tensors).backward(g -> {
            Tensor[] grads = new Tensor[tensors.length];
            for (int i = 0; i < tensors.length; i++) {
                grads[i] = g.narrow(d, starts[i], tensors[i].shape.raw()[d]);
            }
            return grads;
        });
    }

    static Tensor stack(int dim, Tensor... tensors) {
        if (tensors.length == 0) {
            throw new IllegalArgumentException("stack: needs at least one tensor");
        }
        Tensor[] expanded = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            if (!tensors[i].shape.equals(tensors[0].shape)) {
                throw new ShapeException("stack: tensor " + i + " has shape " + tensors[i].shape
                        + " but tensor 0 has " + tensors[0].shape + "; all must be equal");
            }
            expanded[i] = tensors[i].unsqueeze(dim);
        }
        return cat(dim, expanded);
    }
}
