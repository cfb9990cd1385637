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

/** Q4_K kernels tried for {@link KQuantBench}. */
final class Q4KAlternatives {
    private Q4KAlternatives() {
    }

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final boolean NO_MINS = Boolean.getBoolean("kq.nomins");
    static final boolean NO_CHECK = Boolean.getBoolean("kq.nocheck");
    static final jdk.incubator.vector.VectorShuffle<Long> SWAP =
            jdk.incubator.vector.VectorShuffle.fromOp(LongVector.SPECIES_512, i -> i ^ 4);
    static final VectorMask<Long> HI4 = VectorMask.fromLong(LongVector.SPECIES_512, 0xF0L);

    static final DotKernel F32_512 = new F32Kernel(FloatVector.SPECIES_512, ByteVector.SPECIES_128);
    static final DotKernel F32_256 = new F32Kernel256();
    static final DotKernel F32_FLAT = new F32Flat();
    static final DotKernel F32_UNROLLED = new F32Unrolled();
    static final DotKernel Q8_256 = new Q8Kernel256();
    static final DotKernel Q8_512 = new Q8Kernel512();
    static final DotKernel Q8_UNROLLED_512 = new Q8Unrolled512();
    static final DotKernel Q8_UNROLLED_256 = new Q8Unrolled256();
    static final DotKernel Q8_FLAT_256 = new Q8Flat256();
    static final DotKernel Q8_FLAT_512 = new Q8Flat512();
    static final DotKernel Q8_BLOCK_512 = new Q8Block512();
    static final DotKernel Q8_BLOCK_256 = new Q8Block256();
    static final DotKernel Q8_BLOCK_512B = new Q8Block512b();
    static final DotKernel Q8_BLOCK_256B = new Q8Block256b();
    static final DotKernel F32_BLOCK = new F32Block();

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

        F32Kernel(VectorSpecies<Float> f, VectorSpecies<Byte> b) {
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

    /** f32 activations, 16 floats per vector, one flat loop over 64-element groups (no inner loop). */
    static final class F32Flat extends Base {
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
            int ng = 4 * nb;
            for (int g = 0; g < ng; g++) {
                int p = g & 3;
                long blk = offset + 144L * (g >>> 2);
                float d = KQuant.f16(w, blk);
                float dmin = KQuant.f16(w, blk + 2);
                int u0 = KQuant.i32(w, blk + 4);
                int u1 = KQuant.i32(w, blk + 8);
                int u2 = KQuant.i32(w, blk + 12);
                int sh = 16 * p;
                long sc = KQuant.scales(u0, u2) >>> sh;
                long mn = KQuant.mins(u1, u2) >>> sh;
                float dl = d * (int) (sc & 0xFF);
                float ml = -dmin * (int) (mn & 0xFF);
                float dh = d * (int) ((sc >>> 8) & 0xFF);
                float mh = -dmin * (int) ((mn >>> 8) & 0xFF);
                long q = blk + 16 + 32L * p;
                int xp = xElement + 64 * g;
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

    /** Q8_K, 512-bit, block unrolled; pairwise int via (p + (p << 16)) >> 16; scale vectors by rearrange; mins vectorized. */
    static final class Q8Unrolled512 extends Base {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final LongVector IDX_A = LongVector.fromArray(LongVector.SPECIES_512, new long[]{0, 1, 2, 3, 8, 9, 10, 11}, 0);
        private static final LongVector IDX_B = LongVector.fromArray(LongVector.SPECIES_512, new long[]{4, 5, 6, 7, 12, 13, 14, 15}, 0);
        // lanes 0..7 take scale a, lanes 8..15 scale a + 2
        private static final jdk.incubator.vector.VectorShuffle<Integer> S0 = pair(0);
        private static final jdk.incubator.vector.VectorShuffle<Integer> S1 = pair(1);
        private static final jdk.incubator.vector.VectorShuffle<Integer> S4 = pair(4);
        private static final jdk.incubator.vector.VectorShuffle<Integer> S5 = pair(5);

        private static final jdk.incubator.vector.VectorShuffle<Integer> DUP = jdk.incubator.vector.VectorShuffle.fromOp(I, i -> i / 2);

        private static jdk.incubator.vector.VectorShuffle<Integer> pair(int a) {
            int[] idx = new int[16];
            for (int i = 0; i < 16; i++) {
                idx[i] = i < 8 ? a : a + 2;
            }
            return jdk.incubator.vector.VectorShuffle.fromArray(I, idx, 0);
        }

        @Override
        public GgmlType activationType() {
            return GgmlType.Q8_K;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, true);
            MemorySegment q8 = act.quantized();
            long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
            FloatVector acc = FloatVector.zero(F);
            FloatVector macc = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                long y = y0 + (long) KQuant.Q8K_BYTES * b;
                long h0w = KQuant.i64(w, blk);
                long h1w = KQuant.i64(w, blk + 8);
                int u0 = (int) (h0w >>> 32);
                int u1 = (int) h1w;
                int u2 = (int) (h1w >>> 32);
                long sc = KQuant.scales(u0, u2);
                long mn = KQuant.mins(u1, u2);
                IntVector scv = (IntVector) LongVector.broadcast(LongVector.SPECIES_128, sc).reinterpretAsBytes()
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector isum = IntVector.zero(I);
                { // half 0: qs bytes 0..63 = sub-blocks 0..3; low nibbles (0, 2), high (1, 3)
                    ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 16, LE).reinterpretAsShorts();
                    LongVector x0 = ByteVector.fromMemorySegment(B, q8, y + 4, LE).reinterpretAsLongs();
                    LongVector x1 = ByteVector.fromMemorySegment(B, q8, y + 68, LE).reinterpretAsLongs();
                    ShortVector xa = x0.blend(x1.rearrange(SWAP), HI4).reinterpretAsShorts();
                    ShortVector xb = x1.blend(x0.rearrange(SWAP), HI4.not()).reinterpretAsShorts();
                    ShortVector pa = ws.and((short) 0x0F).mul(xa.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(xa.lanewise(ASHR, 8)));
                    ShortVector pb = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(xb.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 12).mul(xb.lanewise(ASHR, 8)));
                    IntVector ia = pa.reinterpretAsInts();
                    IntVector ib = pb.reinterpretAsInts();
                    ia = ia.add(ia.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    ib = ib.add(ib.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    isum = isum.add(ia.mul(scv.rearrange(S0))).add(ib.mul(scv.rearrange(S1)));
                }
                { // half 1: qs bytes 64..127 = sub-blocks 4..7; low nibbles (4, 6), high (5, 7)
                    ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 80, LE).reinterpretAsShorts();
                    LongVector x0 = ByteVector.fromMemorySegment(B, q8, y + 132, LE).reinterpretAsLongs();
                    LongVector x1 = ByteVector.fromMemorySegment(B, q8, y + 196, LE).reinterpretAsLongs();
                    ShortVector xa = x0.blend(x1.rearrange(SWAP), HI4).reinterpretAsShorts();
                    ShortVector xb = x1.blend(x0.rearrange(SWAP), HI4.not()).reinterpretAsShorts();
                    ShortVector pa = ws.and((short) 0x0F).mul(xa.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(xa.lanewise(ASHR, 8)));
                    ShortVector pb = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(xb.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 12).mul(xb.lanewise(ASHR, 8)));
                    IntVector ia = pa.reinterpretAsInts();
                    IntVector ib = pb.reinterpretAsInts();
                    ia = ia.add(ia.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    ib = ib.add(ib.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    isum = isum.add(ia.mul(scv.rearrange(S4))).add(ib.mul(scv.rearrange(S5)));
                }
                float yd = KQuant.f32(q8, y);
                // mins: sum_j m_(j/2) * bsums[j]
                IntVector bs = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, q8, y + KQuant.Q8K_BSUMS, LE)
                        .convertShape(VectorOperators.S2I, I, 0);
                IntVector mv = ((IntVector) LongVector.broadcast(LongVector.SPECIES_128, mn).reinterpretAsBytes()
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).rearrange(DUP);
                macc = ((FloatVector) bs.mul(mv).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(F, Float.float16ToFloat((short) (h0w >>> 16)) * yd), macc);
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(F, Float.float16ToFloat((short) h0w) * yd), acc);
            }
            return acc.reduceLanes(VectorOperators.ADD) - macc.reduceLanes(VectorOperators.ADD);
        }
    }

    /** Q8_K, 256-bit, block unrolled. */
    static final class Q8Unrolled256 extends Base {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
        private static final jdk.incubator.vector.VectorShuffle<Integer> DUP =
                jdk.incubator.vector.VectorShuffle.fromOp(IntVector.SPECIES_512, i -> i / 2);

        @Override
        public GgmlType activationType() {
            return GgmlType.Q8_K;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, true);
            MemorySegment q8 = act.quantized();
            long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
            FloatVector acc = FloatVector.zero(F);
            FloatVector macc = FloatVector.zero(FloatVector.SPECIES_512);
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                long y = y0 + (long) KQuant.Q8K_BYTES * b;
                long h0w = KQuant.i64(w, blk);
                long h1w = KQuant.i64(w, blk + 8);
                int u0 = (int) (h0w >>> 32);
                int u1 = (int) h1w;
                int u2 = (int) (h1w >>> 32);
                long sc = KQuant.scales(u0, u2);
                long mn = KQuant.mins(u1, u2);
                IntVector isum = IntVector.zero(I);
                { // sub-blocks 0 (low nibbles) and 1 (high nibbles): qs bytes 0..31
                    ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 16, LE).reinterpretAsShorts();
                    ShortVector x0 = ByteVector.fromMemorySegment(B, q8, y + 4, LE).reinterpretAsShorts();
                    ShortVector x1 = ByteVector.fromMemorySegment(B, q8, y + 36, LE).reinterpretAsShorts();
                    ShortVector pl = ws.and((short) 0x0F).mul(x0.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(x0.lanewise(ASHR, 8)));
                    ShortVector ph = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(x1.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 12).mul(x1.lanewise(ASHR, 8)));
                    IntVector il = pl.reinterpretAsInts();
                    IntVector ih = ph.reinterpretAsInts();
                    il = il.add(il.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    ih = ih.add(ih.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    isum = isum.add(il.mul((int) ((sc >>> 0) & 0xFF))).add(ih.mul((int) ((sc >>> 8) & 0xFF)));
                }
                { // sub-blocks 2 (low nibbles) and 3 (high nibbles): qs bytes 32..63
                    ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 48, LE).reinterpretAsShorts();
                    ShortVector x0 = ByteVector.fromMemorySegment(B, q8, y + 68, LE).reinterpretAsShorts();
                    ShortVector x1 = ByteVector.fromMemorySegment(B, q8, y + 100, LE).reinterpretAsShorts();
                    ShortVector pl = ws.and((short) 0x0F).mul(x0.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(x0.lanewise(ASHR, 8)));
                    ShortVector ph = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(x1.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 12).mul(x1.lanewise(ASHR, 8)));
                    IntVector il = pl.reinterpretAsInts();
                    IntVector ih = ph.reinterpretAsInts();
                    il = il.add(il.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    ih = ih.add(ih.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    isum = isum.add(il.mul((int) ((sc >>> 16) & 0xFF))).add(ih.mul((int) ((sc >>> 24) & 0xFF)));
                }
                { // sub-blocks 4 (low nibbles) and 5 (high nibbles): qs bytes 64..95
                    ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 80, LE).reinterpretAsShorts();
                    ShortVector x0 = ByteVector.fromMemorySegment(B, q8, y + 132, LE).reinterpretAsShorts();
                    ShortVector x1 = ByteVector.fromMemorySegment(B, q8, y + 164, LE).reinterpretAsShorts();
                    ShortVector pl = ws.and((short) 0x0F).mul(x0.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(x0.lanewise(ASHR, 8)));
                    ShortVector ph = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(x1.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 12).mul(x1.lanewise(ASHR, 8)));
                    IntVector il = pl.reinterpretAsInts();
                    IntVector ih = ph.reinterpretAsInts();
                    il = il.add(il.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    ih = ih.add(ih.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    isum = isum.add(il.mul((int) ((sc >>> 32) & 0xFF))).add(ih.mul((int) ((sc >>> 40) & 0xFF)));
                }
                { // sub-blocks 6 (low nibbles) and 7 (high nibbles): qs bytes 96..127
                    ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 112, LE).reinterpretAsShorts();
                    ShortVector x0 = ByteVector.fromMemorySegment(B, q8, y + 196, LE).reinterpretAsShorts();
                    ShortVector x1 = ByteVector.fromMemorySegment(B, q8, y + 228, LE).reinterpretAsShorts();
                    ShortVector pl = ws.and((short) 0x0F).mul(x0.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(x0.lanewise(ASHR, 8)));
                    ShortVector ph = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(x1.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 12).mul(x1.lanewise(ASHR, 8)));
                    IntVector il = pl.reinterpretAsInts();
                    IntVector ih = ph.reinterpretAsInts();
                    il = il.add(il.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    ih = ih.add(ih.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    isum = isum.add(il.mul((int) ((sc >>> 48) & 0xFF))).add(ih.mul((int) ((sc >>> 56) & 0xFF)));
                }
                float yd = KQuant.f32(q8, y);
                IntVector bs = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, q8, y + KQuant.Q8K_BSUMS, LE)
                        .convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0);
                IntVector mv = ((IntVector) LongVector.broadcast(LongVector.SPECIES_128, mn).reinterpretAsBytes()
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, IntVector.SPECIES_512, 0)).rearrange(DUP);
                macc = ((FloatVector) bs.mul(mv).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(FloatVector.SPECIES_512, Float.float16ToFloat((short) (h0w >>> 16)) * yd), macc);
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(F, Float.float16ToFloat((short) h0w) * yd), acc);
            }
            return acc.reduceLanes(VectorOperators.ADD) - macc.reduceLanes(VectorOperators.ADD);
        }
    }

    /** The min correction sum_b (dmin_b * yd_b) * sum_j m_(j/2) * bsums_b[j] over all blocks (one vector step per block). */
    static float q4kMins(MemorySegment w, long offset, MemorySegment q8, long y0, int nb) {
        FloatVector macc = FloatVector.zero(FloatVector.SPECIES_512);
        for (int b = 0; b < nb; b++) {
            long blk = offset + 144L * b;
            long y = y0 + (long) KQuant.Q8K_BYTES * b;
            long h0w = KQuant.i64(w, blk);
            long h1w = KQuant.i64(w, blk + 8);
            long mn = KQuant.mins((int) h1w, (int) (h1w >>> 32));
            IntVector bs = (IntVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, q8, y + KQuant.Q8K_BSUMS, LE)
                    .convertShape(VectorOperators.S2I, IntVector.SPECIES_512, 0);
            IntVector mv = ((IntVector) LongVector.broadcast(LongVector.SPECIES_128, mn).reinterpretAsBytes()
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, IntVector.SPECIES_512, 0)).rearrange(DUP16);
            float dmy = Float.float16ToFloat((short) (h0w >>> 16)) * KQuant.f32(q8, y);
            macc = ((FloatVector) bs.mul(mv).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(FloatVector.SPECIES_512, dmy), macc);
        }
        return macc.reduceLanes(VectorOperators.ADD);
    }

    static final jdk.incubator.vector.VectorShuffle<Integer> DUP16 =
            jdk.incubator.vector.VectorShuffle.fromOp(IntVector.SPECIES_512, i -> i / 2);

    /** Q8_K, 256-bit, one flat loop over 64-element groups; scales applied in float per sub-block. */
    static final class Q8Flat256 extends Base {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

        @Override
        public GgmlType activationType() {
            return GgmlType.Q8_K;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, true);
            MemorySegment q8 = act.quantized();
            long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            int ng = 4 * nb;
            for (int g = 0; g < ng; g++) {
                int p = g & 3;
                long blk = offset + 144L * (g >>> 2);
                long y = y0 + (long) KQuant.Q8K_BYTES * (g >>> 2);
                long h0w = KQuant.i64(w, blk);
                long h1w = KQuant.i64(w, blk + 8);
                long sc = KQuant.scales((int) (h0w >>> 32), (int) (h1w >>> 32)) >>> (16 * p);
                float dy = Float.float16ToFloat((short) h0w) * KQuant.f32(q8, y);
                ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 16 + 32L * p, LE).reinterpretAsShorts();
                ShortVector x0 = ByteVector.fromMemorySegment(B, q8, y + 4 + 64L * p, LE).reinterpretAsShorts();
                ShortVector x1 = ByteVector.fromMemorySegment(B, q8, y + 36 + 64L * p, LE).reinterpretAsShorts();
                ShortVector pl = ws.and((short) 0x0F).mul(x0.lanewise(LSHL, 8).lanewise(ASHR, 8))
                        .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(x0.lanewise(ASHR, 8)));
                ShortVector ph = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(x1.lanewise(LSHL, 8).lanewise(ASHR, 8))
                        .add(ws.lanewise(LSHR, 12).mul(x1.lanewise(ASHR, 8)));
                IntVector il = pl.reinterpretAsInts();
                IntVector ih = ph.reinterpretAsInts();
                il = il.add(il.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                ih = ih.add(ih.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                acc0 = ((FloatVector) il.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(F, dy * (int) (sc & 0xFF)), acc0);
                acc1 = ((FloatVector) ih.convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.broadcast(F, dy * (int) ((sc >>> 8) & 0xFF)), acc1);
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - q4kMins(w, offset, q8, y0, nb);
        }
    }

    /** Q8_K, 512-bit, one flat loop over half-blocks (128 elements); activations regrouped by swap + blend. */
    static final class Q8Flat512 extends Base {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final VectorMask<Float> HI8 = VectorMask.fromLong(F, 0xFF00L);

        @Override
        public GgmlType activationType() {
            return GgmlType.Q8_K;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, true);
            MemorySegment q8 = act.quantized();
            long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            int nh = 2 * nb;
            for (int hb = 0; hb < nh; hb++) {
                int h = hb & 1;
                long blk = offset + 144L * (hb >>> 1);
                long y = y0 + (long) KQuant.Q8K_BYTES * (hb >>> 1);
                long h0w = KQuant.i64(w, blk);
                long h1w = KQuant.i64(w, blk + 8);
                long sc = KQuant.scales((int) (h0w >>> 32), (int) (h1w >>> 32)) >>> (32 * h);
                float dy = Float.float16ToFloat((short) h0w) * KQuant.f32(q8, y);
                ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 16 + 64L * h, LE).reinterpretAsShorts();
                LongVector x0 = ByteVector.fromMemorySegment(B, q8, y + 4 + 128L * h, LE).reinterpretAsLongs();
                LongVector x1 = ByteVector.fromMemorySegment(B, q8, y + 68 + 128L * h, LE).reinterpretAsLongs();
                ShortVector xa = x0.blend(x1.rearrange(SWAP), HI4).reinterpretAsShorts();
                ShortVector xb = x1.blend(x0.rearrange(SWAP), HI4.not()).reinterpretAsShorts();
                ShortVector pa = ws.and((short) 0x0F).mul(xa.lanewise(LSHL, 8).lanewise(ASHR, 8))
                        .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(xa.lanewise(ASHR, 8)));
                ShortVector pb = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(xb.lanewise(LSHL, 8).lanewise(ASHR, 8))
                        .add(ws.lanewise(LSHR, 12).mul(xb.lanewise(ASHR, 8)));
                IntVector ia = pa.reinterpretAsInts();
                IntVector ib = pb.reinterpretAsInts();
                ia = ia.add(ia.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                ib = ib.add(ib.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                FloatVector sa = FloatVector.broadcast(F, dy * (int) (sc & 0xFF)).blend(dy * (int) ((sc >>> 16) & 0xFF), HI8);
                FloatVector sb = FloatVector.broadcast(F, dy * (int) ((sc >>> 8) & 0xFF)).blend(dy * (int) ((sc >>> 24) & 0xFF), HI8);
                acc0 = ((FloatVector) ia.convert(VectorOperators.I2F, 0)).fma(sa, acc0);
                acc1 = ((FloatVector) ib.convert(VectorOperators.I2F, 0)).fma(sb, acc1);
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - q4kMins(w, offset, q8, y0, nb);
        }
    }

    /**
     * Q8_K, 512-bit: outer loop over blocks (header decoded once), inner loop over the 2 halves, which C2
     * unrolls fully (trip count 2), so the vector code appears once in the bytecode.
     */
    static final class Q8Block512 extends Base {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
        // lanes 0..7 -> scale 4h + {0 or 1}, lanes 8..15 -> 4h + {2 or 3}
        private static final IntVector IDX_A = IntVector.fromArray(I, new int[]{0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2}, 0);
        private static final IntVector IDX_B = IDX_A.add(1);

        @Override
        public GgmlType activationType() {
            return GgmlType.Q8_K;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, true);
            MemorySegment q8 = act.quantized();
            long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                long y = y0 + (long) KQuant.Q8K_BYTES * b;
                long h0w = KQuant.i64(w, blk);
                long h1w = KQuant.i64(w, blk + 8);
                long sc = KQuant.scales((int) (h0w >>> 32), (int) (h1w >>> 32));
                float dy = Float.float16ToFloat((short) h0w) * KQuant.f32(q8, y);
                // d * yd * sc[0..7] in lanes 0..7 and again in 8..15
                FloatVector scv = ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128, sc).reinterpretAsBytes()
                        .convertShape(VectorOperators.B2F, F, 0)).mul(dy);
                for (int h = 0; h < 2; h++) {
                    ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 16 + 64L * h, LE).reinterpretAsShorts();
                    LongVector x0 = ByteVector.fromMemorySegment(B, q8, y + 4 + 128L * h, LE).reinterpretAsLongs();
                    LongVector x1 = ByteVector.fromMemorySegment(B, q8, y + 68 + 128L * h, LE).reinterpretAsLongs();
                    ShortVector xa = x0.blend(x1.rearrange(SWAP), HI4).reinterpretAsShorts();
                    ShortVector xb = x1.blend(x0.rearrange(SWAP), HI4.not()).reinterpretAsShorts();
                    ShortVector pa = ws.and((short) 0x0F).mul(xa.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(xa.lanewise(ASHR, 8)));
                    ShortVector pb = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(xb.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 12).mul(xb.lanewise(ASHR, 8)));
                    IntVector ia = pa.reinterpretAsInts();
                    IntVector ib = pb.reinterpretAsInts();
                    ia = ia.add(ia.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    ib = ib.add(ib.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    acc0 = ((FloatVector) ia.convert(VectorOperators.I2F, 0)).fma(IDX_A.add(4 * h).selectFrom(scv.reinterpretAsInts()).reinterpretAsFloats(), acc0);
                    acc1 = ((FloatVector) ib.convert(VectorOperators.I2F, 0)).fma(IDX_B.add(4 * h).selectFrom(scv.reinterpretAsInts()).reinterpretAsFloats(), acc1);
                }
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - q4kMins(w, offset, q8, y0, nb);
        }
    }

    /** Q8_K, 256-bit: outer loop over blocks, inner loops 2 x 2 over 64-element groups (unrolled by C2). */
    static final class Q8Block256 extends Base {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

        @Override
        public GgmlType activationType() {
            return GgmlType.Q8_K;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, true);
            MemorySegment q8 = act.quantized();
            long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                long y = y0 + (long) KQuant.Q8K_BYTES * b;
                long h0w = KQuant.i64(w, blk);
                long h1w = KQuant.i64(w, blk + 8);
                long sc = KQuant.scales((int) (h0w >>> 32), (int) (h1w >>> 32));
                float dy = Float.float16ToFloat((short) h0w) * KQuant.f32(q8, y);
                for (int h = 0; h < 2; h++) {
                    for (int q = 0; q < 2; q++) {
                        int p = 2 * h + q;
                        ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 16 + 32L * p, LE).reinterpretAsShorts();
                        ShortVector x0 = ByteVector.fromMemorySegment(B, q8, y + 4 + 64L * p, LE).reinterpretAsShorts();
                        ShortVector x1 = ByteVector.fromMemorySegment(B, q8, y + 36 + 64L * p, LE).reinterpretAsShorts();
                        ShortVector pl = ws.and((short) 0x0F).mul(x0.lanewise(LSHL, 8).lanewise(ASHR, 8))
                                .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(x0.lanewise(ASHR, 8)));
                        ShortVector ph = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(x1.lanewise(LSHL, 8).lanewise(ASHR, 8))
                                .add(ws.lanewise(LSHR, 12).mul(x1.lanewise(ASHR, 8)));
                        IntVector il = pl.reinterpretAsInts();
                        IntVector ih = ph.reinterpretAsInts();
                        il = il.add(il.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                        ih = ih.add(ih.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                        long scp = sc >>> (16 * p);
                        acc0 = ((FloatVector) il.convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.broadcast(F, dy * (int) (scp & 0xFF)), acc0);
                        acc1 = ((FloatVector) ih.convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.broadcast(F, dy * (int) ((scp >>> 8) & 0xFF)), acc1);
                    }
                }
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - q4kMins(w, offset, q8, y0, nb);
        }
    }

    /** Q8_K, 512-bit, block loop + inner half loop; int-lane shifts with masks instead of short shifts. */
    static final class Q8Block512b extends Base {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
        private static final IntVector IDX_A0 = IntVector.fromArray(I, new int[]{0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2}, 0);
        private static final IntVector IDX_B0 = IDX_A0.add(1);
        private static final IntVector IDX_A1 = IDX_A0.add(4);
        private static final IntVector IDX_B1 = IDX_A0.add(5);

        @Override
        public GgmlType activationType() {
            return GgmlType.Q8_K;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = NO_CHECK ? count >>> 8 : KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, true);
            MemorySegment q8 = act.quantized();
            long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                long y = y0 + (long) KQuant.Q8K_BYTES * b;
                long h0w = KQuant.i64(w, blk);
                long h1w = KQuant.i64(w, blk + 8);
                long sc = KQuant.scales((int) (h0w >>> 32), (int) (h1w >>> 32));
                float dy = Float.float16ToFloat((short) h0w) * KQuant.f32(q8, y);
                IntVector scv = ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128, sc).reinterpretAsBytes()
                        .convertShape(VectorOperators.B2F, F, 0)).mul(dy).reinterpretAsInts();
                for (int h = 0; h < 2; h++) {
                    IntVector wi = ByteVector.fromMemorySegment(B, w, blk + 16 + 64L * h, LE).reinterpretAsInts();
                    LongVector x0 = ByteVector.fromMemorySegment(B, q8, y + 4 + 128L * h, LE).reinterpretAsLongs();
                    LongVector x1 = ByteVector.fromMemorySegment(B, q8, y + 68 + 128L * h, LE).reinterpretAsLongs();
                    ShortVector xa = x0.blend(x1.rearrange(SWAP), HI4).reinterpretAsShorts();
                    ShortVector xb = x1.blend(x0.rearrange(SWAP), HI4.not()).reinterpretAsShorts();
                    ShortVector loE = wi.and(0x000F000F).reinterpretAsShorts();
                    ShortVector loO = wi.lanewise(LSHR, 8).and(0x000F000F).reinterpretAsShorts();
                    ShortVector hiE = wi.lanewise(LSHR, 4).and(0x000F000F).reinterpretAsShorts();
                    ShortVector hiO = wi.lanewise(LSHR, 12).and(0x000F000F).reinterpretAsShorts();
                    ShortVector xaE = xa.and((short) 0xFF).lanewise(VectorOperators.XOR, (short) 0x80).sub((short) 0x80);
                    ShortVector xbE = xb.and((short) 0xFF).lanewise(VectorOperators.XOR, (short) 0x80).sub((short) 0x80);
                    IntVector pa = loE.mul(xaE).add(loO.mul(xa.lanewise(ASHR, 8))).reinterpretAsInts();
                    IntVector pb = hiE.mul(xbE).add(hiO.mul(xb.lanewise(ASHR, 8))).reinterpretAsInts();
                    pa = pa.add(pa.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    pb = pb.add(pb.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    FloatVector sa = (h == 0 ? IDX_A0 : IDX_A1).selectFrom(scv).reinterpretAsFloats();
                    FloatVector sb = (h == 0 ? IDX_B0 : IDX_B1).selectFrom(scv).reinterpretAsFloats();
                    acc0 = ((FloatVector) pa.convert(VectorOperators.I2F, 0)).fma(sa, acc0);
                    acc1 = ((FloatVector) pb.convert(VectorOperators.I2F, 0)).fma(sb, acc1);
                }
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - (NO_MINS ? 0f : q4kMins(w, offset, q8, y0, nb));
        }
    }

    /** Q8_K, 256-bit, as {@link Q8Block512b} without the regrouping. */
    static final class Q8Block256b extends Base {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

        @Override
        public GgmlType activationType() {
            return GgmlType.Q8_K;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, true);
            MemorySegment q8 = act.quantized();
            long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                long y = y0 + (long) KQuant.Q8K_BYTES * b;
                long h0w = KQuant.i64(w, blk);
                long h1w = KQuant.i64(w, blk + 8);
                long sc = KQuant.scales((int) (h0w >>> 32), (int) (h1w >>> 32));
                float dy = Float.float16ToFloat((short) h0w) * KQuant.f32(q8, y);
                for (int h = 0; h < 2; h++) {
                    for (int q = 0; q < 2; q++) {
                        int p = 2 * h + q;
                        IntVector wi = ByteVector.fromMemorySegment(B, w, blk + 16 + 32L * p, LE).reinterpretAsInts();
                        ShortVector xa = ByteVector.fromMemorySegment(B, q8, y + 4 + 64L * p, LE).reinterpretAsShorts();
                        ShortVector xb = ByteVector.fromMemorySegment(B, q8, y + 36 + 64L * p, LE).reinterpretAsShorts();
                        ShortVector loE = wi.and(0x000F000F).reinterpretAsShorts();
                        ShortVector loO = wi.lanewise(LSHR, 8).and(0x000F000F).reinterpretAsShorts();
                        ShortVector hiE = wi.lanewise(LSHR, 4).and(0x000F000F).reinterpretAsShorts();
                        ShortVector hiO = wi.lanewise(LSHR, 12).and(0x000F000F).reinterpretAsShorts();
                        ShortVector xaE = xa.and((short) 0xFF).lanewise(VectorOperators.XOR, (short) 0x80).sub((short) 0x80);
                        ShortVector xbE = xb.and((short) 0xFF).lanewise(VectorOperators.XOR, (short) 0x80).sub((short) 0x80);
                        IntVector pa = loE.mul(xaE).add(loO.mul(xa.lanewise(ASHR, 8))).reinterpretAsInts();
                        IntVector pb = hiE.mul(xbE).add(hiO.mul(xb.lanewise(ASHR, 8))).reinterpretAsInts();
                        pa = pa.add(pa.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                        pb = pb.add(pb.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                        long scp = sc >>> (16 * p);
                        acc0 = ((FloatVector) pa.convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.broadcast(F, dy * (int) (scp & 0xFF)), acc0);
                        acc1 = ((FloatVector) pb.convert(VectorOperators.I2F, 0))
                                .fma(FloatVector.broadcast(F, dy * (int) ((scp >>> 8) & 0xFF)), acc1);
                    }
                }
            }
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - q4kMins(w, offset, q8, y0, nb);
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

    /** Q8_K activations, 256-bit: u4 x i8 products in 16-bit lanes (even/odd bytes), pairs summed to int. */
    static final class Q8Kernel256 extends Base {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_256;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

        @Override
        public GgmlType activationType() {
            return GgmlType.Q8_K;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, true);
            MemorySegment q8 = act.quantized();
            long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
            FloatVector acc = FloatVector.zero(F);
            float sumf = 0f;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                long y = y0 + (long) KQuant.Q8K_BYTES * b;
                int u0 = KQuant.i32(w, blk + 4);
                int u1 = KQuant.i32(w, blk + 8);
                int u2 = KQuant.i32(w, blk + 12);
                long sc = KQuant.scales(u0, u2);
                long mn = KQuant.mins(u1, u2);
                IntVector isum = IntVector.zero(IntVector.SPECIES_256);
                for (int p = 0; p < 4; p++) {
                    ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 16 + 32L * p, LE).reinterpretAsShorts();
                    ShortVector x0 = ByteVector.fromMemorySegment(B, q8, y + 4 + 64L * p, LE).reinterpretAsShorts();
                    ShortVector x1 = ByteVector.fromMemorySegment(B, q8, y + 36 + 64L * p, LE).reinterpretAsShorts();
                    ShortVector pl = ws.and((short) 0x0F).mul(x0.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(x0.lanewise(ASHR, 8)));
                    ShortVector ph = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(x1.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 12).mul(x1.lanewise(ASHR, 8)));
                    IntVector il = pl.reinterpretAsInts();
                    IntVector ih = ph.reinterpretAsInts();
                    il = il.lanewise(LSHL, 16).lanewise(ASHR, 16).add(il.lanewise(ASHR, 16));
                    ih = ih.lanewise(LSHL, 16).lanewise(ASHR, 16).add(ih.lanewise(ASHR, 16));
                    int sh = 16 * p;
                    isum = isum.add(il.mul((int) ((sc >>> sh) & 0xFF))).add(ih.mul((int) ((sc >>> (sh + 8)) & 0xFF)));
                }
                float yd = KQuant.f32(q8, y);
                int summ = 0;
                for (int s = 0; s < 8; s++) {
                    int v = KQuant.i32(q8, y + KQuant.Q8K_BSUMS + 4L * s);
                    summ += (int) ((mn >>> (8 * s)) & 0xFF) * ((short) v + (v >> 16));
                }
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, KQuant.f16(w, blk) * yd), acc);
                sumf -= KQuant.f16(w, blk + 2) * yd * summ;
            }
            return sumf + acc.reduceLanes(VectorOperators.ADD);
        }
    }

    /**
     * Q8_K activations, 512-bit: one weight load covers 4 sub-blocks; its low nibbles are sub-blocks
     * (0, 2) and high nibbles (1, 3), so the activations are regrouped with a two-vector permute.
     */
    static final class Q8Kernel512 extends Base {
        private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
        private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
        private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
        private static final LongVector IDX_A = LongVector.fromArray(LongVector.SPECIES_512, new long[]{0, 1, 2, 3, 8, 9, 10, 11}, 0);
        private static final LongVector IDX_B = LongVector.fromArray(LongVector.SPECIES_512, new long[]{4, 5, 6, 7, 12, 13, 14, 15}, 0);
        private static final VectorMask<Integer> HI8 = VectorMask.fromLong(I, 0xFF00L);

        @Override
        public GgmlType activationType() {
            return GgmlType.Q8_K;
        }

        @Override
        public float dot(MemorySegment w, long offset, Activation act, int xElement, int count) {
            int nb = KQuant.check(GgmlType.Q4_K, w, offset, act, xElement, count, true);
            MemorySegment q8 = act.quantized();
            long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
            FloatVector acc = FloatVector.zero(F);
            float sumf = 0f;
            for (int b = 0; b < nb; b++) {
                long blk = offset + 144L * b;
                long y = y0 + (long) KQuant.Q8K_BYTES * b;
                int u0 = KQuant.i32(w, blk + 4);
                int u1 = KQuant.i32(w, blk + 8);
                int u2 = KQuant.i32(w, blk + 12);
                long sc = KQuant.scales(u0, u2);
                long mn = KQuant.mins(u1, u2);
                IntVector isum = IntVector.zero(I);
                for (int h = 0; h < 2; h++) {
                    ShortVector ws = ByteVector.fromMemorySegment(B, w, blk + 16 + 64L * h, LE).reinterpretAsShorts();
                    LongVector x0 = ByteVector.fromMemorySegment(B, q8, y + 4 + 128L * h, LE).reinterpretAsLongs();
                    LongVector x1 = ByteVector.fromMemorySegment(B, q8, y + 68 + 128L * h, LE).reinterpretAsLongs();
                    ShortVector xa = x0.blend(x1.rearrange(SWAP), HI4).reinterpretAsShorts();
                    ShortVector xb = x1.blend(x0.rearrange(SWAP), HI4.not()).reinterpretAsShorts();
                    ShortVector pa = ws.and((short) 0x0F).mul(xa.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 8).and((short) 0x0F).mul(xa.lanewise(ASHR, 8)));
                    ShortVector pb = ws.lanewise(LSHR, 4).and((short) 0x0F).mul(xb.lanewise(LSHL, 8).lanewise(ASHR, 8))
                            .add(ws.lanewise(LSHR, 12).mul(xb.lanewise(ASHR, 8)));
                    IntVector ia = pa.reinterpretAsInts();
                    IntVector ib = pb.reinterpretAsInts();
                    ia = ia.lanewise(LSHL, 16).lanewise(ASHR, 16).add(ia.lanewise(ASHR, 16));
                    ib = ib.lanewise(LSHL, 16).lanewise(ASHR, 16).add(ib.lanewise(ASHR, 16));
                    int sh = 32 * h;
                    IntVector sa = IntVector.broadcast(I, (int) ((sc >>> sh) & 0xFF))
                            .blend((int) ((sc >>> (sh + 16)) & 0xFF), HI8);
                    IntVector sb = IntVector.broadcast(I, (int) ((sc >>> (sh + 8)) & 0xFF))
                            .blend((int) ((sc >>> (sh + 24)) & 0xFF), HI8);
                    isum = isum.add(ia.mul(sa)).add(ib.mul(sb));
                }
                float yd = KQuant.f32(q8, y);
                int summ = 0;
                for (int s = 0; s < 8; s++) {
                    int v = KQuant.i32(q8, y + KQuant.Q8K_BSUMS + 4L * s);
                    summ += (int) ((mn >>> (8 * s)) & 0xFF) * ((short) v + (v >> 16));
                }
                acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, KQuant.f16(w, blk) * yd), acc);
                sumf -= KQuant.f16(w, blk + 2) * yd * summ;
            }
            return sumf + acc.reduceLanes(VectorOperators.ADD);
        }
    }
}
