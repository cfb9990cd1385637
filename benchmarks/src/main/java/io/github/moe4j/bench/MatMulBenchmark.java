package io.github.moe4j.bench;

import io.github.moe4j.cpu.ActivationBatch;
import io.github.moe4j.cpu.DotKernel;
import io.github.moe4j.cpu.DotKernels;
import io.github.moe4j.cpu.MatMul;
import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.tensor.GgmlType;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Prefill-time products {@code Y = W X} over a batch of tokens ({@link MatMul#matmul}): each weight row
 * is decoded once per batch and multiplied with every token, in the broadcast form (8 rows x 32 tokens,
 * batches of 8 and more) or in 4 x 4 dot-form tiles (smaller batches, or every batch with
 * {@code -Dmoe4j.matmul.panel=false}, to compare the two; {@code -jvmArgsAppend} on the command line
 * replaces the arguments below, so pass them all:
 * {@code -jvmArgsAppend "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:PerMethodTrapLimit=100000 -Xmx2g -Dmoe4j.matmul.panel=false"}).
 * Weights rotate through copies covering 768 MiB as in {@link MatVecBenchmark}; activations are prepared
 * once ({@link ActivationBatch}). {@code report.py} turns the times into weight GB/s, tokens/s and GFLOP/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 250, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 12, time = 250, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:PerMethodTrapLimit=100000",
        "-Xmx2g"})
public class MatMulBenchmark {

    @Param({"Q4_0", "Q8_0", "MXFP4", "Q4_K"})
    public String type;

    @Param({"768x2048"})
    public String shape;

    @Param({"1", "8", "64", "512"})
    public int batch;

    @Param({"2"})
    public int threads;

    private WeightSet weights;
    private WorkerPool pool;
    private MatMul mm;
    private DotKernel kernel;
    private ActivationBatch xb;
    private float[] y;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        GgmlType t = GgmlType.valueOf(type);
        int[] rc = WeightSet.shape(shape);
        weights = new WeightSet(t, rc[0], rc[1], true, 42);
        pool = new WorkerPool(threads);
        mm = new MatMul(pool, rc[1]);
        kernel = DotKernels.of(t);
        xb = new ActivationBatch(batch, rc[1], Arena.ofAuto());
        float[] src = new float[batch * rc[1]];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) rnd.nextGaussian();
        }
        xb.set(src, 0, rc[1], batch, rc[1], kernel.activationType());
        y = new float[batch * rc[0]];
        System.out.printf("%n# %s %s x %d tokens: %d bytes per matrix, %d copies, %d threads, fast kernel: %s%n",
                type, shape, batch, weights.matrixBytes, weights.copies, threads, DotKernels.isFast(t));
    }

    /** Waits for a quiet machine before each measurement iteration (see {@link QuietGate}). */
    @Setup(Level.Iteration)
    public void quiet() {
        QuietGate.await();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pool.close();
        weights.close();
    }

    @Benchmark
    public float matmul() {
        mm.matmul(kernel, weights.data, weights.nextOffset(), weights.rows, weights.cols, xb, y, 0, weights.rows);
        return y[0];
    }
}
