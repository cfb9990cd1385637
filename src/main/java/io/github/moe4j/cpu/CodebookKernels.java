package io.github.moe4j.cpu;

import io.github.moe4j.quant.IQ4_NLFormat;
import io.github.moe4j.quant.MXFP4Format;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;
import static io.github.moe4j.cpu.Simd.I;
import static io.github.moe4j.cpu.Simd.LE;

/**
 * The 4-bit codebook formats, dotted with Q8_0 (or f32) activations: IQ4_NL ({@code w = d * K[q]},
 * ggml's non-linear levels, f16 scale) and MXFP4 ({@code w = K[q] * 2^(e - 128)}, doubled E2M1 levels,
 * an E8M0 exponent). The 16 quant bytes of a block are zero-extended to int lanes and each nibble
 * selects its float level from the 16-entry table in one lane permute ({@link NibbleLevels}), one block
 * per step; the scale is an f16 ({@link Simd#f16}) or, for MXFP4, a 256-entry table of the E8M0 values.
 * (Before: a byte shuffle per 16 nibbles, then each level widened to float with a conversion.)
 */
final class CodebookKernels extends BlockKernel {
    static final CodebookKernels IQ4_NL = new CodebookKernels(GgmlType.IQ4_NL, levels(true), IQ4_NLFormat.OFF_QS);
    static final CodebookKernels MXFP4 = new CodebookKernels(GgmlType.MXFP4, levels(false), MXFP4Format.OFF_QS);

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final int PARTS = 16 / FL;

    /** MXFP4's E8M0 scale byte as float (already halved for the doubled levels), for every byte. */
    private static final float[] E8M0 = e8m0Table();

    private final NibbleLevels levels;
    private final boolean e8m0;   // scale: MXFP4's exponent byte, else an f16
    private final int offQs;

    private CodebookKernels(GgmlType type, float[] levels, int offQs) {
        super(type, GgmlType.Q8_0);
        this.levels = new NibbleLevels(levels);
        this.e8m0 = type == GgmlType.MXFP4;
        this.offQs = offQs;
    }

    private static float[] levels(boolean iq4nl) {
        float[] t = new float[16];
        for (int i = 0; i < 16; i++) {
            t[i] = iq4nl ? IQ4_NLFormat.kvalue(i) : MXFP4Format.kvalue(i);
        }
        return t;
    }

    private static float[] e8m0Table() {
        float[] t = new float[256];
        for (int e = 0; e < 256; e++) {
            t[e] = MXFP4Format.e8m0ToFloatHalf(e);
        }
        return t;
    }

    private static float scale(MemorySegment w, long blk, boolean e8m0) {
        return e8m0 ? E8M0[w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, blk) & 0xFF] : Simd.f16(w, blk);
    }

    @Override
    float dot1(MemorySegment w, long off, float[] x, float[] xs, int xo, int nb) {
        int bytes = blockBytes;
        int qs = offQs;
        boolean e8 = e8m0;
        IntVector lo = levels.low;
        IntVector hi = levels.high;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * bytes;
            int xi = xo + 32 * b;
            ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + qs, LE);
            FloatVector t = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                IntVector q = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                t = NibbleLevels.of(q, lo, hi).fma(FloatVector.fromArray(F, x, xi + j), t);
                t = NibbleLevels.of(q.lanewise(VectorOperators.LSHR, 4), lo, hi).fma(FloatVector.fromArray(F, x, xi + 16 + j), t);
            }
            acc = t.fma(FloatVector.broadcast(F, scale(w, blk, e8)), acc);
        }
        return (float) ((DoubleVector) acc.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(acc.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }

    /** {@code dst = K[q] * scale}, as ggml's dequantize_row_iq4_nl / _mxfp4. */
    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        IntVector lo = levels.low;
        IntVector hi = levels.high;
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * blockBytes;
            ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + offQs, LE);
            FloatVector d = FloatVector.broadcast(F, scale(w, blk, e8m0));
            int o = dstOff + 32 * b;
            for (int p = 0; p < PARTS; p++) {
                IntVector q = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
                NibbleLevels.of(q, lo, hi).mul(d).intoArray(dst, o + p * FL);
                NibbleLevels.of(q.lanewise(VectorOperators.LSHR, 4), lo, hi).mul(d).intoArray(dst, o + 16 + p * FL);
            }
        }
    }
}
