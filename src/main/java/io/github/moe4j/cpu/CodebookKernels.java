package io.github.moe4j.cpu;

import io.github.moe4j.quant.IQ4_NLFormat;
import io.github.moe4j.quant.MXFP4Format;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;
import static io.github.moe4j.cpu.Simd.LE;

/**
 * The 4-bit codebook formats, dotted with Q8_0 (or f32) activations: IQ4_NL ({@code w = d * K[q]},
 * ggml's non-linear levels, f16 scale) and MXFP4 ({@code w = K[q] * 2^(e - 128)}, doubled E2M1 levels,
 * an E8M0 exponent). Each nibble selects a signed byte level from the 16-entry table with one byte
 * shuffle per 16 nibbles ({@code selectFrom}: vpshufb), then the levels widen to floats.
 */
final class CodebookKernels extends BlockKernel {
    static final CodebookKernels IQ4_NL = new CodebookKernels(GgmlType.IQ4_NL, levels(true), IQ4_NLFormat.OFF_QS);
    static final CodebookKernels MXFP4 = new CodebookKernels(GgmlType.MXFP4, levels(false), MXFP4Format.OFF_QS);

    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final int PARTS = 16 / FL;

    private final byte[] table;   // [16] signed levels
    private final boolean e8m0;   // scale: MXFP4's exponent byte, else an f16
    private final int offQs;

    private CodebookKernels(GgmlType type, byte[] table, int offQs) {
        super(type, GgmlType.Q8_0);
        this.table = table;
        this.e8m0 = type == GgmlType.MXFP4;
        this.offQs = offQs;
    }

    private static byte[] levels(boolean iq4nl) {
        byte[] t = new byte[16];
        for (int i = 0; i < 16; i++) {
            t[i] = (byte) (iq4nl ? IQ4_NLFormat.kvalue(i) : MXFP4Format.kvalue(i));
        }
        return t;
    }

    private static float scale(MemorySegment w, long blk, boolean e8m0) {
        return e8m0 ? MXFP4Format.e8m0ToFloatHalf(w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, blk) & 0xFF)
                : Simd.f16(w, blk);
    }

    /** {@code sum_e K[q_e] x[xi + e]} over the block at {@code blk}. */
    private static FloatVector block(MemorySegment w, long blk, int offQs, ByteVector tbl, float[] x, int xi) {
        ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + offQs, LE);
        ByteVector lo = q.and((byte) 0x0F).selectFrom(tbl);
        ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).selectFrom(tbl);
        FloatVector t = FloatVector.zero(F);
        for (int p = 0; p < PARTS; p++) {
            int j = p * FL;
            t = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + j), t);
            t = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 16 + j), t);
        }
        return t;
    }

    @Override
    float dot1(MemorySegment w, long off, float[] x, float[] xs, int xo, int nb) {
        int bytes = blockBytes;
        int qs = offQs;
        boolean e8 = e8m0;
        ByteVector tbl = ByteVector.fromArray(B16, table, 0);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int b = 0;
        for (; b + 2 <= nb; b += 2) {
            long blk = off + (long) b * bytes;
            int xi = xo + 32 * b;
            acc0 = block(w, blk, qs, tbl, x, xi).fma(FloatVector.broadcast(F, scale(w, blk, e8)), acc0);
            acc1 = block(w, blk + bytes, qs, tbl, x, xi + 32).fma(FloatVector.broadcast(F, scale(w, blk + bytes, e8)), acc1);
        }
        for (; b < nb; b++) {
            long blk = off + (long) b * bytes;
            acc0 = block(w, blk, qs, tbl, x, xo + 32 * b).fma(FloatVector.broadcast(F, scale(w, blk, e8)), acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    void dot4(MemorySegment w, long off, long rowBytes, float[] x, float[] xs, int xo, int nb, float[] y, int yo) {
        int bytes = blockBytes;
        int qs = offQs;
        boolean e8 = e8m0;
        ByteVector tbl = ByteVector.fromArray(B16, table, 0);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long b0 = off + (long) b * bytes;
            long b1 = b0 + rowBytes;
            long b2 = b1 + rowBytes;
            long b3 = b2 + rowBytes;
            int xi = xo + 32 * b;
            acc0 = block(w, b0, qs, tbl, x, xi).fma(FloatVector.broadcast(F, scale(w, b0, e8)), acc0);
            acc1 = block(w, b1, qs, tbl, x, xi).fma(FloatVector.broadcast(F, scale(w, b1, e8)), acc1);
            acc2 = block(w, b2, qs, tbl, x, xi).fma(FloatVector.broadcast(F, scale(w, b2, e8)), acc2);
            acc3 = block(w, b3, qs, tbl, x, xi).fma(FloatVector.broadcast(F, scale(w, b3, e8)), acc3);
        }
        y[yo] = acc0.reduceLanes(VectorOperators.ADD);
        y[yo + 1] = acc1.reduceLanes(VectorOperators.ADD);
        y[yo + 2] = acc2.reduceLanes(VectorOperators.ADD);
        y[yo + 3] = acc3.reduceLanes(VectorOperators.ADD);
    }

    /** {@code dst = K[q] * scale}, as ggml's dequantize_row_iq4_nl / _mxfp4. */
    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        ByteVector tbl = ByteVector.fromArray(B16, table, 0);
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * blockBytes;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + offQs, LE);
            ByteVector lo = q.and((byte) 0x0F).selectFrom(tbl);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).selectFrom(tbl);
            FloatVector d = FloatVector.broadcast(F, scale(w, blk, e8m0));
            int o = dstOff + 32 * b;
            for (int p = 0; p < PARTS; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + p * FL);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + 16 + p * FL);
            }
        }
    }
}
