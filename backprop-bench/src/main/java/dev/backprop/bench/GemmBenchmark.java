package dev.backprop.bench;

import dev.backprop.backend.Backend;
import dev.backprop.backend.reference.ReferenceBackend;
import dev.backprop.cpu.CpuBackend;
import java.util.SplittableRandom;
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

/**
 * SGEMM of the MNIST MLP's shapes and square sizes in the three forms backprop uses, on the SIMD
 * backend and on the reference loops. Divide {@code 2 m n k} by the time for GFLOP/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {
    /** m x n x k. */
    @Param({"128x256x784", "128x784x256", "256x784x128", "512x512x512", "1024x1024x1024"})
    public String shape;

    @Param({"NN", "TN", "NT"})
    public String form;

    @Param({"cpu", "reference"})
    public String backend;

    private Backend kernels;
    private int m;
    private int n;
    private int k;
    private float[] a;
    private float[] b;
    private float[] c;

    @Setup
    public void setUp() {
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        kernels = backend.equals("cpu") ? new CpuBackend() : new ReferenceBackend();
        SplittableRandom r = new SplittableRandom(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextDouble();
        }
    }

    @Benchmark
    public float[] gemm() {
        int aRs = form.equals("TN") ? 1 : k;
        int aCs = form.equals("TN") ? m : 1;
        int bRs = form.equals("NT") ? 1 : n;
        int bCs = form.equals("NT") ? k : 1;
        kernels.gemm(m, n, k, a, 0, aRs, aCs, b, 0, bRs, bCs, c, 0, n, false);
        return c;
    }
}
