package dev.backprop.bench;

import dev.backprop.backend.AdamStep;
import dev.backprop.backend.Backend;
import dev.backprop.backend.BinaryOp;
import dev.backprop.backend.Layout;
import dev.backprop.backend.ReduceOp;
import dev.backprop.backend.UnaryOp;
import dev.backprop.backend.reference.ReferenceBackend;
import dev.backprop.cpu.CpuBackend;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The elementwise, reduction and fused-Adam kernels on an MLP-sized buffer, SIMD against reference. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ElementwiseBenchmark {
    @Param({"32768", "200704"})
    public int size;

    @Param({"cpu", "reference"})
    public String backend;

    private Backend kernels;
    private Layout layout;
    private float[] x;
    private float[] y;
    private float[] out;
    private float[] m;
    private float[] v;
    private final float[] sum = new float[1];
    private final AdamStep step = new AdamStep(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, false, 0.1, 0.001);

    @Setup
    public void setUp() {
        kernels = backend.equals("cpu") ? new CpuBackend() : new ReferenceBackend();
        layout = Layout.contiguous(new int[] {size});
        x = new float[size];
        y = new float[size];
        out = new float[size];
        m = new float[size];
        v = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (i % 13) - 6;
            y[i] = (i % 7) + 1;
        }
    }

    @Benchmark
    public float[] add() {
        kernels.zip(BinaryOp.ADD, x, layout, y, layout, out);
        return out;
    }

    @Benchmark
    public float[] relu() {
        kernels.map(UnaryOp.RELU, 0f, 0f, x, layout, out);
        return out;
    }

    @Benchmark
    public float[] rowSum() {
        kernels.reduceRows(ReduceOp.SUM, x, 1, size, sum);
        return sum;
    }

    @Benchmark
    public float[] adam() {
        kernels.adam(step, out, y, m, v, null, 0, size);
        return out;
    }
}
