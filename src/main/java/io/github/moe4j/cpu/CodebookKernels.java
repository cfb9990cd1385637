package io.github.moe4j.cpu;

import io.github.moe4j.quant.IQ4_NLFormat;
import io.github.moe4j.quant.MXFP4Format;
import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
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

    @Override
    float dot1(MemorySegment w, long off, float[] x, float[] xs, int xo, int nb) {
        int bytes = blockBytes;
        int qs = offQs;
        boolean e8 = e8m0;
        ByteVector tbl = ByteVector.fromArray(B16, table, 0);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int pairs = nb >> 1;
        for (int i = 0; i < pairs; i++) {
            int b = i << 1;
            long blk0 = off + (long) b * bytes;
            long blk1 = blk0 + bytes;
            int xi = xo + 32 * b;
            ByteVector v0 = ByteVector.fromMemorySegment(B16, w, blk0 + qs, LE);
            ByteVector v1 = ByteVector.fromMemorySegment(B16, w, blk1 + qs, LE);
            ByteVector l0 = v0.and((byte) 0x0F).selectFrom(tbl);
            ByteVector u0 = Simd.high(v0).selectFrom(tbl);
            ByteVector l1 = v1.and((byte) 0x0F).selectFrom(tbl);
            ByteVector u1 = Simd.high(v1).selectFrom(tbl);
            FloatVector t0 = FloatVector.zero(F);
            FloatVector t1 = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                int j = p * FL;
                t0 = ((FloatVector) l0.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + j), t0);
                t0 = ((FloatVector) u0.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 16 + j), t0);
                t1 = ((FloatVector) l1.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 32 + j), t1);
                t1 = ((FloatVector) u1.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 48 + j), t1);
            }
            acc0 = t0.fma(FloatVector.broadcast(F, scale(w, blk0, e8)), acc0);
            acc1 = t1.fma(FloatVector.broadcast(F, scale(w, blk1, e8)), acc1);
        }
        float tail = (nb & 1) != 0 ? lastBlock(w, off + (long) (nb - 1) * bytes, x, xo + 32 * (nb - 1), tbl) : 0f;
        FloatVector red = acc0.add(acc1);
        return (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(red.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD) + tail;
    }

    /**
     * The odd last block of a row, at {@code blk}. Kept out of {@link #dot1} so that method stays small
     * enough for C2 to inline everything it calls (past its node budget a call is left out of line,
     * and a vector passed to it is boxed on the heap).
     */
    private float lastBlock(MemorySegment w, long blk, float[] x, int xi, ByteVector tbl) {
        ByteVector v = ByteVector.fromMemorySegment(B16, w, blk + offQs, LE);
        ByteVector l = v.and((byte) 0x0F).selectFrom(tbl);
        ByteVector u = Simd.high(v).selectFrom(tbl);
        FloatVector t = FloatVector.zero(F);
        for (int p = 0; p < PARTS; p++) {
            int j = p * FL;
            t = ((FloatVector) l.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + j), t);
            t = ((FloatVector) u.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 16 + j), t);
        }
        return scale(w, blk, e8m0) * (float) ((DoubleVector) t.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(t.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD);
    }

    /** {@code dst = K[q] * scale}, as ggml's dequantize_row_iq4_nl / _mxfp4. */
    @Override
    void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff) {
        ByteVector tbl = ByteVector.fromArray(B16, table, 0);
        for (int b = 0; b < nb; b++) {
            long blk = off + (long) b * blockBytes;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, blk + offQs, LE);
            ByteVector lo = q.and((byte) 0x0F).selectFrom(tbl);
            ByteVector hi = Simd.high(q).selectFrom(tbl);
            FloatVector d = FloatVector.broadcast(F, scale(w, blk, e8m0));
            int o = dstOff + 32 * b;
            for (int p = 0; p < PARTS; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + p * FL);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, o + 16 + p * FL);
            }
        }
    }
}
