package dev.backprop.compare;

/** The networks every framework trains here, with the same layers, Adam and batch 128. */
enum Net {
    /** 784-256-256-10 with ReLU, on flat images. */
    MLP("MLP 784-256-256-10"),
    /** LeNet-5: conv 6@5x5 pad 2, ReLU, max pool 2; conv 16@5x5, ReLU, max pool 2; 120, 84, 10 (ReLU between). */
    LENET("LeNet-5");

    final String title;

    Net(String title) {
        this.title = title;
    }
}
