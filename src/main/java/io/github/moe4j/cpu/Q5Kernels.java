package io.github.moe4j.cpu;

import io.github.moe4j.quant.Q5_0Format;
import io.github.moe4j.quant.Q5_1Format;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;
import static io.github.moe4j.cpu.Simd.I;
import static io.github.moe4j.cpu.Simd.LE;

/**
 * Q5_0 ({@code w = (q - 16) * d}, Q8_0 activations) and Q5_1 ({@code w = q * d + m}, Q8_1 activations):
 * 5-bit quants, a nibble plus bit e of the block's 32-bit {@code qh}. In int lanes the fifth bit is
 * brought to bit 4 by rotating a broadcast {@code qh} right by {@code e - 4} (a per-lane rotate), masked
 * and or-ed onto the nibble. The block's constant term ({@code -16 d}, or {@code m}) is applied once
 * per block through the activation's block sum, as in {@link Q4_0Kernel} / {@link Q4_1Kernel}.
 */
final class Q5Kernels extends BlockKernel {
    static final Q5Kernels Q5_0 = new Q5Kernels(GgmlType.Q5_0, GgmlType.Q8_0, -1, Q5_0Format.OFF_QH, Q5_0Format.OFF_QS);
    static final Q5Kernels Q5_1 = new Q5Kernels(GgmlType.Q5_1, GgmlType.Q8_1, Q5_1Format.OFF_M, Q5_1Format.OFF_QH,
            Q5_1Format.OFF_QS);

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final int PARTS = 16 / FL;
    /** Per element e of a block: rotate qh right by (e - 4) mod 32 to bring bit e to bit 4. */
    private static final int[] ROT = new int[32];

    static {
        for (int e = 0; e < 32; e++) {
            ROT[e] = (e - 4) & 31;
        }
    }

    private final int offM;      // -1: Q5_0 (constant term -16 d)
    private final int offQh;
    private final int offQs;

    private Q5Kernels(GgmlType type, GgmlType act, int offM, int offQh, int offQs) {
        super(type, act);
        this.offM = offM;
        this.offQh = offQh;
        this.offQs = offQs;
    }

    @Override
    public boolean hasMins() {
        return offM >= 0;
    }

    /**
     * One block per step: a two-block body (as the 4-bit kernels use) exceeds C2's inlining budget here,
     * and the calls left in the loop (scale reads) cost 3x.
     */
    @Override
    float dot1(MemorySegment w, long off, float[] x, float[] xs, int xo, int nb) {
        int bytes = blockBytes;
        int oqh = offQh;
        int oqs = offQs;
        int om = offM;
        FloatVector acc = FloatVector.zero(F);
        float corr = 0f;
        int sb = xo >> 5;
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * bytes;
            int xi = xo + 32 * b;
            ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + oqs, LE);
            IntVector h = IntVector.broadcast(I, w.get(Simd.I32, blk + oqh));
            FloatVector t = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                IntVector q = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                IntVector l = q.and(0x0F).or(h.lanewise(VectorOperators.ROR, IntVector.fromArray(I, ROT, j)).and(0x10));
                IntVector u = q.lanewise(VectorOperators.LSHR, 4)
                        .or(h.lanewise(VectorOperators.ROR, IntVector.fromArray(I, ROT, 16 + j)).and(0x10));
                t = ((FloatVector) l.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + j), t);
                t = ((FloatVector) u.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 16 + j), t);
            }
            float d = Float.float16ToFloat(w.get(Simd.I16, blk));
            acc = t.fma(FloatVector.broadcast(F, d), acc);
            float c = om < 0 ? -16f * d : Float.float16ToFloat(w.get(Simd.I16, blk + om));
            corr += c * xs[sb + b];
        }
        return (float) ((DoubleVector) acc.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(acc.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD) + corr;
    }

    /** Q5_0: {@code dst = (q - 16) * d}; Q5_1: {@code dst = q * d}, {@code mins[b] = m}. */
    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        int bias = offM < 0 ? 16 : 0;
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * blockBytes;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + offQs, LE);
            IntVector h = IntVector.broadcast(I, w.get(Simd.I32, blk + offQh));
            FloatVector d = FloatVector.broadcast(F, Simd.f16(w, blk));
            int o = dstOff + 32 * b;
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                IntVector qi = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                IntVector ql = qi.and(0x0F)
                        .or(h.lanewise(VectorOperators.ROR, IntVector.fromArray(I, ROT, j)).and(0x10)).sub(bias);
                IntVector qh = qi.lanewise(VectorOperators.LSHR, 4)
                        .or(h.lanewise(VectorOperators.ROR, IntVector.fromArray(I, ROT, 16 + j)).and(0x10)).sub(bias);
                ((FloatVector) ql.convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + j);
                ((FloatVector) qh.convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + 16 + j);
            }
            if (offM >= 0) {
                mins[minsOff + b] = Simd.f16(w, blk + offM);
            }
        }
    }
}
