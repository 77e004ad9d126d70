package dev.backprop.compare;

import dev.backprop.data.Dataset;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** DL4J's side: the same MLP as a MultiLayerNetwork on the ND4J native (OpenBLAS) backend. */
final class Dl4jRun {
    private Dl4jRun() {
    }

    static EpochTimer run(Dataset train, List<Integer> hidden, int epochs) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(0).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list();
        int in = 784;
        int layer = 0;
        for (int h : hidden) {
            list.layer(layer++, new DenseLayer.Builder().nIn(in).nOut(h).activation(Activation.RELU).build());
            in = h;
        }
        list.layer(layer, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(in).nOut(10).activation(Activation.SOFTMAX).build());
        MultiLayerConfiguration conf = list.build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        int n = train.size();
        INDArray x = Nd4j.create(train.features().toFloatArray(), new long[] {n, 784});
        float[] labels = train.targets().toFloatArray();
        float[] oneHot = new float[n * 10];
        for (int i = 0; i < n; i++) {
            oneHot[i * 10 + (int) labels[i]] = 1f;
        }
        INDArray y = Nd4j.create(oneHot, new long[] {n, 10});
        DataSet all = new DataSet(x, y);
        double best = Double.MAX_VALUE;
        for (int e = 0; e <= epochs; e++) {
            all.shuffle(e);
            // Mini-batches cut once per epoch, outside the timing, so that only training is measured.
            DataSetIterator it = new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(all.batchBy(128), 1);
            long start = System.nanoTime();
            net.fit(it);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (e > 0) {
                best = Math.min(best, seconds);
            }
        }
        return new EpochTimer("DL4J 1.0.0-M2.1 (ND4J native)", best, net.score(), "OpenBLAS " + Nd4j.getBackend().getClass().getSimpleName());
    }
}
