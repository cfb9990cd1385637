package io.github.moe4j.cuda;

import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.quant.Quantizers;
import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Assumptions;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Shared helpers of the {@code cuda}-tagged tests: skip without a device, host/device copies, random weights. */
final class CudaTesting {
    private CudaTesting() {
    }

    /** Skips the test (with the reason) unless a CUDA device and the kernel modules are here. */
    static DeviceInfo requireDevice() {
        CudaProbe.Result r = CudaProbe.get();
        Assumptions.assumeTrue(r.available(), () -> "no CUDA device: " + r.reason());
        String missing = CudaSupport.missingModules();
        Assumptions.assumeTrue(missing == null, () -> "no CUDA kernels: " + missing);
        return r.device();
    }

    static long upload(CudaContext ctx, float[] v) {
        try (Arena a = Arena.ofConfined()) {
            return ctx.upload(a.allocateFrom(ValueLayout.JAVA_FLOAT, v), "test floats").address();
        }
    }

    static long upload(CudaContext ctx, int[] v) {
        try (Arena a = Arena.ofConfined()) {
            return ctx.upload(a.allocateFrom(ValueLayout.JAVA_INT, v), "test ints").address();
        }
    }

    static long upload(CudaContext ctx, MemorySegment bytes) {
        return ctx.upload(bytes, "test bytes").address();
    }

    static float[] floats(CudaContext ctx, long p, int n) {
        ctx.synchronize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(4L * n, 4);
            Cu.copyToHost(s, p);
            return s.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    static int[] ints(CudaContext ctx, long p, int n) {
        ctx.synchronize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(4L * n, 4);
            Cu.copyToHost(s, p);
            return s.toArray(ValueLayout.JAVA_INT);
        }
    }

    static float[] gaussian(Random r, int n, float std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        return v;
    }

    /** {@code rows x cols} random weights stored as {@code t} (in {@code arena}). */
    static MemorySegment weights(Arena arena, GgmlType t, Random r, int rows, int cols) {
        float[] v = gaussian(r, rows * cols, 1f);
        MemorySegment s = arena.allocate(t.byteSize((long) rows * cols), 16);
        if (t == GgmlType.BF16) {
            for (int i = 0; i < v.length; i++) {
                s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, (short) (Float.floatToRawIntBits(v[i]) >>> 16));
            }
        } else {
            for (int row = 0; row < rows; row++) {
                Quantizers.quantize(t, v, row * cols, cols, s, row * t.byteSize(cols));
            }
        }
        return s;
    }

    /** Row {@code row} of a {@code t} matrix, dequantised by the Java scalar reference. */
    static float[] row(MemorySegment w, GgmlType t, int row, int cols) {
        float[] out = new float[cols];
        BlockFormats.of(t).dequantize(w, row * t.byteSize(cols), out, 0, cols);
        return out;
    }
}
