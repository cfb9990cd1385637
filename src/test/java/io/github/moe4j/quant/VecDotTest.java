package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BlockFormat#vecDot} (ggml's vec_dot with rounded activations) for every format:
 * <ol>
 *   <li>it equals the dot of the dequantized weights with the dequantized activations up to float
 *       rounding (for Q8_1 pairs, with the block sum {@code s} in place of {@code d * sum(q)}, as ggml);</li>
 *   <li>it stays within the activation quantization error of the f32 dot product:
 *       {@code sum |w| * (d/2 + f16 rounding of d)} per activation block.</li>
 * </ol>
 */
class VecDotTest {

    @Test
    void vecDotMatchesDequantizedOperandsAndStaysWithinQuantizationError() {
        long seed = QuantTesting.seed();
        SplittableRandom rnd = QuantTesting.random(seed);
        for (GgmlType t : BlockFormats.supported()) {
            BlockFormat f = BlockFormats.of(t);
            int unit = Math.max(f.blockSize(), 32);
            for (int units : new int[]{1, 2, 9}) {
                for (ActivationQuant.Rounding r : ActivationQuant.Rounding.values()) {
                    check(f, units * unit, r, rnd, seed);
                }
            }
        }
    }

    private static void check(BlockFormat f, int n, ActivationQuant.Rounding rounding, SplittableRandom rnd, long seed) {
        GgmlType at = f.vecDotType();
        String where = f.type() + " . " + at + " (" + rounding + ") x " + n + QuantTesting.seedNote(seed);
        MemorySegment w = QuantTesting.randomWeights(f, rnd, n / f.blockSize(), 1);
        float[] x = QuantTesting.activations(rnd, n);
        if (n >= 512) {
            java.util.Arrays.fill(x, 256, 512, 0f); // an all-zero activation block
        }
        MemorySegment act = QuantTesting.bytes(at.byteSize(n) + 3);
        ActivationQuant.quantize(at, x, 0, act, 3, n, rounding);

        float[] wd = new float[n];
        float[] xq = new float[n];
        f.dequantize(w, 1, wd, 0, n);
        ActivationQuant.dequantize(at, act, 3, xq, 0, n);
        float got = f.vecDot(w, 1, act, 3, n);

        // 1. same operands: only float rounding differs
        double exact = 0;
        double scale = 0;
        int bs = f.blockSize();
        for (int b = 0; b < n / bs; b++) {
            double amax = 0;
            for (int i = b * bs; i < (b + 1) * bs; i++) {
                amax = Math.max(amax, Math.abs(wd[i]));
            }
            for (int i = b * bs; i < (b + 1) * bs; i++) {
                exact += (double) wd[i] * xq[i];
                scale += 4 * amax * Math.abs(xq[i]); // |d*q| + |min| of one element is at most about 3 amax
            }
        }
        exact += q8_1SumCorrection(f, w, act, n);
        double floatTol = (n + 64) * 0x1p-23 * scale + 1e-30;
        assertTrue(Math.abs(got - exact) <= floatTol,
                where + ": vecDot " + got + ", dequantized operands give " + exact + ", tolerance " + floatTol);

        // 2. against the f32 dot product, within the activation rounding error
        double f32Dot = 0;
        double quantErr = 0;
        int abs = at.blockSize();
        for (int b = 0; b < n / abs; b++) {
            double err = activationError(at, act, 3, b, x, rounding);
            for (int i = b * abs; i < (b + 1) * abs; i++) {
                f32Dot += (double) wd[i] * x[i];
                quantErr += Math.abs(wd[i]) * err;
            }
        }
        double bound = quantErr + floatTol + Math.abs(q8_1SumCorrection(f, w, act, n));
        assertTrue(Math.abs(got - f32Dot) <= bound,
                where + ": vecDot " + got + ", f32 dot " + f32Dot + ", bound " + bound);
        assertTrue(quantErr > 0 || at.blockSize() == 1, where + ": zero quantization error is implausible");
    }

    /**
     * The largest |x - dequantized x| the activation encoding may cause in block {@code b}: half a step,
     * plus 127 times the f16 rounding of the step (Q8_0/Q8_1), or the float16/bfloat16 rounding of x.
     */
    private static double activationError(GgmlType at, MemorySegment act, long off, int b, float[] x,
                                          ActivationQuant.Rounding rounding) {
        int bs = at.blockSize();
        double amax = 0;
        for (int i = b * bs; i < (b + 1) * bs; i++) {
            amax = Math.max(amax, Math.abs(x[i]));
        }
        long blk = off + (long) b * at.typeSize();
        return switch (at) {
            case Q8_0, Q8_1 -> {
                double dTrue = (float) (amax / 127);
                double dStored = Le.f16(act, blk);
                yield 0.5001 * dTrue + 127 * Math.abs(dStored - dTrue);
            }
            case Q8_K -> 0.5001 * Math.abs(Le.f32(act, blk + ActivationQuant.Q8_K_D));
            case F16 -> amax * 0x1p-11 + 0x1p-25;
            case BF16 -> amax * 0x1p-8;
            case F32 -> 0;
            default -> throw new IllegalArgumentException(at.name());
        };
    }

    /** For Q8_1 pairs: vecDot uses s = f16(d_true * sum q) where the dequantized dot has d_f16 * sum q. */
    private static double q8_1SumCorrection(BlockFormat f, MemorySegment w, MemorySegment act, int n) {
        if (f.vecDotType() != GgmlType.Q8_1) {
            return 0;
        }
        int offM = f.type() == GgmlType.Q4_1 ? Q4_1Format.OFF_M : Q5_1Format.OFF_M;
        double c = 0;
        for (int b = 0; b < n / 32; b++) {
            long wb = 1 + (long) b * f.blockBytes();
            long ab = 3 + (long) b * ActivationQuant.Q8_1_BYTES;
            int sumq = 0;
            for (int j = 0; j < 32; j++) {
                sumq += Le.i8(act, ab + ActivationQuant.Q8_1_QS + j);
            }
            double s = Le.f16(act, ab + ActivationQuant.Q8_1_S);
            double d = Le.f16(act, ab + ActivationQuant.Q8_1_D);
            c += Le.f16(w, wb + offM) * (s - d * sumq);
        }
        return c;
    }
}
