package io.github.moe4j.cpu;

import io.github.moe4j.quant.Q5_0Format;
import io.github.moe4j.quant.Q5_1Format;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
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

    /** The block's constant term per unit of activation sum: {@code -16 d} or {@code m}. */
    private float constant(MemorySegment w, long blk, float d) {
        return offM < 0 ? -16f * d : Simd.f16(w, blk + offM);
    }

    /** {@code sum_e q_e x[xi + e]} over the block at {@code blk}, q the 5-bit quants (0..31). */
    private static FloatVector block(MemorySegment w, long blk, int offQh, int offQs, float[] x, int xi) {
        ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + offQs, LE);
        ByteVector lo = q.and((byte) 0x0F);
        ByteVector hi = q.lanewise(VectorOperators.LSHR, 4);
        IntVector h = IntVector.broadcast(I, w.get(Simd.I32, blk + offQh));
        FloatVector t = FloatVector.zero(F);
        for (int p = 0; p < PARTS; p++) {
            int j = p * FL;
            IntVector ql = ((IntVector) lo.convertShape(VectorOperators.B2I, I, p))
                    .or(h.lanewise(VectorOperators.ROR, IntVector.fromArray(I, ROT, j)).and(0x10));
            IntVector qh = ((IntVector) hi.convertShape(VectorOperators.B2I, I, p))
                    .or(h.lanewise(VectorOperators.ROR, IntVector.fromArray(I, ROT, 16 + j)).and(0x10));
            t = ((FloatVector) ql.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + j), t);
            t = ((FloatVector) qh.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 16 + j), t);
        }
        return t;
    }

    @Override
    float dot1(MemorySegment w, long off, float[] x, float[] xs, int xo, int nb) {
        int bytes = blockBytes;
        int qh = offQh;
        int qs = offQs;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        float corr = 0f;
        int sb = xo / 32;
        int b = 0;
        for (; b + 2 <= nb; b += 2) {
            long blk = off + (long) b * bytes;
            int xi = xo + 32 * b;
            float d0 = Simd.f16(w, blk);
            float d1 = Simd.f16(w, blk + bytes);
            acc0 = block(w, blk, qh, qs, x, xi).fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = block(w, blk + bytes, qh, qs, x, xi + 32).fma(FloatVector.broadcast(F, d1), acc1);
            corr += constant(w, blk, d0) * xs[sb + b] + constant(w, blk + bytes, d1) * xs[sb + b + 1];
        }
        for (; b < nb; b++) {
            long blk = off + (long) b * bytes;
            float d = Simd.f16(w, blk);
            acc0 = block(w, blk, qh, qs, x, xo + 32 * b).fma(FloatVector.broadcast(F, d), acc0);
            corr += constant(w, blk, d) * xs[sb + b];
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) + corr;
    }

    @Override
    void dot4(MemorySegment w, long off, long rowBytes, float[] x, float[] xs, int xo, int nb, float[] y, int yo) {
        int bytes = blockBytes;
        int qh = offQh;
        int qs = offQs;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        float c0 = 0f;
        float c1 = 0f;
        float c2 = 0f;
        float c3 = 0f;
        int sb = xo / 32;
        for (int b = 0; b < nb; b++) {
            long b0 = off + (long) b * bytes;
            long b1 = b0 + rowBytes;
            long b2 = b1 + rowBytes;
            long b3 = b2 + rowBytes;
            int xi = xo + 32 * b;
            float d0 = Simd.f16(w, b0);
            float d1 = Simd.f16(w, b1);
            float d2 = Simd.f16(w, b2);
            float d3 = Simd.f16(w, b3);
            acc0 = block(w, b0, qh, qs, x, xi).fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = block(w, b1, qh, qs, x, xi).fma(FloatVector.broadcast(F, d1), acc1);
            acc2 = block(w, b2, qh, qs, x, xi).fma(FloatVector.broadcast(F, d2), acc2);
            acc3 = block(w, b3, qh, qs, x, xi).fma(FloatVector.broadcast(F, d3), acc3);
            float s = xs[sb + b];
            c0 += constant(w, b0, d0) * s;
            c1 += constant(w, b1, d1) * s;
            c2 += constant(w, b2, d2) * s;
            c3 += constant(w, b3, d3) * s;
        }
        y[yo] = acc0.reduceLanes(VectorOperators.ADD) + c0;
        y[yo + 1] = acc1.reduceLanes(VectorOperators.ADD) + c1;
        y[yo + 2] = acc2.reduceLanes(VectorOperators.ADD) + c2;
        y[yo + 3] = acc3.reduceLanes(VectorOperators.ADD) + c3;
    }

    /** Q5_0: {@code dst = (q - 16) * d}; Q5_1: {@code dst = q * d}, {@code mins[b] = m}. */
    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        int bias = offM < 0 ? 16 : 0;
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * blockBytes;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + offQs, LE);
            ByteVector lo = q.and((byte) 0x0F);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4);
            IntVector h = IntVector.broadcast(I, w.get(Simd.I32, blk + offQh));
            FloatVector d = FloatVector.broadcast(F, Simd.f16(w, blk));
            int o = dstOff + 32 * b;
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                IntVector ql = ((IntVector) lo.convertShape(VectorOperators.B2I, I, p))
                        .or(h.lanewise(VectorOperators.ROR, IntVector.fromArray(I, ROT, j)).and(0x10)).sub(bias);
                IntVector qh = ((IntVector) hi.convertShape(VectorOperators.B2I, I, p))
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
