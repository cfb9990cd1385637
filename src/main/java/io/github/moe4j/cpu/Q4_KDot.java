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
 * Q4_K weights x Q8_K activations (ggml's {@code vec_dot_q4_K_q8_K}) with 512-bit vectors: exact integer
 * products per sub-block, scaled in float. Faster than unpacking the weights to floats against the f32
 * activations, and it rounds the activations as llama.cpp does (see docs/KQUANT_NOTES.md).
 *
 * <pre>
 * block_q4_K (144 bytes; io.github.moe4j.quant.Q4_KFormat)
 *   [0..2) d f16, [2..4) dmin f16, [4..16) scales: 8 six-bit (scale, min) pairs,
 *   [16..144) qs: 32-byte group p holds sub-block 2p in its low nibbles, 2p + 1 in its high nibbles
 * w = d * sc_s * q - dmin * m_s, so  sum w x = d yd sum_s sc_s sum(q q8) - dmin yd sum_s m_s sum(q8)
 * and sum(q8) over a sub-block is bsums[2s] + bsums[2s + 1].
 * </pre>
 *
 * One iteration of the inner loop takes half a block: 64 weight bytes (sub-blocks 4h .. 4h+3) as 32 short
 * lanes. Their low nibbles are sub-blocks (4h, 4h+2) and high nibbles (4h+1, 4h+3), so the 128 activation
 * bytes are regrouped into [4h | 4h+2] and [4h+1 | 4h+3] (swap 256-bit halves + blend). Each 16-bit lane
 * multiplies its even byte and its odd byte (see {@link KQuant}); pairs of shorts are summed into int
 * lanes 0..7 (first sub-block) and 8..15 (second), converted to float and multiplied by the lanes of
 * {@code d * yd * sc}.
 */
public final class Q4_KDot implements DotKernel {
    public static final Q4_KDot INSTANCE = new Q4_KDot();

    private static final int BLOCK_BYTES = 144;
    private static final int OFF_SCALES = 4;
    private static final int OFF_QS = 16;

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_512;

    /** Long lanes 0..3 from one vector, 4..7 from the other: swaps 256-bit halves. */
    private static final VectorShuffle<Long> SWAP_HALVES = VectorShuffle.fromOp(L, i -> i ^ 4);
    private static final VectorMask<Long> HIGH_HALF = VectorMask.fromLong(L, 0xF0L);
    private static final VectorMask<Float> HIGH_8 = VectorMask.fromLong(F, 0xFF00L);
    /** The low nibble of each short's low byte, as a vector, not a scalar operand (see {@link KQuant}). */
    private static final IntVector NIBBLES = IntVector.broadcast(I, 0x000F000F);
    /**
     * Lanes of {@code [d yd sc_0..7, dmin yd m_0..7]} to multiply int lanes 0..7 / 8..15 with: sub-blocks
     * (4h, 4h+2) for the low nibbles, (4h+1, 4h+3) for the high ones; and m_(j/2) for bsums[j].
     */
    private static final VectorShuffle<Float> LOW_H0 = pairShuffle(0);
    private static final VectorShuffle<Float> HIGH_H0 = pairShuffle(1);
    private static final VectorShuffle<Float> LOW_H1 = pairShuffle(4);
    private static final VectorShuffle<Float> HIGH_H1 = pairShuffle(5);
    private static final VectorShuffle<Float> MINS = VectorShuffle.fromOp(F, j -> 8 + j / 2);

    private static VectorShuffle<Float> pairShuffle(int first) {
        return VectorShuffle.fromOp(F, i -> i < 8 ? first : first + 2);
    }

    private Q4_KDot() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    /** Matmul decodes rows to floats once per batch ({@link KQuantDecode}). */
    @Override
    public boolean decodes() {
        return KQuantDecode.available();
    }

    @Override
    public void decode(MemorySegment w, long offset, int count, float[] dst, int dstOff, float[] mins, int minsOff) {
        KQuantDecode.q4K(w, offset, count, dst, dstOff);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
        int nb = KQuant.check(GgmlType.Q4_K, w, offset, x, xElement, count, true);
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
            // [d yd sc_0..7, dmin yd m_0..7]
            FloatVector sm = ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128, KQuant.scales(u0, u2))
                    .withLane(1, KQuant.mins(u1, u2)).reinterpretAsBytes().convertShape(VectorOperators.B2F, F, 0))
                    .mul(FloatVector.broadcast(F, dy).blend(FloatVector.broadcast(F, my), HIGH_8));
            FloatVector bsums = (FloatVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, q8,
                    y + KQuant.Q8K_BSUMS, LE).convertShape(VectorOperators.S2F, F, 0);
            minAcc = bsums.fma(sm.rearrange(MINS), minAcc);
            for (int h = 0; h < 2; h++) {
                IntVector wq = ByteVector.fromMemorySegment(B, w, blk + OFF_QS + 64L * h, LE).reinterpretAsInts();
                LongVector x0 = ByteVector.fromMemorySegment(B, q8, y + KQuant.Q8K_QS + 128L * h, LE).reinterpretAsLongs();
                LongVector x1 = ByteVector.fromMemorySegment(B, q8, y + KQuant.Q8K_QS + 64 + 128L * h, LE).reinterpretAsLongs();
                ShortVector xl = x0.blend(x1.rearrange(SWAP_HALVES), HIGH_HALF).reinterpretAsShorts(); // [4h | 4h+2]
                ShortVector xh = x1.blend(x0.rearrange(SWAP_HALVES), HIGH_HALF.not()).reinterpretAsShorts(); // [4h+1 | 4h+3]
                // nibbles of the even (bits 0..3) and odd (bits 8..11) byte of every short lane
                ShortVector lowEven = wq.and(NIBBLES).reinterpretAsShorts();
                ShortVector lowOdd = wq.lanewise(LSHR, KQuant.SHIFT8).and(NIBBLES).reinterpretAsShorts();
                ShortVector highEven = wq.lanewise(LSHR, KQuant.SHIFT4).and(NIBBLES).reinterpretAsShorts();
                ShortVector highOdd = wq.lanewise(LSHR, KQuant.SHIFT12).and(NIBBLES).reinterpretAsShorts();
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
