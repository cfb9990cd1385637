package io.github.moe4j.bench;

import io.github.moe4j.cpu.Activation;
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
 * Decode-time matrix-vector products {@code y = W x} per weight format at real MoE shapes, and the
 * memory-bandwidth baseline over the same bytes with the same threads, in the same run.
 *
 * <ul>
 *   <li>{@code op=matvec}: {@link MatMul#matvec} of one {@code rows x cols} matrix (an expert, or the
 *       output head) with an activation prepared once for the format's kernel.</li>
 *   <li>{@code op=stream}: {@link StreamRead} of the same matrix's bytes: what the kernel would take if
 *       it were limited by memory bandwidth alone.</li>
 * </ul>
 * {@code op} is the last parameter, so each configuration's kernel and baseline trials run back to back
 * (on a shared machine the load changes over minutes).
 *
 * <p>With {@code residency=dram} (default) each call takes the next of enough copies of the matrix to
 * cover 768 MiB (see {@link WeightSet}), so weights come from DRAM as in decoding a real model; with
 * {@code cache} the one matrix stays in the caches (the kernels' compute ceiling). Weight GB/s =
 * matrix bytes / time; the ratio to {@code stream} is printed by {@code report.py}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 250, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 12, time = 250, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:PerMethodTrapLimit=100000",
        "-Xmx1g"})
public class MatVecBenchmark {

    @Param({"Q4_0", "Q8_0", "Q4_K", "Q6_K", "MXFP4", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "F16", "BF16", "F32"})
    public String type;

    /** rows x cols: Qwen3-30B-A3B expert gate/up and down, DeepSeek-V2-Lite expert gate/up, a 151,936-token head. */
    @Param({"768x2048", "2048x768", "1408x2048", "151936x2048"})
    public String shape;

    @Param({"2"})
    public int threads;

    @Param({"dram"})
    public String residency;

    @Param({"matvec", "stream"})
    public String op;

    private WeightSet weights;
    private WorkerPool pool;
    private MatMul mm;
    private StreamRead stream;
    private DotKernel kernel;
    private Activation x;
    private float[] y;
    private boolean streamOnly;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        GgmlType t = GgmlType.valueOf(type);
        int[] rc = WeightSet.shape(shape);
        weights = new WeightSet(t, rc[0], rc[1], residency.equals("dram"), 42);
        pool = new WorkerPool(threads);
        mm = new MatMul(pool, rc[1]);
        stream = new StreamRead(pool);
        kernel = DotKernels.of(t);
        x = new Activation(rc[1], Arena.ofAuto());
        float[] src = new float[rc[1]];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) rnd.nextGaussian();
        }
        x.set(src, 0, src.length, kernel.activationType());
        y = new float[rc[0]];
        streamOnly = switch (op) {
            case "matvec" -> false;
            case "stream" -> true;
            default -> throw new IllegalArgumentException("op " + op);
        };
        System.out.printf("%n# %s %s: %d bytes per matrix, %d copies (%d MiB), %d threads, fast kernel: %s%n",
                type, shape, weights.matrixBytes, weights.copies, weights.matrixBytes * weights.copies >> 20,
                threads, DotKernels.isFast(t));
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
    public float run() {
        if (streamOnly) {
            return stream.read(weights.data, weights.nextOffset(), weights.matrixBytes);
        }
        mm.matvec(kernel, weights.data, weights.nextOffset(), weights.rows, weights.cols, x, y, 0);
        return y[0];
    }
}
