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
 * Q5_K weights x Q8_K activations (ggml's {@code vec_dot_q5_K_q8_K}) with 512-bit vectors: {@link Q4_KDot}
 * with a fifth quant bit.
 *
 * <pre>
 * block_q5_K (176 bytes; io.github.moe4j.quant.Q5_KFormat)
 *   [0..2) d f16, [2..4) dmin f16, [4..16) scales: 8 six-bit (scale, min) pairs as in Q4_K,
 *   [16..48) qh: element 32s + l has its 5th bit in bit s of qh[l],
 *   [48..176) qs: 32-byte group p holds sub-block 2p in its low nibbles, 2p + 1 in its high nibbles
 * w = d * sc_s * q - dmin * m_s with q in 0..31.
 * </pre>
 *
 * As in Q4_K, half a block per inner iteration: 64 qs bytes, low nibbles = sub-blocks (4h, 4h+2), high
 * nibbles = (4h+1, 4h+3), activations regrouped to match. The 32 qh bytes are copied into both 256-bit
 * halves; a per-int-lane shift brings bit s of every byte to bit 4, where it is or-ed onto the nibble.
 */
public final class Q5_KDot implements DotKernel {
    public static final Q5_KDot INSTANCE = new Q5_KDot();

    private static final int BLOCK_BYTES = 176;
    private static final int OFF_SCALES = 4;
    private static final int OFF_QH = 16;
    private static final int OFF_QS = 48;

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_512;

    private static final VectorShuffle<Long> SWAP_HALVES = VectorShuffle.fromOp(L, i -> i ^ 4);
    private static final VectorShuffle<Long> LOW_HALF_TWICE = VectorShuffle.fromOp(L, i -> i & 3);
    private static final VectorMask<Long> HIGH_HALF = VectorMask.fromLong(L, 0xF0L);
    private static final VectorMask<Float> HIGH_8 = VectorMask.fromLong(F, 0xFF00L);
    private static final VectorMask<Integer> HIGH_8I = VectorMask.fromLong(I, 0xFF00L);
    /**
     * After qh is shifted right by 4h, the shift that brings bit s - 4h of every byte to bit 4, int lanes
     * 0..7 / 8..15 holding the bytes of the first / second sub-block: s - 4h = 0, 2 for the low nibbles,
     * 1, 3 for the high ones.
     */
    private static final IntVector LEFT_LOW = split(4, 2);
    private static final IntVector LEFT_HIGH = split(3, 1);
    private static final VectorShuffle<Float> LOW_H0 = pairShuffle(0);
    private static final VectorShuffle<Float> HIGH_H0 = pairShuffle(1);
    private static final VectorShuffle<Float> LOW_H1 = pairShuffle(4);
    private static final VectorShuffle<Float> HIGH_H1 = pairShuffle(5);
    private static final VectorShuffle<Float> MINS = VectorShuffle.fromOp(F, j -> 8 + j / 2);

    private static IntVector split(int first, int second) {
        return IntVector.broadcast(I, first).blend(second, HIGH_8I);
    }

    private static VectorShuffle<Float> pairShuffle(int first) {
        return VectorShuffle.fromOp(F, i -> i < 8 ? first : first + 2);
    }

    private Q5_KDot() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    @Override
    public float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
        int nb = KQuant.check(GgmlType.Q5_K, w, offset, x, xElement, count, true);
        MemorySegment q8 = x.quantized();
        long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector minAcc = acc0;
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) BLOCK_BYTES * b;
            long y = y0 + (long) KQuant.Q8K_BYTES * b;
            long head = w.get(KQuant.I64, blk);                    // d, dmin, packed bytes 0..3
            long tail = w.get(KQuant.I64, blk + OFF_SCALES + 4);   // packed bytes 4..11
            float yd = q8.get(KQuant.F32, y + KQuant.Q8K_D);
            float dy = Float.float16ToFloat((short) head) * yd;
            float my = Float.float16ToFloat((short) (head >>> 16)) * yd;
            int u0 = (int) (head >>> 32);
            int u1 = (int) tail;
            int u2 = (int) (tail >>> 32);
            FloatVector sm = ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128, KQuant.scales(u0, u2))
                    .withLane(1, KQuant.mins(u1, u2)).reinterpretAsBytes().convertShape(VectorOperators.B2F, F, 0))
                    .mul(FloatVector.broadcast(F, dy).blend(my, HIGH_8));
            FloatVector bsums = (FloatVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, q8,
                    y + KQuant.Q8K_BSUMS, LE).convertShape(VectorOperators.S2F, F, 0);
            minAcc = bsums.fma(sm.rearrange(MINS), minAcc);
            // [qh | qh]: the 64 bytes at OFF_QH are qh and the first 32 qs bytes; keep qh in both halves
            IntVector qh = LongVector.fromMemorySegment(LongVector.SPECIES_512, w, blk + OFF_QH, LE)
                    .rearrange(LOW_HALF_TWICE).reinterpretAsInts();
            for (int h = 0; h < 2; h++) {
                IntVector wq = IntVector.fromMemorySegment(IntVector.SPECIES_512, w, blk + OFF_QS + 64L * h, LE);
                IntVector qhh = qh.lanewise(LSHR, 4 * h);
                IntVector bitLow = qhh.lanewise(LSHL, LEFT_LOW);
                IntVector bitHigh = qhh.lanewise(LSHL, LEFT_HIGH);
                IntVector low = wq.and(0x0F0F0F0F).or(bitLow.and(0x10101010));                    // 5-bit values
                IntVector high = wq.lanewise(LSHR, KQuant.SHIFT4).and(0x0F0F0F0F).or(bitHigh.and(0x10101010));
                ShortVector lowEven = low.and(0x00FF00FF).reinterpretAsShorts();
                ShortVector lowOdd = low.lanewise(LSHR, KQuant.SHIFT8).and(0x00FF00FF).reinterpretAsShorts();
                ShortVector highEven = high.and(0x00FF00FF).reinterpretAsShorts();
                ShortVector highOdd = high.lanewise(LSHR, KQuant.SHIFT8).and(0x00FF00FF).reinterpretAsShorts();
                LongVector x0 = LongVector.fromMemorySegment(LongVector.SPECIES_512, q8, y + KQuant.Q8K_QS + 128L * h, LE);
                LongVector x1 = LongVector.fromMemorySegment(LongVector.SPECIES_512, q8, y + KQuant.Q8K_QS + 64 + 128L * h, LE);
                ShortVector xl = x0.blend(x1.rearrange(SWAP_HALVES), HIGH_HALF).reinterpretAsShorts(); // [4h | 4h+2]
                ShortVector xh = x1.blend(x0.rearrange(SWAP_HALVES), HIGH_HALF.not()).reinterpretAsShorts(); // [4h+1 | 4h+3]
                ShortVector xlEven = xl.and(KQuant.S_FF).lanewise(VectorOperators.XOR, KQuant.S_80).sub(KQuant.S_80);
                ShortVector xhEven = xh.and(KQuant.S_FF).lanewise(VectorOperators.XOR, KQuant.S_80).sub(KQuant.S_80);
                IntVector pl = lowEven.mul(xlEven).add(lowOdd.mul(xl.lanewise(ASHR, KQuant.SHIFT8_S))).reinterpretAsInts();
                IntVector ph = highEven.mul(xhEven).add(highOdd.mul(xh.lanewise(ASHR, KQuant.SHIFT8_S))).reinterpretAsInts();
                pl = pl.add(pl.lanewise(LSHL, KQuant.SHIFT16)).lanewise(ASHR, KQuant.SHIFT16);
                ph = ph.add(ph.lanewise(LSHL, KQuant.SHIFT16)).lanewise(ASHR, KQuant.SHIFT16);
                acc0 = ((FloatVector) pl.convert(VectorOperators.I2F, 0)).fma(sm.rearrange(h == 0 ? LOW_H0 : LOW_H1), acc0);
                acc1 = ((FloatVector) ph.convert(VectorOperators.I2F, 0)).fma(sm.rearrange(h == 0 ? HIGH_H0 : HIGH_H1), acc1);
            }
        }
        FloatVector red = acc0.add(acc1).sub(minAcc);
        return (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, KQuant.DF, 0)).add(red.convertShape(VectorOperators.F2D, KQuant.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }
}
