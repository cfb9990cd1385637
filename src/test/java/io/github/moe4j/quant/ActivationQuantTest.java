package io.github.moe4j.quant;

import io.github.moe4j.quant.ActivationQuant.Rounding;
import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The activation quantizers: values worked out by hand, then properties on random inputs. */
class ActivationQuantTest {

    private static MemorySegment q8(GgmlType t, float[] x, Rounding r) {
        MemorySegment s = MemorySegment.ofArray(new byte[(int) t.byteSize(x.length)]);
        ActivationQuant.quantize(t, x, 0, s, 0, x.length, r);
        return s;
    }

    // ---- known values ----

    @Test
    void q8_0RoundsHalvesAwayFromZeroInTheReferenceAndToEvenOnX86() {
        float[] x = new float[32];
        x[0] = 127f;       // amax 127: d = 1, id = 1
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.49999997f;
        x[4] = -127f;
        x[5] = 1.5f;
        MemorySegment ref = q8(GgmlType.Q8_0, x, Rounding.REFERENCE);
        MemorySegment x86 = q8(GgmlType.Q8_0, x, Rounding.X86);
        assertEquals(1f, Le.f16(ref, 0));
        int[] refQ = {127, 3, -3, 0, -127, 2};
        int[] x86Q = {127, 2, -2, 0, -127, 2};
        for (int j = 0; j < refQ.length; j++) {
            assertEquals(refQ[j], Le.i8(ref, 2 + j), "reference q" + j);
            assertEquals(x86Q[j], Le.i8(x86, 2 + j), "x86 q" + j);
        }
        for (int j = 6; j < 32; j++) {
            assertEquals(0, Le.i8(ref, 2 + j));
        }
    }

    @Test
    void q8_0OfZerosHasZeroScale() {
        MemorySegment s = q8(GgmlType.Q8_0, new float[64], Rounding.REFERENCE);
        for (int i = 0; i < s.byteSize(); i++) {
            assertEquals(0, Le.u8(s, i), "byte " + i);
        }
    }

    @Test
    void q8_1SumUsesTheUnroundedScale() {
        float[] x = new float[32];
        java.util.Arrays.fill(x, 100f);  // d = 100/127 = 0.7874016 (f16: 0.7875977), q = 127 everywhere
        MemorySegment s = q8(GgmlType.Q8_1, x, Rounding.REFERENCE);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(100f / 127f)), Le.f16(s, ActivationQuant.Q8_1_D));
        for (int j = 0; j < 32; j++) {
            assertEquals(127, Le.i8(s, ActivationQuant.Q8_1_QS + j));
        }
        // s = f16(4064 * 0.7874016) = 3200, not f16(4064 * 0.7875977) = 3201.6 -> 3202
        assertEquals(3200f, Le.f16(s, ActivationQuant.Q8_1_S));
    }

    @Test
    void q8_kScalesByTheSignedLargestValueAndRoundsHalvesToEven() {
        float[] x = new float[256];
        x[0] = -127f;  // m = -127: iscale = 1, d = 1
        x[1] = 2.5f;
        x[2] = 3.5f;
        x[3] = -0.5f;
        x[4] = 126.5f;
        x[17] = 7f;
        MemorySegment s = q8(GgmlType.Q8_K, x, Rounding.REFERENCE);
        assertEquals(1f, Le.f32(s, ActivationQuant.Q8_K_D));
        int[] q = {-127, 2, 4, 0, 126};
        for (int j = 0; j < q.length; j++) {
            assertEquals(q[j], Le.i8(s, ActivationQuant.Q8_K_QS + j), "q" + j);
        }
        assertEquals(-127 + 2 + 4 + 0 + 126, Le.i16(s, ActivationQuant.Q8_K_BSUMS));
        assertEquals(7, Le.i16(s, ActivationQuant.Q8_K_BSUMS + 2));
    }

    @Test
    void q8_kWithAPositiveLargestValueHasANegativeScale() {
        float[] x = new float[256];
        x[0] = 2f;
        x[1] = -2f;   // same magnitude, later: the first one is m
        x[2] = 0.75f; // -63.5 * 0.75 = -47.625 -> -48
        MemorySegment s = q8(GgmlType.Q8_K, x, Rounding.REFERENCE);
        assertEquals(1f / -63.5f, Le.f32(s, ActivationQuant.Q8_K_D));
        assertEquals(-127, Le.i8(s, ActivationQuant.Q8_K_QS));
        assertEquals(127, Le.i8(s, ActivationQuant.Q8_K_QS + 1));
        assertEquals(-48, Le.i8(s, ActivationQuant.Q8_K_QS + 2));
        float[] back = new float[256];
        ActivationQuant.dequantize(GgmlType.Q8_K, s, 0, back, 0, 256);
        assertEquals(2f, back[0], 1e-6f);
    }

    @Test
    void q8_kOfZerosIsAllZero() {
        MemorySegment s = MemorySegment.ofArray(new byte[292]);
        s.fill((byte) 0x55); // stale contents must be overwritten
        ActivationQuant.quantizeQ8_K(new float[256], 0, s, 0, 256);
        for (int i = 0; i < 292; i++) {
            assertEquals(0, Le.u8(s, i), "byte " + i);
        }
    }

    @Test
    void floatActivationsRoundToNearestEven() {
        float third = 1f / 3f;
        assertEquals((short) 0x3555, q8(GgmlType.F16, new float[]{third}, Rounding.REFERENCE).get(Le.I16, 0));
        assertEquals((short) 0x3EAB, q8(GgmlType.BF16, new float[]{third}, Rounding.REFERENCE).get(Le.I16, 0));
        assertEquals(third, q8(GgmlType.F32, new float[]{third}, Rounding.REFERENCE).get(Le.F32, 0));
    }

    @Test
    void badRequestsAreRejected() {
        MemorySegment s = MemorySegment.ofArray(new byte[1000]);
        assertThrows(IllegalArgumentException.class, () -> ActivationQuant.quantizeQ8_0(new float[40], 0, s, 0, 40));
        assertThrows(IndexOutOfBoundsException.class, () -> ActivationQuant.quantizeQ8_K(new float[256], 0, s, 800, 256));
        assertThrows(IndexOutOfBoundsException.class, () -> ActivationQuant.quantizeQ8_0(new float[32], 1, s, 0, 32));
        assertThrows(IllegalArgumentException.class,
                () -> ActivationQuant.quantize(GgmlType.Q4_0, new float[32], 0, s, 0, 32));
    }

    // ---- properties on random activations ----

    @Test
    void dequantizedActivationsAreWithinHalfAStep() {
        long seed = QuantTesting.seed();
        SplittableRandom rnd = QuantTesting.random(seed);
        for (GgmlType t : new GgmlType[]{GgmlType.Q8_0, GgmlType.Q8_1, GgmlType.Q8_K}) {
            for (Rounding r : Rounding.values()) {
                int n = 2048;
                float[] x = QuantTesting.activations(rnd, n);
                for (int i = 0; i < n; i++) {
                    x[i] *= (float) Math.exp(rnd.nextDouble(-8, 8)); // scales from 3e-4 to 3e3
                }
                MemorySegment s = q8(t, x, r);
                float[] back = new float[n];
                ActivationQuant.dequantize(t, s, 0, back, 0, n);
                int bs = t.blockSize();
                for (int b = 0; b < n / bs; b++) {
                    long blk = (long) b * t.typeSize();
                    float amax = 0;
                    for (int i = b * bs; i < (b + 1) * bs; i++) {
                        amax = Math.max(amax, Math.abs(x[i]));
                    }
                    // the step q is multiplied by: Q8_K's signed float32 d; Q8_0/Q8_1's unrounded amax / 127
                    double dTrue = t == GgmlType.Q8_K ? Le.f32(s, blk) : amax / 127f;
                    double dStored = t == GgmlType.Q8_K ? dTrue : Le.f16(s, blk);
                    assertTrue(Math.abs(dStored - dTrue) <= Math.abs(dTrue) * 0x1p-11,
                            t + " block " + b + ": d rounded to f16 badly" + QuantTesting.seedNote(seed));
                    for (int i = b * bs; i < (b + 1) * bs; i++) {
                        int q = Le.i8(s, blk + (t == GgmlType.Q8_0 ? Q8_0Format.OFF_QS : 4) + (i - b * bs));
                        assertTrue(Math.abs(q) <= 127, t + " q out of range");
                        double err = Math.abs(x[i] - q * dTrue);
                        assertTrue(err <= 0.5 * Math.abs(dTrue) * (1 + 1e-5),
                                t + " " + r + " element " + i + ": x " + x[i] + ", q " + q + ", d " + dTrue
                                        + QuantTesting.seedNote(seed));
                        assertTrue(Math.abs(x[i] - back[i]) <= 0.5 * Math.abs(dTrue) * (1 + 1e-5) + 127 * Math.abs(dStored - dTrue),
                                t + " dequantized element " + i + QuantTesting.seedNote(seed));
                    }
                    checkSums(t, s, blk, amax, seed);
                }
            }
        }
    }

    private static void checkSums(GgmlType t, MemorySegment s, long blk, float amax, long seed) {
        if (t == GgmlType.Q8_K) {
            for (int j = 0; j < 16; j++) {
                int sum = 0;
                for (int l = 0; l < 16; l++) {
                    sum += Le.i8(s, blk + ActivationQuant.Q8_K_QS + 16 * j + l);
                }
                assertEquals(sum, Le.i16(s, blk + ActivationQuant.Q8_K_BSUMS + 2 * j), "bsums[" + j + "]" + QuantTesting.seedNote(seed));
            }
        } else if (t == GgmlType.Q8_1) {
            int sum = 0;
            for (int l = 0; l < 32; l++) {
                sum += Le.i8(s, blk + ActivationQuant.Q8_1_QS + l);
            }
            float expected = Float.float16ToFloat(Float.floatToFloat16(sum * (amax / 127f)));
            assertEquals(expected, Le.f16(s, blk + ActivationQuant.Q8_1_S), "s" + QuantTesting.seedNote(seed));
        }
    }

    @Test
    void theTwoQ8_0RoundingsDifferOnlyRarelyAndByOneStep() {
        long seed = QuantTesting.seed();
        SplittableRandom rnd = QuantTesting.random(seed);
        int n = 32 * 4096;
        float[] x = QuantTesting.activations(rnd, n);
        MemorySegment ref = q8(GgmlType.Q8_0, x, Rounding.REFERENCE);
        MemorySegment x86 = q8(GgmlType.Q8_0, x, Rounding.X86);
        int differ = 0;
        for (int b = 0; b < n / 32; b++) {
            long blk = 34L * b;
            assertEquals(Le.u16(ref, blk), Le.u16(x86, blk), "d of block " + b);
            for (int j = 0; j < 32; j++) {
                int a = Le.i8(ref, blk + 2 + j);
                int c = Le.i8(x86, blk + 2 + j);
                assertTrue(Math.abs(a - c) <= 1, "block " + b + " q" + j + QuantTesting.seedNote(seed));
                differ += a != c ? 1 : 0;
            }
        }
        assertTrue(differ < n / 1000, differ + " of " + n + " quants differ" + QuantTesting.seedNote(seed));
    }
}
