package dev.backprop.onnx;

import com.google.protobuf.ByteString;
import dev.backprop.onnx.proto.OnnxProto.TensorProto;
import dev.backprop.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Backprop tensors as ONNX {@code TensorProto}s: float32, little-endian raw data, as exporter and importer write them. */
public final class OnnxTensors {
    private OnnxTensors() {
    }

    /** {@code t}'s values as a float32 tensor named {@code name}. */
    public static TensorProto floats(String name, Tensor t) {
        float[] data = t.toFloatArray();
        ByteBuffer raw = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(data);
        TensorProto.Builder p = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(raw.array()));
        for (int d : t.shape().dims()) {
            p.addDims(d);
        }
        return p.build();
    }
}
