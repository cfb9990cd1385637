package io.github.moe4j.bench;

import io.github.moe4j.cpu.Activation;
import io.github.moe4j.cpu.DotKernel;
import io.github.moe4j.cpu.DotKernels;
import io.github.moe4j.cpu.KernelVariants;
import io.github.moe4j.quant.BlockFormats;
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
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The kernel variants of docs/PERFORMANCE.md on one thread, one 768 x 2048 matrix that stays in the
 * caches (so the kernels' own cost shows, not the memory's): the library's Q4_0 / Q8_0 kernels against
 * {@link KernelVariants}. Run with {@code -jvmArgsAppend -Dmoe4j.vectorBits=256} for the library at 256 bits.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:PerMethodTrapLimit=100000"})
public class KernelVariantsBenchmark {
    private static final int ROWS = 768;
    private static final int COLS = 2048;

    @Param({"q4-library", "q4-byteShift", "q4-offsetInit", "q4-int16", "q4-rows4", "q4-noScaleProbe",
            "q8-library", "q8-twoLoads"})
    public String variant;

    private MemorySegment w;
    private long rowBytes;
    private Activation x;
    private float[] o8;
    private float[] y;
    private DotKernel kernel;

    @Setup(Level.Trial)
    public void setup() {
        GgmlType t = variant.startsWith("q4") ? GgmlType.Q4_0 : GgmlType.Q8_0;
        rowBytes = t.byteSize(COLS);
        w = Arena.ofAuto().allocate(rowBytes * ROWS, 64);
        BlockFormats.of(t).randomBlocks(new SplittableRandom(1), w, 0, ROWS * COLS / 32);
        kernel = DotKernels.of(t);
        x = new Activation(COLS, Arena.ofAuto());
        float[] src = new float[COLS];
        SplittableRandom rnd = new SplittableRandom(2);
        for (int i = 0; i < COLS; i++) {
            src[i] = (float) rnd.nextGaussian();
        }
        x.set(src, 0, COLS, GgmlType.Q8_0);
        float[] v = x.values();
        o8 = new float[COLS / 2];
        for (int b = 0; b < COLS / 32; b++) {
            for (int j = 0; j < 16; j++) {
                o8[16 * b + j] = -8f * (v[32 * b + j] + v[32 * b + 16 + j]);
            }
        }
        y = new float[ROWS];
    }

    @Benchmark
    public float matvec() {
        int nb = COLS / 32;
        float[] xv = x.values();
        switch (variant) {
            case "q4-library", "q8-library" -> kernel.dotRows(w, 0, rowBytes, ROWS, x, 0, COLS, y, 0);
            case "q4-byteShift" -> {
                for (int r = 0; r < ROWS; r++) {
                    y[r] = KernelVariants.q4ByteShift(w, r * rowBytes, xv, x.blockSums(), nb);
                }
            }
            case "q4-offsetInit" -> {
                for (int r = 0; r < ROWS; r++) {
                    y[r] = KernelVariants.q4OffsetInit(w, r * rowBytes, xv, o8, nb);
                }
            }
            case "q4-noScaleProbe" -> {
                for (int r = 0; r < ROWS; r++) {
                    y[r] = KernelVariants.q4NoScale(w, r * rowBytes, xv, o8, nb);
                }
            }
            case "q4-int16" -> {
                for (int r = 0; r < ROWS; r++) {
                    y[r] = KernelVariants.q4Int16(w, r * rowBytes, x.quantized(), nb);
                }
            }
            case "q4-rows4" -> {
                for (int r = 0; r < ROWS; r += 4) {
                    KernelVariants.q4Rows4(w, r * rowBytes, rowBytes, xv, o8, nb, y, r);
                }
            }
            case "q8-twoLoads" -> {
                for (int r = 0; r < ROWS; r++) {
                    y[r] = KernelVariants.q8TwoLoads(w, r * rowBytes, xv, nb);
                }
            }
            default -> throw new IllegalArgumentException(variant);
        }
        return y[5];
    }
}
