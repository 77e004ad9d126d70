package dev.backprop.compare;

import dev.backprop.data.Dataset;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** DL4J's side: the same network as a MultiLayerNetwork on the ND4J native (OpenBLAS) backend; images go in flat. */
final class Dl4jRun implements EpochRun {
    private final MultiLayerNetwork net;
    private final DataSet all;

    private static MultiLayerConfiguration mlp() {
        return new NeuralNetConfiguration.Builder()
                .seed(0).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(256).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(256).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    private static MultiLayerConfiguration lenet() {
        return new NeuralNetConfiguration.Builder()
                .seed(0).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nIn(1).nOut(6).padding(2, 2).stride(1, 1)
                        .activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).stride(1, 1).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(120).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(84).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
    }

    Dl4jRun(Net kind, Dataset train) {
        net = new MultiLayerNetwork(kind == Net.MLP ? mlp() : lenet());
        net.init();
        int n = train.size();
        INDArray x = Nd4j.create(train.features().toFloatArray(), new long[] {n, 784});
        float[] labels = train.targets().toFloatArray();
        float[] oneHot = new float[n * 10];
        for (int i = 0; i < n; i++) {
            oneHot[i * 10 + (int) labels[i]] = 1f;
        }
        INDArray y = Nd4j.create(oneHot, new long[] {n, 10});
        all = new DataSet(x, y);
    }

    @Override
    public String framework() {
        return "DL4J 1.0.0-M2.1 (ND4J native)";
    }

    @Override
    public String note() {
        return "OpenBLAS " + Nd4j.getBackend().getClass().getSimpleName();
    }

    @Override
    public double epoch(int seed) {
        all.shuffle(seed);
        // Mini-batches cut once per epoch, outside the timing, so that only training is measured.
        DataSetIterator it = new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(all.batchBy(128), 1);
        long start = System.nanoTime();
        net.fit(it);
        return (System.nanoTime() - start) / 1e9;
    }

    @Override
    public double lastLoss() {
        return net.score();
    }
}
