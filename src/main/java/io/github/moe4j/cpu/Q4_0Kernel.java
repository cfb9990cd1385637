package io.github.moe4j.cpu;

import io.github.moe4j.quant.Q4_0Format;
import io.github.moe4j.quant.Q8_0Format;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;
import static io.github.moe4j.cpu.Simd.I;
import static io.github.moe4j.cpu.Simd.LE;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

/**
 * Q4_0 weights ({@code w = (q - 8) * d}, q a nibble) against Q8_0 (or f32) activations.
 *
 * <p>With 512-bit vectors and Q8_0 activations, rows run the integer kernel {@link #dotSplit} (two at a time,
 * {@link #dotSplit2}, in {@code dotRows}): four blocks
 * per step, int16 products of the nibbles with the activation's int8 values (made once per activation in the
 * kernel's order), exact integer sums per block as ggml forms them, scaled in float. On the Zen 5 VM of
 * 2026-11-29 it took a 768 x 2,048 matvec from cache from about 62 to 44 us on one thread and decode of the
 * Q4_0 file from 49 to 55-59 tok/s (docs/PERFORMANCE.md); on the earlier Zen 4-class VM an int16 form that
 * sign-extended and regrouped the activation bytes in every row had measured slower than the float one.
 *
 * <p>Otherwise (f32 activations, 256-bit vectors, a row not starting at a multiple of 128 elements, the last
 * 1-3 blocks of a row) the float kernel {@link #dot1}: per block the 16 quant bytes are loaded once and
 * zero-extended to int lanes; each nibble becomes its float level {@code q - 8} through a 16-entry table
 * ({@link NibbleLevels}: a lane permute, which reads only the index's low 4 bits, so the low nibble needs no
 * mask and the high one a shift); then {@code t = (q - 8)_lo . x_lo + (q - 8)_hi . x_hi} in float lanes (exact
 * for Q8_0 activations) and {@code acc += d * t}, one block per step (with two, the loop body passed C2's
 * inlining budget and a vector was boxed). With the f16 scale table ({@link Simd#f16}), against widening each
 * nibble with an int-to-float conversion and taking the 8 off through the activation block sums, this
 * measured 2.4x in cache (docs/PERFORMANCE.md). Tried and slower there: a 4-row variant sharing activation
 * loads, 4 blocks per step, a long induction variable.
 */
final class Q4_0Kernel extends BlockKernel {
    static final Q4_0Kernel INSTANCE = new Q4_0Kernel();

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final int BYTES = Q4_0Format.BLOCK_BYTES;     // 18
    private static final int QS = Q4_0Format.OFF_QS;             // 2
    private static final int PARTS = 16 / FL;                    // float vectors per half block
    /** The 16 levels {@code q - 8}. */
    private static final NibbleLevels LEVELS = new NibbleLevels(levels());

    private static float[] levels() {
        float[] t = new float[16];
        for (int i = 0; i < 16; i++) {
            t[i] = i - 8;
        }
        return t;
    }

    private Q4_0Kernel() {
        super(GgmlType.Q4_0, GgmlType.Q8_0);
    }

    @Override
    float dot1(MemorySegment w, long off, float[] x, float[] xs, int xo, int nb) {
        IntVector lo = LEVELS.low;
        IntVector hi = LEVELS.high;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * BYTES;
            int xi = xo + 32 * b;
            ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
            FloatVector t = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                IntVector q = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                t = NibbleLevels.of(q, lo, hi).fma(FloatVector.fromArray(F, x, xi + j), t);
                t = NibbleLevels.of(q.lanewise(VectorOperators.LSHR, 4), lo, hi).fma(FloatVector.fromArray(F, x, xi + 16 + j), t);
            }
            acc = t.fma(FloatVector.broadcast(F, Simd.f16(w, blk)), acc);
        }
        return (float) ((DoubleVector) acc.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(acc.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }

    // ---- the integer kernel against Q8_0 activations (512-bit vectors) ----
    //
    // Four blocks (72 bytes, 128 weights) per step. Two 64-byte loads, at the group's byte 0 and byte 8, hold
    // all of it; one two-vector short permute gathers the four blocks' 16 quant bytes each into 64 bytes
    // (short lane k: block k / 8, bytes 2(k % 8) and 2(k % 8) + 1), another the four f16 scales into the
    // upper halves of int lanes (4 lanes per block, the lower halves from a zero vector). The nibbles of the
    // even and odd byte of each short lane are multiplied by the activation's int8 values, made once per
    // activation in the matching order (split), 4 products summed per short (|sum| <= 4 * 15 * 127) and 8
    // per int lane; 8 * sum(x) of the lane's values is subtracted (w = (q - 8) d), the lane converted to
    // float and multiplied by d_w d_x. d_w comes from its f16 bits without a table: shifted right by 3
    // (arithmetic, so the sign stays at bit 31) and masked, the bits are a float of value d_w * 2^-112
    // (f16 subnormals included), and the activation's lane scales hold d_x * 2^112.
    /** Whether the integer kernel runs: 512-bit vectors natively and not narrowed to 256 by a property. */
    static final boolean SPLIT = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 && FL == 16
            && !"false".equals(System.getProperty("moe4j.q4_0.integer"));   // (-Dmoe4j.q4_0.integer=false: the
    // float kernel, for side-by-side measurements. Not DotKernels.WIDE: DotKernels' initializer creates this
    // class's instance before it sets that field.)
    /**
     * The integer kernel's 512-bit constants, in a class of their own so that a JVM that does not run the kernel
     * (256-bit vectors) never creates these shapes.
     */
    private static final class Wide {
        private Wide() {
        }

        private static final int GROUP_BYTES = 4 * BYTES;              // 72
        private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
        private static final VectorSpecies<Integer> I512 = IntVector.SPECIES_512;
        private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
        /** Short lane k: block k / 8's quant short k % 8; from the first load (blocks 0..2) or the second (block 3). */
        private static final ShortVector QS_SEL = ShortVector.fromArray(S512, selectors(true), 0);
        /** Int lane l: 0 in its lower short, block l / 4's scale short in its upper one. */
        private static final ShortVector D_SEL = ShortVector.fromArray(S512, selectors(false), 0);
        private static final ShortVector ZERO_S = ShortVector.zero(S512);
        private static final IntVector NIBBLES = IntVector.broadcast(I512, 0x000F000F);
        private static final IntVector THREE = IntVector.broadcast(I512, 3);
        private static final IntVector HALF_AS_FLOAT = IntVector.broadcast(I512, 0x8FFFFFFF);
        private static final IntVector HALF_EXP = IntVector.broadcast(I512, 0x7C000000);

        private static short[] selectors(boolean quants) {
            short[] s = new short[32];
            for (int k = 0; k < 32; k++) {
                if (quants) {
                    int block = k >>> 3;
                    // shorts of a block: 9 block + 0 (d), 9 block + 1 .. 9 block + 8 (qs); the second load starts 4 shorts in
                    s[k] = (short) (block < 3 ? 9 * block + 1 + (k & 7) : 32 + 9 * 3 + 1 + (k & 7) - 4);
                } else {
                    s[k] = (short) ((k & 1) == 0 ? 32 : 9 * (k >>> 3));
                }
            }
            return s;
        }
    }

    @Override
    boolean splitDot(int xElement) {
        return SPLIT && (xElement & 127) == 0;
    }

    @Override
    float dotSplit(MemorySegment w, long off, Activation x, int xo, int nb) {
        short[] xq = x.int8Split();
        int[] bias = x.laneBias();
        float[] scale = x.laneScale();
        int groups = nb >>> 2;
        FloatVector acc = FloatVector.zero(Wide.F512);
        IntVector exp = IntVector.zero(Wide.I512);
        for (int g = 0; g < groups; g++) {
            long blk = off + (long) Wide.GROUP_BYTES * g;
            ShortVector a = ShortVector.fromMemorySegment(Wide.S512, w, blk, LE);
            ShortVector b = ShortVector.fromMemorySegment(Wide.S512, w, blk + 8, LE);
            IntVector wq = Wide.QS_SEL.selectFrom(a, b).reinterpretAsInts();
            IntVector dh = Wide.D_SEL.selectFrom(a, Wide.ZERO_S).reinterpretAsInts();
            exp = exp.max(dh.and(Wide.HALF_EXP));
            FloatVector d = dh.lanewise(ASHR, Wide.THREE).and(Wide.HALF_AS_FLOAT).reinterpretAsFloats();
            int xi = xo + 128 * g;
            int li = xi >>> 3;
            ShortVector lowEven = wq.and(Wide.NIBBLES).reinterpretAsShorts();
            ShortVector lowOdd = wq.lanewise(LSHR, KQuant.SHIFT8).and(Wide.NIBBLES).reinterpretAsShorts();
            ShortVector highEven = wq.lanewise(LSHR, KQuant.SHIFT4).and(Wide.NIBBLES).reinterpretAsShorts();
            ShortVector highOdd = wq.lanewise(LSHR, KQuant.SHIFT12).and(Wide.NIBBLES).reinterpretAsShorts();
            IntVector p = lowEven.mul(ShortVector.fromArray(Wide.S512, xq, xi))
                    .add(lowOdd.mul(ShortVector.fromArray(Wide.S512, xq, xi + 32)))
                    .add(highEven.mul(ShortVector.fromArray(Wide.S512, xq, xi + 64)))
                    .add(highOdd.mul(ShortVector.fromArray(Wide.S512, xq, xi + 96))).reinterpretAsInts();
            p = p.add(p.lanewise(LSHL, KQuant.SHIFT16)).lanewise(ASHR, KQuant.SHIFT16).sub(IntVector.fromArray(Wide.I512, bias, li));
            acc = ((FloatVector) p.convert(VectorOperators.I2F, 0)).fma(d.mul(FloatVector.fromArray(Wide.F512, scale, li)), acc);
        }
        if (exp.reduceLanes(VectorOperators.MAX) == 0x7C000000) {
            // an infinite or NaN weight scale, which the shortcut above would read as a finite number
            return dot1(w, off, x.values(), x.blockSums(), xo, nb);
        }
        float tail = (nb & 3) != 0 ? dot1(w, off + (long) Wide.GROUP_BYTES * groups, x.values(), x.blockSums(), xo + 128 * groups, nb & 3) : 0f;
        return (float) ((DoubleVector) acc.convertShape(VectorOperators.F2D, KQuant.DF, 0)).add(acc.convertShape(VectorOperators.F2D, KQuant.DF, 1))
                .reduceLanes(VectorOperators.ADD) + tail;
    }

    /**
     * {@link #dotSplit} for two rows at once ({@code y[yi]} at {@code off0}, {@code y[yi + 1]} at {@code off1}):
     * each activation load serves both rows, and the rows' fixed work (setup, lane sums) overlaps. The row
     * loop has 2 trips, which C2 unrolls, so that the vector code is parsed once (see {@link KQuant}).
     */
    @Override
    void dotSplit2(MemorySegment w, long off0, long off1, Activation x, int xo, int nb, float[] y, int yi) {
        short[] xq = x.int8Split();
        int[] bias = x.laneBias();
        float[] scale = x.laneScale();
        int groups = nb >>> 2;
        FloatVector acc0 = FloatVector.zero(Wide.F512);
        FloatVector acc1 = acc0;
        IntVector exp = IntVector.zero(Wide.I512);
        for (int g = 0; g < groups; g++) {
            int xi = xo + 128 * g;
            int li = xi >>> 3;
            ShortVector x0 = ShortVector.fromArray(Wide.S512, xq, xi);
            ShortVector x1 = ShortVector.fromArray(Wide.S512, xq, xi + 32);
            ShortVector x2 = ShortVector.fromArray(Wide.S512, xq, xi + 64);
            ShortVector x3 = ShortVector.fromArray(Wide.S512, xq, xi + 96);
            IntVector xb = IntVector.fromArray(Wide.I512, bias, li);
            FloatVector xs = FloatVector.fromArray(Wide.F512, scale, li);
            for (int r = 0; r < 2; r++) {
                long blk = (r == 0 ? off0 : off1) + (long) Wide.GROUP_BYTES * g;
                ShortVector a = ShortVector.fromMemorySegment(Wide.S512, w, blk, LE);
                ShortVector b = ShortVector.fromMemorySegment(Wide.S512, w, blk + 8, LE);
                IntVector wq = Wide.QS_SEL.selectFrom(a, b).reinterpretAsInts();
                IntVector dh = Wide.D_SEL.selectFrom(a, Wide.ZERO_S).reinterpretAsInts();
                exp = exp.max(dh.and(Wide.HALF_EXP));
                FloatVector d = dh.lanewise(ASHR, Wide.THREE).and(Wide.HALF_AS_FLOAT).reinterpretAsFloats();
                IntVector p = wq.and(Wide.NIBBLES).reinterpretAsShorts().mul(x0)
                        .add(wq.lanewise(LSHR, KQuant.SHIFT8).and(Wide.NIBBLES).reinterpretAsShorts().mul(x1))
                        .add(wq.lanewise(LSHR, KQuant.SHIFT4).and(Wide.NIBBLES).reinterpretAsShorts().mul(x2))
                        .add(wq.lanewise(LSHR, KQuant.SHIFT12).and(Wide.NIBBLES).reinterpretAsShorts().mul(x3)).reinterpretAsInts();
                p = p.add(p.lanewise(LSHL, KQuant.SHIFT16)).lanewise(ASHR, KQuant.SHIFT16).sub(xb);
                FloatVector t = (FloatVector) p.convert(VectorOperators.I2F, 0);
                if (r == 0) {
                    acc0 = t.fma(d.mul(xs), acc0);
                } else {
                    acc1 = t.fma(d.mul(xs), acc1);
                }
            }
        }
        if (exp.reduceLanes(VectorOperators.MAX) == 0x7C000000 || (nb & 3) != 0) {
            // a non-finite weight scale in either row (see dotSplit), or a tail: each row alone
            y[yi] = dotSplit(w, off0, x, xo, nb);
            y[yi + 1] = dotSplit(w, off1, x, xo, nb);
            return;
        }
        y[yi] = (float) ((DoubleVector) acc0.convertShape(VectorOperators.F2D, KQuant.DF, 0)).add(acc0.convertShape(VectorOperators.F2D, KQuant.DF, 1))
                .reduceLanes(VectorOperators.ADD);
        y[yi + 1] = (float) ((DoubleVector) acc1.convertShape(VectorOperators.F2D, KQuant.DF, 0)).add(acc1.convertShape(VectorOperators.F2D, KQuant.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }

    /**
     * The Q8_0 activation of {@code n} values (its blocks in {@code q8}) in {@link #dotSplit}'s order, per group
     * of 4 blocks g (values 128g ..): four runs of 32 shorts, lane k of which is the value meeting the low
     * nibble of block k / 8's quant byte 2(k % 8), then of byte 2(k % 8) + 1, then their high nibbles; and per
     * int lane l (16 per group) 8 times the sum of its 8 values and its block's {@code d * 2^112}.
     */
    static void split(MemorySegment q8, int n, short[] dst, int[] bias, float[] scale) {
        for (int g = 0; g < n >>> 7; g++) {
            int o = 128 * g;
            for (int k = 0; k < 32; k++) {
                long q = (long) (4 * g + (k >>> 3)) * Q8_0Format.BLOCK_BYTES + Q8_0Format.OFF_QS + 2 * (k & 7);
                dst[o + k] = q8.get(ValueLayout.JAVA_BYTE, q);
                dst[o + 32 + k] = q8.get(ValueLayout.JAVA_BYTE, q + 1);
                dst[o + 64 + k] = q8.get(ValueLayout.JAVA_BYTE, q + 16);
                dst[o + 96 + k] = q8.get(ValueLayout.JAVA_BYTE, q + 17);
            }
            for (int l = 0; l < 16; l++) {
                long blk = (long) (4 * g + (l >>> 2)) * Q8_0Format.BLOCK_BYTES;
                long q = blk + Q8_0Format.OFF_QS + 4 * (l & 3);
                int sum = 0;
                for (int i = 0; i < 4; i++) {
                    sum += q8.get(ValueLayout.JAVA_BYTE, q + i) + q8.get(ValueLayout.JAVA_BYTE, q + 16 + i);
                }
                bias[16 * g + l] = 8 * sum;
                scale[16 * g + l] = Simd.f16(q8, blk + Q8_0Format.OFF_D) * 0x1p112f;
            }
        }
    }

    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        IntVector lo = LEVELS.low;
        IntVector hi = LEVELS.high;
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * BYTES;
            int o = dstOff + 32 * b;
            ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + QS, LE);
            FloatVector d = FloatVector.broadcast(F, Simd.f16(w, blk));
            for (int p = 0; p < PARTS; p++) {
                IntVector q = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                NibbleLevels.of(q, lo, hi).mul(d).intoArray(dst, o + p * FL);
                NibbleLevels.of(q.lanewise(VectorOperators.LSHR, 4), lo, hi).mul(d).intoArray(dst, o + 16 + p * FL);
            }
        }
    }
}
