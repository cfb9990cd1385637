package io.github.moe4j.cpu;

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
 * Q6_K weights x Q8_K activations (ggml's {@code vec_dot_q6_K_q8_K}) with 512-bit vectors.
 *
 * <pre>
 * block_q6_K (210 bytes; io.github.moe4j.quant.Q6_KFormat)
 *   [0..128) ql: half h (elements 128h..128h+127) uses ql[64h .. 64h+63]; byte j of that range holds
 *            element 128h + j in its low nibble and element 128h + 64 + j in its high nibble
 *   [128..192) qh: 2 high bits per element: element 128h + 32k + l in bits 2k.. of qh[32h + l]
 *   [192..208) scales: 16 signed bytes, one per 16 elements; [208..210) d f16
 * w = d * sc_s * (q - 32) with q in 0..63, so
 *   sum w x = d yd sum_s sc_s (sum(q q8) - 32 sum(q8)),  sum(q8) over sub-block s = bsums[s].
 * </pre>
 *
 * One iteration of the inner loop takes half a block. The 64 ql bytes give elements 0..63 of the half in
 * their low nibbles and 64..127 in their high nibbles, contiguous, so the activations need no regrouping;
 * the 32 qh bytes of the half are copied into both 256-bit halves and shifted per int lane so that the two
 * bits of every element land at bits 4..5 of its byte. The 6-bit values (unsigned) are multiplied by the
 * even and odd activation bytes in 16-bit lanes (|q x| &lt;= 63 * 127, two fit in a short); pairs of shorts
 * are summed into int lanes (4 elements each, so 4 int lanes per 16-element sub-block) and scaled in
 * float by {@code d yd sc}. The {@code -32} is applied once per block through the bsums.
 */
public final class Q6_KDot implements DotKernel {
    public static final Q6_KDot INSTANCE = new Q6_KDot();

    private static final int BLOCK_BYTES = 210;
    private static final int OFF_QL = 0;
    private static final int OFF_QH = 128;
    private static final int OFF_SCALES = 192;
    private static final int OFF_D = 208;

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_512;

    /** qh bytes of half h in both 256-bit halves: long lanes [4h..4h+3, 4h..4h+3]. */
    private static final VectorShuffle<Long> QH_HALF0 = VectorShuffle.fromOp(L, i -> i & 3);
    private static final VectorShuffle<Long> QH_HALF1 = VectorShuffle.fromOp(L, i -> 4 + (i & 3));
    /** Shifts that bring qh bits 2k.. to bits 4..5: left by 4, 2 for k = 0, 1 (low nibbles) ... */
    private static final IntVector SHIFT_LOW = IntVector.fromArray(I, new int[]{4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2}, 0);
    /** ... and right by 0, 2 for k = 2, 3 (high nibbles). */
    private static final IntVector SHIFT_HIGH = IntVector.fromArray(I, new int[]{0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2}, 0);
    /** Int lane i of a 64-element group covers elements 4i..4i+3: sub-block first + i/4. */
    private static final VectorShuffle<Float> LOW_H0 = groupShuffle(0);
    private static final VectorShuffle<Float> HIGH_H0 = groupShuffle(4);
    private static final VectorShuffle<Float> LOW_H1 = groupShuffle(8);
    private static final VectorShuffle<Float> HIGH_H1 = groupShuffle(12);

    /**
     * The loop's masks and constants as vectors: the scalar-operand forms ({@code and(int)}, {@code mul(float)})
     * go through JDK code whose profile every kernel shares, see {@link KQuant}. (Not a cure for the decode
     * processes in which C2 leaves this loop's pair sums to the boxing fallback: see docs/PERFORMANCE.md.)
     */
    private static final IntVector NIBBLES = IntVector.broadcast(I, 0x0F0F0F0F);
    private static final IntVector BITS_45 = IntVector.broadcast(I, 0x30303030);
    private static final IntVector LOW_BYTES = IntVector.broadcast(I, 0x00FF00FF);
    private static final FloatVector THIRTY_TWO = FloatVector.broadcast(F, 32f);

    private static VectorShuffle<Float> groupShuffle(int first) {
        return VectorShuffle.fromOp(F, i -> first + i / 4);
    }

    private Q6_KDot() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
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
        KQuantDecode.q6K(w, offset, count, dst, dstOff);
    }

    @Override
    public float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
        int nb = KQuant.check(GgmlType.Q6_K, w, offset, x, xElement, count, true);
        MemorySegment q8 = x.quantized();
        long y0 = (long) (xElement >>> 8) * KQuant.Q8K_BYTES;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        FloatVector bias = acc0;    // sum_s d yd sc_s bsums[s], times 32 at the end
        for (int b = 0; b < nb; b++) {
            long blk = offset + (long) BLOCK_BYTES * b;
            long y = y0 + (long) KQuant.Q8K_BYTES * b;
            float dy = Float.float16ToFloat(w.get(KQuant.I16, blk + OFF_D)) * q8.get(KQuant.F32, y + KQuant.Q8K_D);
            FloatVector scales = ((FloatVector) ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, blk + OFF_SCALES, LE)
                    .convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.broadcast(F, dy));
            FloatVector bsums = (FloatVector) ShortVector.fromMemorySegment(ShortVector.SPECIES_256, q8,
                    y + KQuant.Q8K_BSUMS, LE).convertShape(VectorOperators.S2F, F, 0);
            bias = bsums.fma(scales, bias);
            LongVector qhAll = LongVector.fromMemorySegment(LongVector.SPECIES_512, w, blk + OFF_QH, LE);
            for (int h = 0; h < 2; h++) {
                IntVector ql = IntVector.fromMemorySegment(IntVector.SPECIES_512, w, blk + OFF_QL + 64L * h, LE);
                IntVector qh = qhAll.rearrange(h == 0 ? QH_HALF0 : QH_HALF1).reinterpretAsInts();
                // 6-bit values per byte: elements 0..63 (low) and 64..127 (high) of the half
                IntVector low = ql.and(NIBBLES).or(qh.lanewise(LSHL, SHIFT_LOW).and(BITS_45));
                IntVector high = ql.lanewise(LSHR, KQuant.SHIFT4).and(NIBBLES).or(qh.lanewise(LSHR, SHIFT_HIGH).and(BITS_45));
                ShortVector lowEven = low.and(LOW_BYTES).reinterpretAsShorts();
                ShortVector lowOdd = low.lanewise(LSHR, KQuant.SHIFT8).and(LOW_BYTES).reinterpretAsShorts();
                ShortVector highEven = high.and(LOW_BYTES).reinterpretAsShorts();
                ShortVector highOdd = high.lanewise(LSHR, KQuant.SHIFT8).and(LOW_BYTES).reinterpretAsShorts();
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
        FloatVector red = acc0.add(acc1).sub(bias.mul(THIRTY_TWO));
        return (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, KQuant.DF, 0)).add(red.convertShape(VectorOperators.F2D, KQuant.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }
}
