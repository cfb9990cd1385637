package io.github.moe4j.cpu;

import io.github.moe4j.quant.Q4_0Format;
import io.github.moe4j.quant.Q8_0Format;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.I;
import static io.github.moe4j.cpu.Simd.LE;

/**
 * Alternatives to the library's Q4_0 and Q8_0 row dots, kept to reproduce the measurements in
 * docs/PERFORMANCE.md ({@code KernelVariantsBenchmark}). In the library's package (on the class path)
 * to reach {@link Simd}. 512-bit float lanes assumed (16 per vector); a single row per call unless
 * the name says otherwise. Not all are correct kernels: {@link #q4NoScale} is a probe of the cost of
 * the per-block scale.
 */
public final class KernelVariants {
    private KernelVariants() {
    }

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;
    private static final int Q4 = Q4_0Format.BLOCK_BYTES;
    private static final int Q8 = Q8_0Format.BLOCK_BYTES;

    /** The first version: nibbles split in byte lanes (C2: widen, shift, mask, extract, pack), B2F widening. */
    public static float q4ByteShift(MemorySegment w, long off, float[] x, float[] xs, int nb) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        float corr = 0f;
        for (int i = 0; i < nb >> 1; i++) {
            int b = i << 1;
            long blk = off + (long) b * Q4;
            int xi = 32 * b;
            ByteVector v0 = ByteVector.fromMemorySegment(B16, w, blk + 2, LE);
            ByteVector v1 = ByteVector.fromMemorySegment(B16, w, blk + Q4 + 2, LE);
            FloatVector t0 = ((FloatVector) v0.and((byte) 15).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xi));
            t0 = ((FloatVector) v0.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + 16), t0);
            FloatVector t1 = ((FloatVector) v1.and((byte) 15).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xi + 32));
            t1 = ((FloatVector) v1.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xi + 48), t1);
            float d0 = Simd.f16(w, blk), d1 = Simd.f16(w, blk + Q4);
            acc0 = t0.fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, d1), acc1);
            corr += d0 * xs[b] + d1 * xs[b + 1];
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - 8f * corr;
    }

    /** The offset of 8 folded into each block's first FMA: {@code o8[16 b + j] = -8 (x[32 b + j] + x[32 b + 16 + j])}. */
    public static float q4OffsetInit(MemorySegment w, long off, float[] x, float[] o8, int nb) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int i = 0; i < nb >> 1; i++) {
            int b = i << 1;
            long blk = off + (long) b * Q4;
            int xi = 32 * b, hi = 16 * b;
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B16, w, blk + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B16, w, blk + Q4 + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector t0 = ((FloatVector) q0.and(15).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi), FloatVector.fromArray(F, o8, hi));
            t0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 16), t0);
            FloatVector t1 = ((FloatVector) q1.and(15).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 32), FloatVector.fromArray(F, o8, hi + 16));
            t1 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 48), t1);
            acc0 = t0.fma(FloatVector.broadcast(F, Simd.f16(w, blk)), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, Simd.f16(w, blk + Q4)), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** Probe: as {@link #q4OffsetInit} without the per-block scale (wrong result; measures what the scale costs). */
    public static float q4NoScale(MemorySegment w, long off, float[] x, float[] o8, int nb) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int i = 0; i < nb >> 1; i++) {
            int b = i << 1;
            long blk = off + (long) b * Q4;
            int xi = 32 * b, hi = 16 * b;
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B16, w, blk + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B16, w, blk + Q4 + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector t0 = ((FloatVector) q0.and(15).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi), FloatVector.fromArray(F, o8, hi));
            t0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 16), t0);
            FloatVector t1 = ((FloatVector) q1.and(15).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 32), FloatVector.fromArray(F, o8, hi + 16));
            t1 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, x, xi + 48), t1);
            acc0 = acc0.add(t0);
            acc1 = acc1.add(t1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * The high nibbles of 16 bytes, {@code (v & 0xFF) >>> 4}, shifted in int lanes (a byte shift costs C2
     * five instructions: widen, shift, mask, extract, pack).
     */
    private static ByteVector high(ByteVector v) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
    }

    /** Integer products on the Q8_0 activation bytes: (q - 8) and a widened to shorts, multiplied (vpmullw), summed, widened to floats. */
    public static float q4Int16(MemorySegment w, long off, MemorySegment a, int nb) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int i = 0; i < nb >> 1; i++) {
            int b = i << 1;
            long blk = off + (long) b * Q4;
            long ab = (long) b * Q8;
            ByteVector v0 = ByteVector.fromMemorySegment(B16, w, blk + 2, LE);
            ByteVector v1 = ByteVector.fromMemorySegment(B16, w, blk + Q4 + 2, LE);
            ShortVector l0 = (ShortVector) v0.and((byte) 15).sub((byte) 8).convertShape(VectorOperators.B2S, S16, 0);
            ShortVector h0 = (ShortVector) high(v0).sub((byte) 8).convertShape(VectorOperators.B2S, S16, 0);
            ShortVector l1 = (ShortVector) v1.and((byte) 15).sub((byte) 8).convertShape(VectorOperators.B2S, S16, 0);
            ShortVector h1 = (ShortVector) high(v1).sub((byte) 8).convertShape(VectorOperators.B2S, S16, 0);
            ShortVector s0 = l0.mul((ShortVector) ByteVector.fromMemorySegment(B16, a, ab + 2, LE).convertShape(VectorOperators.B2S, S16, 0))
                    .add(h0.mul((ShortVector) ByteVector.fromMemorySegment(B16, a, ab + 18, LE).convertShape(VectorOperators.B2S, S16, 0)));
            ShortVector s1 = l1.mul((ShortVector) ByteVector.fromMemorySegment(B16, a, ab + 36, LE).convertShape(VectorOperators.B2S, S16, 0))
                    .add(h1.mul((ShortVector) ByteVector.fromMemorySegment(B16, a, ab + 52, LE).convertShape(VectorOperators.B2S, S16, 0)));
            float d0 = Simd.f16(w, blk) * Simd.f16(a, ab), d1 = Simd.f16(w, blk + Q4) * Simd.f16(a, ab + Q8);
            acc0 = ((FloatVector) s0.convertShape(VectorOperators.S2F, F, 0)).fma(FloatVector.broadcast(F, d0), acc0);
            acc1 = ((FloatVector) s1.convertShape(VectorOperators.S2F, F, 0)).fma(FloatVector.broadcast(F, d1), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** Four rows per step sharing the activation loads, one block per row per step. */
    public static void q4Rows4(MemorySegment w, long off, long rb, float[] x, float[] o8, int nb, float[] y, int yo) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < nb; b++) {
            long b0 = off + (long) b * Q4, b1 = b0 + rb, b2 = b1 + rb, b3 = b2 + rb;
            int xi = 32 * b, hi = 16 * b;
            FloatVector xl = FloatVector.fromArray(F, x, xi), xh = FloatVector.fromArray(F, x, xi + 16), o = FloatVector.fromArray(F, o8, hi);
            IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B16, w, b0 + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B16, w, b1 + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector q2 = (IntVector) ByteVector.fromMemorySegment(B16, w, b2 + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            IntVector q3 = (IntVector) ByteVector.fromMemorySegment(B16, w, b3 + 2, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector t0 = ((FloatVector) q0.and(15).convert(VectorOperators.I2F, 0)).fma(xl, o);
            FloatVector t1 = ((FloatVector) q1.and(15).convert(VectorOperators.I2F, 0)).fma(xl, o);
            FloatVector t2 = ((FloatVector) q2.and(15).convert(VectorOperators.I2F, 0)).fma(xl, o);
            FloatVector t3 = ((FloatVector) q3.and(15).convert(VectorOperators.I2F, 0)).fma(xl, o);
            t0 = ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, t0);
            t1 = ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, t1);
            t2 = ((FloatVector) q2.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, t2);
            t3 = ((FloatVector) q3.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(xh, t3);
            a0 = t0.fma(FloatVector.broadcast(F, Simd.f16(w, b0)), a0);
            a1 = t1.fma(FloatVector.broadcast(F, Simd.f16(w, b1)), a1);
            a2 = t2.fma(FloatVector.broadcast(F, Simd.f16(w, b2)), a2);
            a3 = t3.fma(FloatVector.broadcast(F, Simd.f16(w, b3)), a3);
        }
        y[yo] = a0.reduceLanes(VectorOperators.ADD);
        y[yo + 1] = a1.reduceLanes(VectorOperators.ADD);
        y[yo + 2] = a2.reduceLanes(VectorOperators.ADD);
        y[yo + 3] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** Q8_0 with two 128-bit quant loads per block instead of one 256-bit load split in two. */
    public static float q8TwoLoads(MemorySegment w, long off, float[] x, int nb) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int i = 0; i < nb >> 1; i++) {
            int b = i << 1;
            long blk = off + (long) b * Q8;
            int xi = 32 * b;
            FloatVector t0 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, blk + 2, LE).convertShape(VectorOperators.B2F, F, 0))
                    .mul(FloatVector.fromArray(F, x, xi));
            t0 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, blk + 18, LE).convertShape(VectorOperators.B2F, F, 0))
                    .fma(FloatVector.fromArray(F, x, xi + 16), t0);
            FloatVector t1 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, blk + Q8 + 2, LE).convertShape(VectorOperators.B2F, F, 0))
                    .mul(FloatVector.fromArray(F, x, xi + 32));
            t1 = ((FloatVector) ByteVector.fromMemorySegment(B16, w, blk + Q8 + 18, LE).convertShape(VectorOperators.B2F, F, 0))
                    .fma(FloatVector.fromArray(F, x, xi + 48), t1);
            acc0 = t0.fma(FloatVector.broadcast(F, Simd.f16(w, blk)), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, Simd.f16(w, blk + Q8)), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
}
