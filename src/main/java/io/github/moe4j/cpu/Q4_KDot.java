package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
 * lanes. Their low nibbles are sub-blocks (4h, 4h+2) and high nibbles (4h+1, 4h+3). The activation's
 * values come as shorts already in that order, split by byte parity ({@link Activation#int8Split}, made
 * once per activation), so each 16-bit lane multiplies the nibble of its even byte and of its odd byte
 * by a loaded short; pairs of shorts are summed into int lanes 0..7 (first sub-block) and 8..15
 * (second), converted to float and multiplied by the lanes of {@code d * yd * sc}. The block's scales
 * and mins are unpacked in vector lanes ({@link #SEL_A}).
 *
 * <p>Measured one thread, 32 x 2,048 from L1: the activation regrouping and sign extension per row cost 24
 * of about 80 vector instructions per block; the scale unpacking in scalar code, 8% of the time. With the
 * block's scales replaced by a constant the kernel ran 1.6x as fast, so the per-block float work is what
 * is left. (This form was reverted once because some processes then compiled a kernel into the Vector
 * API's allocating fallback; the cause was C2's per-compilation trap limit, see docs/API.md.)
 */
public final class Q4_KDot implements DotKernel {
    public static final Q4_KDot INSTANCE = new Q4_KDot();

    private static final int BLOCK_BYTES = 144;
    private static final int OFF_QS = 16;

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;

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

    /*
     * The 16 bytes at a block's start are d, dmin and the 12 packed bytes q[0..11] (bytes 4..15) of ggml's
     * get_scale_min_k4: for j < 4, sc_j = q[j] & 63 and m_j = q[j + 4] & 63; for j >= 4,
     * sc_j = (q[j + 4] & 15) | (q[j - 4] >> 6) << 4 and m_j = (q[j + 4] >> 4) | (q[j] >> 6) << 4.
     * Lane i of the result is sc_i (i < 8) or m_(i-8): SEL_A picks each lane's low-bits byte, SEL_HI the
     * byte whose top two bits are its bits 4..5 (lanes with j >= 4 only; MASK_HI clears the others).
     */
    private static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    private static final VectorShuffle<Byte> SEL_A = VectorShuffle.fromArray(B128,
            new int[]{4, 5, 6, 7, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15}, 0);
    private static final VectorShuffle<Byte> SEL_HI = VectorShuffle.fromArray(B128,
            new int[]{0, 0, 0, 0, 4, 5, 6, 7, 0, 0, 0, 0, 8, 9, 10, 11}, 0);
    private static final IntVector SHIFT_A = IntVector.fromArray(I, new int[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4}, 0);
    private static final IntVector MASK_A = IntVector.fromArray(I,
            new int[]{63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15}, 0);
    private static final IntVector MASK_HI = IntVector.fromArray(I,
            new int[]{0, 0, 0, 0, 0xC0, 0xC0, 0xC0, 0xC0, 0, 0, 0, 0, 0xC0, 0xC0, 0xC0, 0xC0}, 0);
    private static final IntVector TWO = IntVector.broadcast(I, 2);

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
        short[] xs = x.int8Split();
        long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector minAcc = acc0;
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) BLOCK_BYTES * b;
            long y = y0 + (long) KQuant.Q8K_BYTES * b;
            int dd = w.get(KQuant.I32, blk);                       // d, dmin
            float yd = q8.get(KQuant.F32, y + KQuant.Q8K_D);
            float dy = Float.float16ToFloat((short) dd) * yd;
            float my = Float.float16ToFloat((short) (dd >>> 16)) * yd;
            // [d yd sc_0..7, dmin yd m_0..7]: the 6-bit pairs unpacked in int lanes (see SEL_A)
            ByteVector head = ByteVector.fromMemorySegment(B128, w, blk, LE);
            IntVector a = (IntVector) head.rearrange(SEL_A).convertShape(VectorOperators.B2I, I, 0);
            IntVector hi = (IntVector) head.rearrange(SEL_HI).convertShape(VectorOperators.B2I, I, 0);
            IntVector sc = a.lanewise(LSHR, SHIFT_A).and(MASK_A).or(hi.and(MASK_HI).lanewise(LSHR, TWO));
            FloatVector sm = ((FloatVector) sc.convert(VectorOperators.I2F, 0))
                    .mul(FloatVector.broadcast(F, dy).blend(FloatVector.broadcast(F, my), HIGH_8));
            FloatVector bsums = (FloatVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, q8,
                    y + KQuant.Q8K_BSUMS, LE).convertShape(VectorOperators.S2F, F, 0);
            minAcc = bsums.fma(sm.rearrange(MINS), minAcc);
            for (int h = 0; h < 2; h++) {
                IntVector wq = IntVector.fromMemorySegment(I, w, blk + OFF_QS + 64L * h, LE);
                int xi = xElement + 256 * b + 128 * h;
                // nibbles of the even (bits 0..3) and odd (bits 8..11) byte of every short lane
                ShortVector lowEven = wq.and(NIBBLES).reinterpretAsShorts();
                ShortVector lowOdd = wq.lanewise(LSHR, KQuant.SHIFT8).and(NIBBLES).reinterpretAsShorts();
                ShortVector highEven = wq.lanewise(LSHR, KQuant.SHIFT4).and(NIBBLES).reinterpretAsShorts();
                ShortVector highOdd = wq.lanewise(LSHR, KQuant.SHIFT12).and(NIBBLES).reinterpretAsShorts();
                IntVector pl = lowEven.mul(ShortVector.fromArray(S, xs, xi))
                        .add(lowOdd.mul(ShortVector.fromArray(S, xs, xi + 32))).reinterpretAsInts();
                IntVector ph = highEven.mul(ShortVector.fromArray(S, xs, xi + 64))
                        .add(highOdd.mul(ShortVector.fromArray(S, xs, xi + 96))).reinterpretAsInts();
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
