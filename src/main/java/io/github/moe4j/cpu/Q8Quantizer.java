package io.github.moe4j.cpu;

import io.github.moe4j.quant.ActivationQuant;
import io.github.moe4j.quant.Q8_0Format;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;
import static io.github.moe4j.cpu.Simd.I;
import static io.github.moe4j.cpu.Simd.LE;

/**
 * Vector API version of {@link ActivationQuant#quantizeQ8_0} / {@code quantizeQ8_1} with
 * {@link ActivationQuant.Rounding#X86}, bit for bit (tested), that also writes what {@link Activation}
 * keeps beside the blocks: the dequantized values {@code q * d} and the block sums.
 *
 * <p>Per block of 32: {@code amax} by a vector max, {@code id = 127 / amax}, {@code q = rint(x * id)}
 * (round half to even through the {@code 1.5 * 2^23} addition, exact for |v| below 2^22), quants
 * narrowed to bytes and stored in one 32-byte write.
 */
final class Q8Quantizer {
    private Q8Quantizer() {
    }

    private static final float MAGIC = 12582912f;          // 1.5 * 2^23: adding and subtracting rounds to an integer
    private static final int PARTS = 32 / FL;

    /**
     * Quantizes {@code n} values (a multiple of 32) of {@code x} to {@code type} (Q8_0 or Q8_1) blocks in
     * {@code dst} at byte 0, the dequantized values into {@code values} and per block into {@code sums}:
     * {@code d * sum(q)} for Q8_0, the stored {@code s} for Q8_1.
     */
    static void quantize(GgmlType type, float[] x, int n, MemorySegment dst, float[] values, float[] sums) {
        boolean q81 = type == GgmlType.Q8_1;
        int bytes = type.typeSize();
        int qs = q81 ? ActivationQuant.Q8_1_QS : Q8_0Format.OFF_QS;
        for (int b = 0; b < n / 32; b++) {
            int xo = 32 * b;
            long blk = (long) b * bytes;
            FloatVector m = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                m = m.max(FloatVector.fromArray(F, x, xo + p * FL).abs());
            }
            float amax = m.reduceLanes(VectorOperators.MAX);
            float d = amax / 127f;
            float id = amax != 0f ? 127f / amax : 0f;
            short dh = Float.floatToFloat16(d);
            float ds = Float.float16ToFloat(dh);
            dst.set(Simd.I16, blk, dh);
            IntVector sum = IntVector.zero(I);
            for (int p = 0; p < PARTS; p++) {
                int o = xo + p * FL;
                FloatVector v = FloatVector.fromArray(F, x, o).mul(id);
                FloatVector r = v.add(MAGIC).sub(MAGIC);
                IntVector q = (IntVector) r.convert(VectorOperators.F2I, 0);
                ((ByteVector) q.convertShape(VectorOperators.I2B, Simd.B, 0)).intoMemorySegment(dst, blk + qs + (long) p * FL, LE);
                r.mul(ds).intoArray(values, o);
                sum = sum.add(q);
            }
            int sq = sum.reduceLanes(VectorOperators.ADD);
            if (q81) {
                short sh = Float.floatToFloat16(sq * d);
                dst.set(Simd.I16, blk + ActivationQuant.Q8_1_S, sh);
                sums[b] = Float.float16ToFloat(sh);
            } else {
                sums[b] = sq * ds;
            }
        }
    }
}
