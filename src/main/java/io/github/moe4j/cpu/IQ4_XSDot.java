package io.github.moe4j.cpu;

import io.github.moe4j.quant.IQ4_NLFormat;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.KQuant.LE;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * IQ4_XS weights x Q8_K activations (ggml's {@code vec_dot_iq4_xs_q8_K}) with 512-bit vectors.
 *
 * <pre>
 * block_iq4_xs (136 bytes; io.github.moe4j.quant.IQ4_XSFormat)
 *   [0..2) d f16, [2..4) scales_h: 2 high bits of sub-block s's scale at bits 2s..,
 *   [4..8) scales_l: 4 low bits of scale s in nibble s%2 of byte s/2,
 *   [8..136) qs: sub-block s (32 elements): element 32s + j is the low (j &lt; 16) or high (j &gt;= 16)
 *            nibble of qs[16s + j % 16]; the nibble indexes the IQ4_NL codebook (-127 .. 113)
 * w = d * (ls_s - 32) * KVALUES[nibble]:  sum w x = d yd sum_s (ls_s - 32) sum(level q8).
 * </pre>
 *
 * Half a block (sub-blocks 4h .. 4h+3, 64 qs bytes) per inner iteration. A byte permute of the 64 qs
 * bytes puts, for every element of the half in order, the byte that holds its nibble; a per-int-lane shift
 * (0 or 4) and a mask pick the nibble, and a second byte permute looks the level up in the codebook. The
 * signed levels and activations are multiplied in 16-bit lanes (|level x| &lt;= 127 * 127, two fit in a
 * short), pairs summed into int lanes (8 per 32-element sub-block) and scaled in float.
 */
public final class IQ4_XSDot implements DotKernel {
    public static final IQ4_XSDot INSTANCE = new IQ4_XSDot();

    private static final int BLOCK_BYTES = 136;
    private static final int OFF_D = 0;
    private static final int OFF_QS = 8;

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;

    /** The codebook in lanes 0..15 (lanes 16.. unused: indexes are 0..15). */
    private static final ByteVector CODEBOOK = ByteVector.fromArray(B, codebook(), 0);
    /** Element k of the first / second 64 of the half sits in qs byte 16 (k / 32) + k % 16 (+ 32). */
    private static final VectorShuffle<Byte> BYTES_0 = VectorShuffle.fromOp(B, k -> 16 * (k / 32) + k % 16);
    private static final VectorShuffle<Byte> BYTES_1 = VectorShuffle.fromOp(B, k -> 32 + 16 * (k / 32) + k % 16);
    /** Low nibble for elements k % 32 &lt; 16, high nibble for the rest: shift per int lane (4 elements). */
    private static final IntVector NIBBLE_SHIFT = IntVector.fromArray(I, new int[]{0, 0, 0, 0, 4, 4, 4, 4, 0, 0, 0, 0, 4, 4, 4, 4}, 0);
    /** Int lanes 0..7 / 8..15 of a 64-element group are sub-blocks first, first + 1. */
    private static final VectorShuffle<Float> GROUP_0 = pairShuffle(0);
    private static final VectorShuffle<Float> GROUP_1 = pairShuffle(2);
    private static final VectorShuffle<Float> GROUP_2 = pairShuffle(4);
    private static final VectorShuffle<Float> GROUP_3 = pairShuffle(6);

    private static byte[] codebook() {
        byte[] t = new byte[64];
        for (int i = 0; i < 16; i++) {
            t[i] = (byte) IQ4_NLFormat.kvalue(i);
        }
        return t;
    }

    private static VectorShuffle<Float> pairShuffle(int first) {
        return VectorShuffle.fromOp(F, i -> i < 8 ? first : first + 1);
    }

    private IQ4_XSDot() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_XS;
    }

    @Override
    public GgmlType activationType() {
        return GgmlType.Q8_K;
    }

    @Override
    public float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
        int nb = KQuant.check(GgmlType.IQ4_XS, w, offset, x, xElement, count, true);
        MemorySegment q8 = x.quantized();
        long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) BLOCK_BYTES * b;
            long y = y0 + (long) KQuant.Q8K_BYTES * b;
            long head = w.get(KQuant.I64, blk + OFF_D);    // d, scales_h, scales_l[4]
            float dy = Float.float16ToFloat((short) head) * q8.get(KQuant.F32, y + KQuant.Q8K_D);
            // ls_s in byte s: 4 low bits from the nibbles of scales_l, 2 high bits from scales_h
            long ls = Long.expand(head >>> 32, 0x0F0F0F0F0F0F0F0FL) | Long.expand((head >>> 16) & 0xFFFF, 0x3030303030303030L);
            FloatVector scales = ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128, ls).reinterpretAsBytes()
                    .convertShape(VectorOperators.B2F, F, 0)).sub(32f).mul(dy);
            for (int h = 0; h < 2; h++) {
                ByteVector qs = ByteVector.fromMemorySegment(B, w, blk + OFF_QS + 64L * h, LE);
                // for every element of the half in order: its byte, its nibble, its codebook level
                ByteVector n0 = qs.rearrange(BYTES_0).reinterpretAsInts().lanewise(LSHR, NIBBLE_SHIFT).and(0x0F0F0F0F).reinterpretAsBytes();
                ByteVector n1 = qs.rearrange(BYTES_1).reinterpretAsInts().lanewise(LSHR, NIBBLE_SHIFT).and(0x0F0F0F0F).reinterpretAsBytes();
                ShortVector lv0 = n0.selectFrom(CODEBOOK).reinterpretAsShorts();   // elements 0..63 of the half
                ShortVector lv1 = n1.selectFrom(CODEBOOK).reinterpretAsShorts();   // elements 64..127
                ShortVector x0 = ShortVector.fromMemorySegment(ShortVector.SPECIES_512, q8, y + KQuant.Q8K_QS + 128L * h, LE);
                ShortVector x1 = ShortVector.fromMemorySegment(ShortVector.SPECIES_512, q8, y + KQuant.Q8K_QS + 64 + 128L * h, LE);
                // even bytes sign-extended: (v & 0xFF ^ 0x80) - 0x80; odd bytes: v >> 8
                ShortVector lv0Even = lv0.and((short) 0xFF).lanewise(VectorOperators.XOR, (short) 0x80).sub((short) 0x80);
                ShortVector lv1Even = lv1.and((short) 0xFF).lanewise(VectorOperators.XOR, (short) 0x80).sub((short) 0x80);
                ShortVector x0Even = x0.and((short) 0xFF).lanewise(VectorOperators.XOR, (short) 0x80).sub((short) 0x80);
                ShortVector x1Even = x1.and((short) 0xFF).lanewise(VectorOperators.XOR, (short) 0x80).sub((short) 0x80);
                IntVector p0 = lv0Even.mul(x0Even).add(lv0.lanewise(ASHR, 8).mul(x0.lanewise(ASHR, 8))).reinterpretAsInts();
                IntVector p1 = lv1Even.mul(x1Even).add(lv1.lanewise(ASHR, 8).mul(x1.lanewise(ASHR, 8))).reinterpretAsInts();
                p0 = p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                p1 = p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                acc0 = ((FloatVector) p0.convert(VectorOperators.I2F, 0)).fma(scales.rearrange(h == 0 ? GROUP_0 : GROUP_2), acc0);
                acc1 = ((FloatVector) p1.convert(VectorOperators.I2F, 0)).fma(scales.rearrange(h == 0 ? GROUP_1 : GROUP_3), acc1);
            }
        }
        FloatVector red = acc0.add(acc1);
        return (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, KQuant.DF, 0)).add(red.convertShape(VectorOperators.F2D, KQuant.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }
}
