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
 * Q2_K weights x Q8_K activations (ggml's {@code vec_dot_q2_K_q8_K}) with 512-bit vectors.
 *
 * <pre>
 * block_q2_K (84 bytes; io.github.moe4j.quant.Q2_KFormat)
 *   [0..16)  scales: sub-block s (16 elements): low nibble scale sc_s, high nibble min m_s
 *   [16..80) qs: element 128h + 32j + l: bits 2j.. of qs[32h + l]
 *   [80..82) d f16, [82..84) dmin f16
 * w = d * sc_s * q - dmin * m_s with q in 0..3, so
 *   sum w x = d yd sum_s sc_s sum(q q8) - dmin yd sum_s m_s bsums[s].
 * </pre>
 *
 * Half a block per inner iteration, as in {@link Q3_KDot}: the 32 qs bytes of the half in both 256-bit
 * halves, per-int-lane shifts pick groups j = 0, 1 (elements 0..63 of the half) and j = 2, 3 (64..127), so
 * the activations stay in order. Products in 16-bit lanes, pairs summed into int lanes (4 elements each),
 * scaled in float by {@code d yd sc}; the mins through the bsums once per block.
 */
public final class Q2_KDot implements DotKernel {
    public static final Q2_KDot INSTANCE = new Q2_KDot();

    private static final int BLOCK_BYTES = 84;
    private static final int OFF_SCALES = 0;
    private static final int OFF_QS = 16;
    private static final int OFF_D = 80;

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_512;

    /** Long lanes [4k..4k+3] of a 64-byte load in both halves. */
    private static final VectorShuffle<Long> LOW_TWICE = VectorShuffle.fromOp(L, i -> i & 3);
    private static final VectorShuffle<Long> HIGH_TWICE = VectorShuffle.fromOp(L, i -> 4 + (i & 3));
    private static final VectorMask<Integer> HIGH_8I = VectorMask.fromLong(I, 0xFF00L);
    /** Bits 2j.. of qs to bits 0..1: j = 0, 1 and j = 2, 3 in int lanes 0..7 / 8..15. */
    private static final IntVector SHIFT_01 = IntVector.broadcast(I, 0).blend(2, HIGH_8I);
    private static final IntVector SHIFT_23 = IntVector.broadcast(I, 4).blend(6, HIGH_8I);
    private static final VectorShuffle<Float> LOW_H0 = groupShuffle(0);
    private static final VectorShuffle<Float> HIGH_H0 = groupShuffle(4);
    private static final VectorShuffle<Float> LOW_H1 = groupShuffle(8);
    private static final VectorShuffle<Float> HIGH_H1 = groupShuffle(12);

    private static VectorShuffle<Float> groupShuffle(int first) {
        return VectorShuffle.fromOp(F, i -> first + i / 4);
    }

    private Q2_KDot() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    @Override
    public float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
        int nb = KQuant.check(GgmlType.Q2_K, w, offset, x, xElement, count, true);
        MemorySegment q8 = x.quantized();
        long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector minAcc = acc0;
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) BLOCK_BYTES * b;
            long y = y0 + (long) KQuant.Q8K_BYTES * b;
            int dd = w.get(KQuant.I32, blk + OFF_D);                   // d, dmin
            float yd = q8.get(KQuant.F32, y + KQuant.Q8K_D);
            float dy = Float.float16ToFloat((short) dd) * yd;
            float my = Float.float16ToFloat((short) (dd >>> 16)) * yd;
            IntVector packed = (IntVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, blk + OFF_SCALES, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
            FloatVector scales = ((FloatVector) packed.and(0x0F).convert(VectorOperators.I2F, 0)).mul(dy);
            FloatVector mins = ((FloatVector) packed.lanewise(LSHR, 4).convert(VectorOperators.I2F, 0)).mul(my);
            FloatVector bsums = (FloatVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, q8,
                    y + KQuant.Q8K_BSUMS, LE).convertShape(VectorOperators.S2F, F, 0);
            minAcc = bsums.fma(mins, minAcc);
            LongVector qsAll = LongVector.fromMemorySegment(LongVector.SPECIES_512, w, blk + OFF_QS, LE);
            for (int h = 0; h < 2; h++) {
                IntVector qs = qsAll.rearrange(h == 0 ? LOW_TWICE : HIGH_TWICE).reinterpretAsInts();
                IntVector low = qs.lanewise(LSHR, SHIFT_01).and(0x03030303);     // elements 0..63 of the half
                IntVector high = qs.lanewise(LSHR, SHIFT_23).and(0x03030303);    // elements 64..127
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
        FloatVector red = acc0.add(acc1).sub(minAcc);
        return (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, KQuant.DF, 0)).add(red.convertShape(VectorOperators.F2D, KQuant.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }
}
