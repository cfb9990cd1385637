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
 * Q4_K kernels on Q8_K activations that {@link KQuantBench} timed against {@link Q4_KDot} (see
 * docs/KQUANT_NOTES.md). Variants removed after timing (flat loops over groups, unrolled 256-bit block,
 * earlier block variants) are in git history, commit 922ec4c.
 */
final class Q4KQ8Alternatives {
    private Q4KQ8Alternatives() {
    }

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final jdk.incubator.vector.VectorShuffle<Long> SWAP =
            jdk.incubator.vector.VectorShuffle.fromOp(LongVector.SPECIES_512, i -> i ^ 4);
    static final VectorMask<Long> HI4 = VectorMask.fromLong(LongVector.SPECIES_512, 0xF0L);

    /** "q4k-q8-256": 256-bit, inner loop over the 4 byte groups, short shifts, int scale multiply, scalar mins. */
    static final DotKernel LOOP_256 = new Q8Kernel256();
    /** "q4k-q8-block-256b": 256-bit, block loop + 2 x 2 inner loops, int-lane shifts, float scales. */
    static final DotKernel BLOCK_256 = new Q8Block256b();
    /** "q4k-q8-512": 512-bit, inner loop over halves, int scale vectors by blend, scalar mins. */
    static final DotKernel LOOP_512 = new Q8Kernel512();
    /** "q4k-q8-unrolled-512": 512-bit, both halves written out, int scales by rearrange, vector mins. */
    static final DotKernel UNROLLED_512 = new Q8Unrolled512();
    /** "q4k-q8-block-512b": Q4_KDot's structure with the mins in a second loop over the blocks. */
    static final DotKernel BLOCK_512 = new Q8Block512b();

    abstract static class Base implements DotKernel {
        @Override
        public GgmlType type() {
            return GgmlType.Q4_K;
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
            return acc0.add(acc1).reduceLanes(VectorOperators.ADD) - q4kMins(w, offset, q8, y0, nb);
        }
    }
}
