package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.KQuant.LE;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * Q3_K weights x Q8_K activations (ggml's {@code vec_dot_q3_K_q8_K}) with 512-bit vectors.
 *
 * <pre>
 * block_q3_K (110 bytes; io.github.moe4j.quant.Q3_KFormat)
 *   [0..32)   hmask: element 128h + 32j + l: bit 4h + j of hmask[l] (set: no -4)
 *   [32..96)  qs: the same element's low 2 bits at bits 2j.. of qs[32h + l]
 *   [96..108) scales: 16 six-bit scales (4 low bits + 2 high bits, packed), used as sc - 32
 *   [108..110) d f16
 * w = d * (sc_s - 32) * (u - 4), u = low2 | hbit << 2 in 0..7, so
 *   sum w x = d yd sum_s (sc_s - 32) (sum(u q8) - 4 bsums[s]).
 * </pre>
 *
 * Half a block per inner iteration: the 32 qs bytes and the 32 hmask bytes of the half are each copied into
 * both 256-bit halves, and per-int-lane shifts pick the 2 bits (and the high bit) of groups j = 0, 1 into one
 * 64-byte vector (elements 0..63 of the half) and of j = 2, 3 into another (elements 64..127): contiguous,
 * so the activations need no regrouping. Products u x in 16-bit lanes, pairs summed into int lanes (4
 * elements each, 4 lanes per 16-element sub-block), scaled in float by {@code d yd (sc - 32)}.
 */
public final class Q3_KDot implements DotKernel {
    public static final Q3_KDot INSTANCE = new Q3_KDot();

    private static final int BLOCK_BYTES = 110;
    private static final int OFF_HMASK = 0;
    private static final int OFF_QS = 32;
    private static final int OFF_SCALES = 96;
    private static final int OFF_D = 108;

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_512;

    /** Long lanes [4k..4k+3] of a 64-byte load in both halves. */
    private static final VectorShuffle<Long> LOW_TWICE = VectorShuffle.fromOp(L, i -> i & 3);
    private static final VectorShuffle<Long> HIGH_TWICE = VectorShuffle.fromOp(L, i -> 4 + (i & 3));
    private static final VectorMask<Integer> HIGH_8I = VectorMask.fromLong(I, 0xFF00L);
    /** Bits 2j.. of qs to bits 0..1: j = 0, 1 and j = 2, 3 in int lanes 0..7 / 8..15. */
    private static final IntVector QS_SHIFT_01 = split(0, 2);
    private static final IntVector QS_SHIFT_23 = split(4, 6);
    /** After hmask is shifted right by 4h: bit j to bit 2, left by 2 - j (j = 0, 1) or right by j - 2. */
    private static final IntVector HM_LEFT_01 = split(2, 1);
    private static final IntVector HM_RIGHT_23 = split(0, 1);
    private static final VectorShuffle<Float> LOW_H0 = groupShuffle(0);
    private static final VectorShuffle<Float> HIGH_H0 = groupShuffle(4);
    private static final VectorShuffle<Float> LOW_H1 = groupShuffle(8);
    private static final VectorShuffle<Float> HIGH_H1 = groupShuffle(12);

    private static IntVector split(int first, int second) {
        return IntVector.broadcast(I, first).blend(second, HIGH_8I);
    }

    private static VectorShuffle<Float> groupShuffle(int first) {
        return VectorShuffle.fromOp(F, i -> first + i / 4);
    }

    private Q3_KDot() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    @Override
    public float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
        int nb = KQuant.check(GgmlType.Q3_K, w, offset, x, xElement, count, true);
        MemorySegment q8 = x.quantized();
        long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector bias = acc0;    // sum_s d yd (sc_s - 32) bsums[s], times 4 at the end
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) BLOCK_BYTES * b;
            long y = y0 + (long) KQuant.Q8K_BYTES * b;
            float dy = Float.float16ToFloat(w.get(KQuant.I16, blk + OFF_D)) * q8.get(KQuant.F32, y + KQuant.Q8K_D);
            // the 16 six-bit scales, one per byte (ggml's kmask unpacking): scale s has its low 4 bits in the
            // low (s < 8) or high (s >= 8) nibble of packed byte s % 8, its high 2 bits at bits 2 (s / 4).. of
            // packed byte 8 + s % 4
            long packedLow = w.get(KQuant.I64, blk + OFF_SCALES);                  // packed bytes 0..7
            long packedHigh = w.get(KQuant.I32, blk + OFF_SCALES + 8) & 0xFFFFFFFFL; // packed bytes 8..11
            long scalesLow = (packedLow & 0x0F0F0F0F0F0F0F0FL)
                    | ((packedHigh & 0x03030303L) | ((packedHigh >>> 2) & 0x03030303L) << 32) << 4;
            long scalesHigh = ((packedLow >>> 4) & 0x0F0F0F0F0F0F0F0FL)
                    | (((packedHigh >>> 4) & 0x03030303L) | ((packedHigh >>> 6) & 0x03030303L) << 32) << 4;
            FloatVector scales = ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128, scalesLow)
                    .withLane(1, scalesHigh).reinterpretAsBytes().convertShape(VectorOperators.B2F, F, 0))
                    .sub(32f).mul(dy);
            FloatVector bsums = (FloatVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, q8,
                    y + KQuant.Q8K_BSUMS, LE).convertShape(VectorOperators.S2F, F, 0);
            bias = bsums.fma(scales, bias);
            LongVector hmAndQs = LongVector.fromMemorySegment(LongVector.SPECIES_512, w, blk + OFF_HMASK, LE);
            IntVector hmask = hmAndQs.rearrange(LOW_TWICE).reinterpretAsInts();
            LongVector qsAll = LongVector.fromMemorySegment(LongVector.SPECIES_512, w, blk + OFF_QS, LE);
            for (int h = 0; h < 2; h++) {
                IntVector qs = qsAll.rearrange(h == 0 ? LOW_TWICE : HIGH_TWICE).reinterpretAsInts();
                IntVector hm = hmask.lanewise(LSHR, 4 * h);
                // u = low2 | hbit << 2 per byte: elements 0..63 (j = 0, 1) and 64..127 (j = 2, 3) of the half
                IntVector low = qs.lanewise(LSHR, QS_SHIFT_01).and(0x03030303)
                        .or(hm.lanewise(LSHL, HM_LEFT_01).and(0x04040404));
                IntVector high = qs.lanewise(LSHR, QS_SHIFT_23).and(0x03030303)
                        .or(hm.lanewise(LSHR, HM_RIGHT_23).and(0x04040404));
                ShortVector lowEven = low.and(0x00FF00FF).reinterpretAsShorts();
                ShortVector lowOdd = low.lanewise(LSHR, KQuant.SHIFT8).and(0x00FF00FF).reinterpretAsShorts();
                ShortVector highEven = high.and(0x00FF00FF).reinterpretAsShorts();
                ShortVector highOdd = high.lanewise(LSHR, KQuant.SHIFT8).and(0x00FF00FF).reinterpretAsShorts();
                ShortVector x0 = ShortVector.fromMemorySegment(ShortVector.SPECIES_512, q8, y + KQuant.Q8K_QS + 128L * h, LE);
                ShortVector x1 = ShortVector.fromMemorySegment(ShortVector.SPECIES_512, q8, y + KQuant.Q8K_QS + 64 + 128L * h, LE);
                ShortVector x0Even = x0.and(KQuant.S_FF).lanewise(VectorOperators.XOR, KQuant.S_80).sub(KQuant.S_80);
                ShortVector x1Even = x1.and(KQuant.S_FF).lanewise(VectorOperators.XOR, KQuant.S_80).sub(KQuant.S_80);
                IntVector pl = lowEven.mul(x0Even).add(lowOdd.mul(x0.lanewise(ASHR, KQuant.SHIFT8_S))).reinterpretAsInts();
                IntVector ph = highEven.mul(x1Even).add(highOdd.mul(x1.lanewise(ASHR, KQuant.SHIFT8_S))).reinterpretAsInts();
                pl = pl.add(pl.lanewise(LSHL, KQuant.SHIFT16)).lanewise(ASHR, KQuant.SHIFT16);
                ph = ph.add(ph.lanewise(LSHL, KQuant.SHIFT16)).lanewise(ASHR, KQuant.SHIFT16);
                acc0 = ((FloatVector) pl.convert(VectorOperators.I2F, 0)).fma(scales.rearrange(h == 0 ? LOW_H0 : LOW_H1), acc0);
                acc1 = ((FloatVector) ph.convert(VectorOperators.I2F, 0)).fma(scales.rearrange(h == 0 ? HIGH_H0 : HIGH_H1), acc1);
            }
        }
        FloatVector red = acc0.add(acc1).sub(bias.mul(4f));
        return (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, KQuant.DF, 0)).add(red.convertShape(VectorOperators.F2D, KQuant.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }
}
