package io.github.moe4j.cpu;

import io.github.moe4j.quant.ActivationQuant;
import io.github.moe4j.quant.BF16Format;
import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Activation#set}: its vectorized Q8_0 / Q8_1 quantization is bit for bit ggml's x86 one
 * ({@link ActivationQuant} with {@link ActivationQuant.Rounding#X86}), including all-zero blocks and
 * products that land exactly halfway between integers; the values and block sums the kernels read are
 * the dequantized blocks and their exact sums (Q8_1: the stored {@code s}).
 */
class ActivationTest {

    /** Random activations with an all-zero block, a block of exact ties, and a block of one huge value. */
    private static float[] awkward(SplittableRandom rnd, int n) {
        float[] x = KernelTesting.activations(rnd, n);
        if (n >= 128) {
            java.util.Arrays.fill(x, 32, 64, 0f);
            x[64] = 127f;                                   // amax 127: id = 1, so x * id = x exactly
            for (int j = 1; j < 32; j++) {
                x[64 + j] = (j % 2 == 0 ? 1 : -1) * (j + 0.5f) * (j < 16 ? 1 : 2) / 2f;
            }
            x[96] = 3e4f;
        }
        return x;
    }

    @Test
    void q8QuantizationIsBitForBitTheX86Reference() {
        long seed = KernelTesting.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (GgmlType t : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q8_1}) {
                for (int n : new int[]{32, 128, 160, 2048}) {
                    float[] x = awkward(rnd, n + 7);
                    Activation a = new Activation(n + 64, arena);
                    a.set(x, 7, n, t);
                    assertEquals(t, a.type());
                    assertEquals(t, a.quantizedType());
                    MemorySegment ref = arena.allocate(t.byteSize(n));
                    ActivationQuant.quantize(t, x, 7, ref, 0, n, ActivationQuant.Rounding.X86);
                    String where = t + " x " + n + KernelTesting.seedNote(seed);
                    for (long i = 0; i < ref.byteSize(); i++) {
                        assertEquals(ref.get(ValueLayout.JAVA_BYTE, i), a.quantized().get(ValueLayout.JAVA_BYTE, i),
                                where + ": byte " + i);
                    }
                    float[] deq = new float[n];
                    ActivationQuant.dequantize(t, ref, 0, deq, 0, n);
                    for (int i = 0; i < n; i++) {
                        assertEquals(deq[i], a.values()[i], where + ": value " + i);
                    }
                    for (int b = 0; b < n / 32; b++) {
                        float expected;
                        if (t == GgmlType.Q8_1) {
                            expected = Float.float16ToFloat(ref.get(Simd.I16, (long) b * t.typeSize() + ActivationQuant.Q8_1_S));
                        } else {
                            expected = 0f;
                            for (int i = 32 * b; i < 32 * b + 32; i++) {
                                expected += deq[i];
                            }
                        }
                        assertEquals(expected, a.blockSums()[b], where + ": block sum " + b);
                    }
                }
            }
        }
    }

    @Test
    void floatTypesAreRoundedAndQ8KFollowsTheReference() {
        SplittableRandom rnd = new SplittableRandom(KernelTesting.seed());
        try (Arena arena = Arena.ofConfined()) {
            float[] x = awkward(rnd, 512);
            Activation a = new Activation(512, arena);
            a.set(x, 0, 512, GgmlType.F16);
            assertNull(a.quantizedType());
            for (int i = 0; i < 512; i++) {
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(x[i])), a.values()[i]);
            }
            a.set(x, 0, 512, GgmlType.BF16);
            for (int i = 0; i < 512; i++) {
                assertEquals(BF16Format.toFloat(BF16Format.fromFloat(x[i])), a.values()[i]);
            }
            a.set(x, 0, 500, GgmlType.F32);
            assertEquals(500, a.length());
            for (int i = 0; i < 500; i++) {
                assertEquals(x[i], a.values()[i]);
                assertEquals(x[i], a.f32()[i]);
            }
            a.set(x, 0, 512, GgmlType.Q8_K);
            MemorySegment ref = arena.allocate(GgmlType.Q8_K.byteSize(512));
            ActivationQuant.quantizeQ8_K(x, 0, ref, 0, 512);
            assertEquals(-1L, ref.mismatch(a.quantized().asSlice(0, ref.byteSize())));
        }
    }

    /** Q8_K: bytes and values bit for bit the reference, with zero blocks, ties, NaN and infinities. */
    @Test
    void q8KQuantizationIsBitForBitTheReference() {
        long seed = KernelTesting.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[]{256, 2048, 4096}) {
                for (int trial = 0; trial < 20; trial++) {
                    float[] x = KernelTesting.activations(rnd, n);
                    switch (trial % 5) {
                        case 1 -> java.util.Arrays.fill(x, 0, 256, 0f);                  // all-zero block
                        case 2 -> {                                                      // equal magnitudes, both signs
                            x[rnd.nextInt(128)] = -50f;
                            x[128 + rnd.nextInt(128)] = 50f;
                            x[5] = Float.NaN;
                        }
                        case 3 -> {                                                      // exact halves after scaling
                            x[0] = 127f;
                            for (int j = 1; j < 256; j++) {
                                x[j] = (rnd.nextInt(254) - 127) + 0.5f;
                            }
                        }
                        case 4 -> {
                            x[7] = Float.POSITIVE_INFINITY;
                            x[300 % n] = Float.NaN;
                            java.util.Arrays.fill(x, n - 256, n, Float.NaN);             // a block of NaN only
                        }
                        default -> {
                        }
                    }
                    Activation a = new Activation(n, arena);
                    a.set(x, 0, n, GgmlType.Q8_K);
                    MemorySegment ref = arena.allocate(GgmlType.Q8_K.byteSize(n));
                    ActivationQuant.quantizeQ8_K(x, 0, ref, 0, n);
                    String where = "Q8_K x " + n + ", case " + trial % 5 + KernelTesting.seedNote(seed);
                    long mismatch = ref.mismatch(a.quantized().asSlice(0, ref.byteSize()));
                    assertEquals(-1L, mismatch, where + ": first differing byte");
                    float[] deq = new float[n];
                    ActivationQuant.dequantize(GgmlType.Q8_K, ref, 0, deq, 0, n);
                    for (int i = 0; i < n; i++) {
                        assertEquals(Float.floatToRawIntBits(deq[i]), Float.floatToRawIntBits(a.values()[i]),
                                where + ": value " + i);
                    }
                }
            }
        }
    }

    @Test
    void badLengthsAndTypesAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            Activation a = new Activation(64, arena);
            float[] x = new float[100];
            assertThrows(IllegalArgumentException.class, () -> a.set(x, 0, 65, GgmlType.F32));
            assertThrows(IllegalArgumentException.class, () -> a.set(x, 0, 0, GgmlType.F32));
            assertThrows(IllegalArgumentException.class, () -> a.set(x, 0, 48, GgmlType.Q8_0));
            assertThrows(IllegalArgumentException.class, () -> a.set(x, 0, 64, GgmlType.Q4_0));
            assertThrows(IllegalArgumentException.class, () -> new Activation(0, arena));
        }
    }

    /** A batch prepared in parallel on a pool holds exactly what the serial preparation gives, token by token. */
    @Test
    void parallelBatchPreparationEqualsSerial() {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 512;
        int count = 13;
        float[] src = new float[count * n + 7];
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) rnd.nextGaussian() * 3f;
        }
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(3)) {
            for (GgmlType type : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q8_1, GgmlType.Q8_K, GgmlType.F16, GgmlType.F32}) {
                ActivationBatch serial = new ActivationBatch(count, n, arena);
                ActivationBatch parallel = new ActivationBatch(count, n, arena);
                serial.set(src, 7, n, count, n, type);
                parallel.set(pool, src, 7, n, count, n, type);
                assertEquals(count, parallel.size());
                for (int t = 0; t < count; t++) {
                    Activation a = serial.token(t);
                    Activation b = parallel.token(t);
                    assertEquals(a.type(), b.type(), type + " token " + t);
                    assertArrayEquals(java.util.Arrays.copyOf(a.values(), n), java.util.Arrays.copyOf(b.values(), n),
                            type + " token " + t + " values");
                    assertArrayEquals(java.util.Arrays.copyOf(a.blockSums(), n / 32),
                            java.util.Arrays.copyOf(b.blockSums(), n / 32), type + " token " + t + " block sums");
                    long bytes = type.byteSize(n);
                    if (type != GgmlType.F32 && type != GgmlType.F16) {
                        assertEquals(-1L, a.quantized().asSlice(0, bytes).mismatch(b.quantized().asSlice(0, bytes)),
                                type + " token " + t + " quantized bytes");
                    }
                }
            }
        }
    }
}
