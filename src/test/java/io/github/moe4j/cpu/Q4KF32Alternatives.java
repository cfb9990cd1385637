package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * Q4_K kernels on f32 activations that {@link KQuantBench} timed against {@link Q4_KDot} (see
 * docs/KQUANT_NOTES.md): all slower than the Q8_K kernel on AVX-512. Variants that were removed after
 * timing (a flat loop over 64-element groups) are in git history, commit 922ec4c.
 */
final class Q4KF32Alternatives {
    private Q4KF32Alternatives() {
    }

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** "q4k-f32-512": 16 floats per vector, inner loop over the 4 byte groups (C2 splits it into pre/main/post loops). */
    static final DotKernel LOOP_512 = new F32Kernel();
    /** "q4k-f32-256": the same with 8 floats per vector. */
    static final DotKernel LOOP_256 = new F32Kernel256();
    /** "q4k-f32-unrolled": the block written out (16 vectors), scales broadcast from scalars. */
    static final DotKernel UNROLLED_512 = new F32Unrolled();
    /** "q4k-f32-block-512": block loop + inner half loop, scales broadcast by rearranging one scale vector. */
    static final DotKernel BLOCK_512 = new F32Block();

    abstract static class Base implements DotKernel {
        @Override
        public GgmlType type() {
            return GgmlType.Q4_K;
        }
    }

    /** f32 activations, 16 floats per vector: w = q * (d*sc) - dmin*m, then FMA with x. */
    static final class F32Kernel extends Base {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

        @Override
        public GgmlType activationType() {
            return GgmlType.F32;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, false);
            float[] x = act.f32();
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                float d = KQuant.f16(w, blk);
                float dmin = KQuant.f16(w, blk + 2);
                int u0 = KQuant.i32(w, blk + 4);
                int u1 = KQuant.i32(w, blk + 8);
                int u2 = KQuant.i32(w, blk + 12);
                long sc = KQuant.scales(u0, u2);
                long mn = KQuant.mins(u1, u2);
                int xo = xElement + 256 * b;
                for (int p = 0; p < 4; p++) {
                    int sh = 16 * p;
                    float dl = d * (int) ((sc >>> sh) & 0xFF);
                    float ml = -dmin * (int) ((mn >>> sh) & 0xFF);
                    float dh = d * (int) ((sc >>> (sh + 8)) & 0xFF);
                    float mh = -dmin * (int) ((mn >>> (sh + 8)) & 0xFF);
                    long q = blk + 16 + 32L * p;
                    int xp = xo + 64 * p;
                    ByteVector q0 = ByteVector.fromMemorySegment(B, w, q, LE);
                    ByteVector q1 = ByteVector.fromMemorySegment(B, w, q + 16, LE);
                    FloatVector l0 = (FloatVector) q0.and((byte) 0x0F).castShape(F, 0);
                    FloatVector h0 = (FloatVector) q0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes()
                            .and((byte) 0x0F).castShape(F, 0);
                    FloatVector l1 = (FloatVector) q1.and((byte) 0x0F).castShape(F, 0);
                    FloatVector h1 = (FloatVector) q1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes()
                            .and((byte) 0x0F).castShape(F, 0);
                    acc0 = l0.fma(dl, ml).fma(FloatVector.fromArray(F, x, xp), acc0);
                    acc1 = l1.fma(dl, ml).fma(FloatVector.fromArray(F, x, xp + 16), acc1);
                    acc2 = h0.fma(dh, mh).fma(FloatVector.fromArray(F, x, xp + 32), acc2);
                    acc3 = h1.fma(dh, mh).fma(FloatVector.fromArray(F, x, xp + 48), acc3);
                }
            }
            return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
    }

    /** f32 activations, 8 floats per vector. */
    static final class F32Kernel256 extends Base {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;

        @Override
        public GgmlType activationType() {
            return GgmlType.F32;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, false);
            float[] x = act.f32();
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                float d = KQuant.f16(w, blk);
                float dmin = KQuant.f16(w, blk + 2);
                int u0 = KQuant.i32(w, blk + 4);
                int u1 = KQuant.i32(w, blk + 8);
                int u2 = KQuant.i32(w, blk + 12);
                long sc = KQuant.scales(u0, u2);
                long mn = KQuant.mins(u1, u2);
                int xo = xElement + 256 * b;
                for (int p = 0; p < 4; p++) {
                    int sh = 16 * p;
                    FloatVector dl = FloatVector.broadcast(F, d * (int) ((sc >>> sh) & 0xFF));
                    FloatVector ml = FloatVector.broadcast(F, -dmin * (int) ((mn >>> sh) & 0xFF));
                    FloatVector dh = FloatVector.broadcast(F, d * (int) ((sc >>> (sh + 8)) & 0xFF));
                    FloatVector mh = FloatVector.broadcast(F, -dmin * (int) ((mn >>> (sh + 8)) & 0xFF));
                    long q = blk + 16 + 32L * p;
                    int xp = xo + 64 * p;
                    for (int c = 0; c < 4; c += 2) {
                        ByteVector q0 = ByteVector.fromMemorySegment(B, w, q + 8 * c, LE);
                        ByteVector q1 = ByteVector.fromMemorySegment(B, w, q + 8 * c + 8, LE);
                        FloatVector l0 = (FloatVector) q0.and((byte) 0x0F).castShape(F, 0);
                        FloatVector h0 = (FloatVector) q0.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes()
                                .and((byte) 0x0F).castShape(F, 0);
                        FloatVector l1 = (FloatVector) q1.and((byte) 0x0F).castShape(F, 0);
                        FloatVector h1 = (FloatVector) q1.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes()
                                .and((byte) 0x0F).castShape(F, 0);
                        acc0 = l0.fma(dl, ml).fma(FloatVector.fromArray(F, x, xp + 8 * c), acc0);
                        acc1 = l1.fma(dl, ml).fma(FloatVector.fromArray(F, x, xp + 8 * c + 8), acc1);
                        acc2 = h0.fma(dh, mh).fma(FloatVector.fromArray(F, x, xp + 32 + 8 * c), acc2);
                        acc3 = h1.fma(dh, mh).fma(FloatVector.fromArray(F, x, xp + 40 + 8 * c), acc3);
                    }
                }
            }
            return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
    }

    /** f32 activations, 16 floats per vector, the block fully unrolled, bytes zero-extended to ints. */
    static final class F32Unrolled extends Base {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
        private static final VectorOperators.Conversion<Byte, Integer> ZX = VectorOperators.ZERO_EXTEND_B2I;
        private static final VectorOperators.Conversion<Integer, Float> I2F = VectorOperators.I2F;

        @Override
        public GgmlType activationType() {
            return GgmlType.F32;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, false);
            float[] x = act.f32();
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                long h0w = KQuant.i64(w, blk);
                long h1w = KQuant.i64(w, blk + 8);
                float d = Float.float16ToFloat((short) h0w);
                float nmin = -Float.float16ToFloat((short) (h0w >>> 16));
                int u0 = (int) (h0w >>> 32);
                int u1 = (int) h1w;
                int u2 = (int) (h1w >>> 32);
                long sc = KQuant.scales(u0, u2);
                long mn = KQuant.mins(u1, u2);
                int xo = xElement + 256 * b;
                { // sub-blocks 0 (low nibbles) and 1 (high nibbles): qs bytes 0..31
                    FloatVector dl = FloatVector.broadcast(F, d * (int) ((sc >>> 0) & 0xFF));
                    FloatVector ml = FloatVector.broadcast(F, nmin * (int) ((mn >>> 0) & 0xFF));
                    FloatVector dh = FloatVector.broadcast(F, d * (int) ((sc >>> 8) & 0xFF));
                    FloatVector mh = FloatVector.broadcast(F, nmin * (int) ((mn >>> 8) & 0xFF));
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, w, blk + 16, LE).convertShape(ZX, I, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, w, blk + 32, LE).convertShape(ZX, I, 0);
                    FloatVector l0 = (FloatVector) q0.and(0x0F).convert(I2F, 0);
                    FloatVector l1 = (FloatVector) q1.and(0x0F).convert(I2F, 0);
                    FloatVector h0 = (FloatVector) q0.lanewise(LSHR, 4).convert(I2F, 0);
                    FloatVector h1 = (FloatVector) q1.lanewise(LSHR, 4).convert(I2F, 0);
                    acc0 = l0.fma(dl, ml).fma(FloatVector.fromArray(F, x, xo + 0), acc0);
                    acc1 = l1.fma(dl, ml).fma(FloatVector.fromArray(F, x, xo + 16), acc1);
                    acc2 = h0.fma(dh, mh).fma(FloatVector.fromArray(F, x, xo + 32), acc2);
                    acc3 = h1.fma(dh, mh).fma(FloatVector.fromArray(F, x, xo + 48), acc3);
                }
                { // sub-blocks 2 (low nibbles) and 3 (high nibbles): qs bytes 32..63
                    FloatVector dl = FloatVector.broadcast(F, d * (int) ((sc >>> 16) & 0xFF));
                    FloatVector ml = FloatVector.broadcast(F, nmin * (int) ((mn >>> 16) & 0xFF));
                    FloatVector dh = FloatVector.broadcast(F, d * (int) ((sc >>> 24) & 0xFF));
                    FloatVector mh = FloatVector.broadcast(F, nmin * (int) ((mn >>> 24) & 0xFF));
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, w, blk + 48, LE).convertShape(ZX, I, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, w, blk + 64, LE).convertShape(ZX, I, 0);
                    FloatVector l0 = (FloatVector) q0.and(0x0F).convert(I2F, 0);
                    FloatVector l1 = (FloatVector) q1.and(0x0F).convert(I2F, 0);
                    FloatVector h0 = (FloatVector) q0.lanewise(LSHR, 4).convert(I2F, 0);
                    FloatVector h1 = (FloatVector) q1.lanewise(LSHR, 4).convert(I2F, 0);
                    acc0 = l0.fma(dl, ml).fma(FloatVector.fromArray(F, x, xo + 64), acc0);
                    acc1 = l1.fma(dl, ml).fma(FloatVector.fromArray(F, x, xo + 80), acc1);
                    acc2 = h0.fma(dh, mh).fma(FloatVector.fromArray(F, x, xo + 96), acc2);
                    acc3 = h1.fma(dh, mh).fma(FloatVector.fromArray(F, x, xo + 112), acc3);
                }
                { // sub-blocks 4 (low nibbles) and 5 (high nibbles): qs bytes 64..95
                    FloatVector dl = FloatVector.broadcast(F, d * (int) ((sc >>> 32) & 0xFF));
                    FloatVector ml = FloatVector.broadcast(F, nmin * (int) ((mn >>> 32) & 0xFF));
                    FloatVector dh = FloatVector.broadcast(F, d * (int) ((sc >>> 40) & 0xFF));
                    FloatVector mh = FloatVector.broadcast(F, nmin * (int) ((mn >>> 40) & 0xFF));
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, w, blk + 80, LE).convertShape(ZX, I, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, w, blk + 96, LE).convertShape(ZX, I, 0);
                    FloatVector l0 = (FloatVector) q0.and(0x0F).convert(I2F, 0);
                    FloatVector l1 = (FloatVector) q1.and(0x0F).convert(I2F, 0);
                    FloatVector h0 = (FloatVector) q0.lanewise(LSHR, 4).convert(I2F, 0);
                    FloatVector h1 = (FloatVector) q1.lanewise(LSHR, 4).convert(I2F, 0);
                    acc0 = l0.fma(dl, ml).fma(FloatVector.fromArray(F, x, xo + 128), acc0);
                    acc1 = l1.fma(dl, ml).fma(FloatVector.fromArray(F, x, xo + 144), acc1);
                    acc2 = h0.fma(dh, mh).fma(FloatVector.fromArray(F, x, xo + 160), acc2);
                    acc3 = h1.fma(dh, mh).fma(FloatVector.fromArray(F, x, xo + 176), acc3);
                }
                { // sub-blocks 6 (low nibbles) and 7 (high nibbles): qs bytes 96..127
                    FloatVector dl = FloatVector.broadcast(F, d * (int) ((sc >>> 48) & 0xFF));
                    FloatVector ml = FloatVector.broadcast(F, nmin * (int) ((mn >>> 48) & 0xFF));
                    FloatVector dh = FloatVector.broadcast(F, d * (int) ((sc >>> 56) & 0xFF));
                    FloatVector mh = FloatVector.broadcast(F, nmin * (int) ((mn >>> 56) & 0xFF));
                    IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, w, blk + 112, LE).convertShape(ZX, I, 0);
                    IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, w, blk + 128, LE).convertShape(ZX, I, 0);
                    FloatVector l0 = (FloatVector) q0.and(0x0F).convert(I2F, 0);
                    FloatVector l1 = (FloatVector) q1.and(0x0F).convert(I2F, 0);
                    FloatVector h0 = (FloatVector) q0.lanewise(LSHR, 4).convert(I2F, 0);
                    FloatVector h1 = (FloatVector) q1.lanewise(LSHR, 4).convert(I2F, 0);
                    acc0 = l0.fma(dl, ml).fma(FloatVector.fromArray(F, x, xo + 192), acc0);
                    acc1 = l1.fma(dl, ml).fma(FloatVector.fromArray(F, x, xo + 208), acc1);
                    acc2 = h0.fma(dh, mh).fma(FloatVector.fromArray(F, x, xo + 224), acc2);
                    acc3 = h1.fma(dh, mh).fma(FloatVector.fromArray(F, x, xo + 240), acc3);
                }
            }
            return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
    }

    /** f32 activations, 512-bit, block loop + inner half loop; per-sub-block broadcasts by rearranging one scale vector. */
    static final class F32Block extends Base {
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
        private static final VectorOperators.Conversion<Byte, Integer> ZX = VectorOperators.ZERO_EXTEND_B2I;
        private static final VectorOperators.Conversion<Integer, Float> I2F = VectorOperators.I2F;
        private static final VectorMask<Float> HIGH_8 = VectorMask.fromLong(F, 0xFF00L);
        // broadcast lane j of [d sc_0..7, -dmin m_0..7]
        private static final S0 S = new S0();

        /** Sixteen constant broadcast shuffles (a final array field would not be constant-folded). */
        static final class S0 {
            final jdk.incubator.vector.VectorShuffle<Float> s0 = b(0), s1 = b(1), s2 = b(2), s3 = b(3), s4 = b(4),
                    s5 = b(5), s6 = b(6), s7 = b(7), s8 = b(8), s9 = b(9), s10 = b(10), s11 = b(11), s12 = b(12),
                    s13 = b(13), s14 = b(14), s15 = b(15);

            private static jdk.incubator.vector.VectorShuffle<Float> b(int j) {
                return jdk.incubator.vector.VectorShuffle.fromOp(FloatVector.SPECIES_512, i -> j);
            }
        }

        @Override
        public GgmlType activationType() {
            return GgmlType.F32;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, false);
            float[] x = act.f32();
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            FloatVector acc2 = acc0;
            FloatVector acc3 = acc0;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                long head = w.get(KQuant.I64, blk);
                long tail = w.get(KQuant.I64, blk + 8);
                float d = Float.float16ToFloat((short) head);
                float nmin = -Float.float16ToFloat((short) (head >>> 16));
                int u0 = (int) (head >>> 32);
                int u1 = (int) tail;
                int u2 = (int) (tail >>> 32);
                FloatVector sm = ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128, KQuant.scales(u0, u2))
                        .withLane(1, KQuant.mins(u1, u2)).reinterpretAsBytes().convertShape(VectorOperators.B2F, F, 0))
                        .mul(FloatVector.broadcast(F, d).blend(nmin, HIGH_8));
                int xo = xElement + 256 * b;
                for (int h = 0; h < 2; h++) {
                    { // sub-blocks 4h + 0 (low nibbles) and 4h + 1 (high nibbles)
                        FloatVector dl = sm.rearrange(h == 0 ? S.s0 : S.s4);
                        FloatVector ml = sm.rearrange(h == 0 ? S.s8 : S.s12);
                        FloatVector dh = sm.rearrange(h == 0 ? S.s1 : S.s5);
                        FloatVector mh = sm.rearrange(h == 0 ? S.s9 : S.s13);
                        long qs = blk + 16 + 64L * h + 0;
                        int xp = xo + 128 * h + 0;
                        IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, w, qs, LE).convertShape(ZX, I, 0);
                        IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, w, qs + 16, LE).convertShape(ZX, I, 0);
                        acc0 = ((FloatVector) q0.and(0x0F).convert(I2F, 0)).fma(dl, ml).fma(FloatVector.fromArray(F, x, xp), acc0);
                        acc1 = ((FloatVector) q1.and(0x0F).convert(I2F, 0)).fma(dl, ml).fma(FloatVector.fromArray(F, x, xp + 16), acc1);
                        acc2 = ((FloatVector) q0.lanewise(LSHR, 4).convert(I2F, 0)).fma(dh, mh).fma(FloatVector.fromArray(F, x, xp + 32), acc2);
                        acc3 = ((FloatVector) q1.lanewise(LSHR, 4).convert(I2F, 0)).fma(dh, mh).fma(FloatVector.fromArray(F, x, xp + 48), acc3);
                    }
                    { // sub-blocks 4h + 2 (low nibbles) and 4h + 3 (high nibbles)
                        FloatVector dl = sm.rearrange(h == 0 ? S.s2 : S.s6);
                        FloatVector ml = sm.rearrange(h == 0 ? S.s10 : S.s14);
                        FloatVector dh = sm.rearrange(h == 0 ? S.s3 : S.s7);
                        FloatVector mh = sm.rearrange(h == 0 ? S.s11 : S.s15);
                        long qs = blk + 16 + 64L * h + 32;
                        int xp = xo + 128 * h + 64;
                        IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, w, qs, LE).convertShape(ZX, I, 0);
                        IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, w, qs + 16, LE).convertShape(ZX, I, 0);
                        acc0 = ((FloatVector) q0.and(0x0F).convert(I2F, 0)).fma(dl, ml).fma(FloatVector.fromArray(F, x, xp), acc0);
                        acc1 = ((FloatVector) q1.and(0x0F).convert(I2F, 0)).fma(dl, ml).fma(FloatVector.fromArray(F, x, xp + 16), acc1);
                        acc2 = ((FloatVector) q0.lanewise(LSHR, 4).convert(I2F, 0)).fma(dh, mh).fma(FloatVector.fromArray(F, x, xp + 32), acc2);
                        acc3 = ((FloatVector) q1.lanewise(LSHR, 4).convert(I2F, 0)).fma(dh, mh).fma(FloatVector.fromArray(F, x, xp + 48), acc3);
                    }
                }
            }
            return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
    }
}
