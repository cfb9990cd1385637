package io.github.moe4j.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static io.github.moe4j.cpu.KQuant.LE;

/**
 * Q4_K and Q6_K super-blocks decoded to floats with 512-bit vectors, for the matmul path: each weight row
 * is decoded once per batch of tokens and multiplied in float tiles ({@code Gemm}), instead of one
 * integer dot product per (row, token). The values equal the scalar {@code dequantize} of
 * {@code io.github.moe4j.quant} bit for bit: Q4_K {@code (d sc) q - (dmin m)}, Q6_K {@code (d sc) q}, the
 * same float operations in the same order.
 */
final class KQuantDecode {
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final IntVector N15 = IntVector.broadcast(I, 15);
    private static final IntVector N3 = IntVector.broadcast(I, 3);
    private static final IntVector N32 = IntVector.broadcast(I, 32);
    private static final IntVector S2 = IntVector.broadcast(I, 2);
    private static final IntVector S4 = IntVector.broadcast(I, 4);
    private static final IntVector S6 = IntVector.broadcast(I, 6);

    private KQuantDecode() {
    }

    /** Whether these decoders run here (they are written for 16 float lanes). */
    static boolean available() {
        return F.length() == 16;
    }

    private static int blocks(MemorySegment w, long offset, int count, int blockBytes, float[] dst, int dstOff) {
        if ((count & 255) != 0 || count < 0) {
            throw new IllegalArgumentException(count + " is not a whole number of 256-element super-blocks");
        }
        int nb = count >>> 8;
        Objects.checkFromIndexSize(offset, (long) nb * blockBytes, w.byteSize());
        Objects.checkFromIndexSize(dstOff, count, dst.length);
        return nb;
    }

    /** Q4_K: 144-byte super-blocks {d, dmin, 12 packed scale/min bytes, 128 quant bytes}. */
    static void q4K(MemorySegment w, long offset, int count, float[] dst, int dstOff) {
        int nb = blocks(w, offset, count, 144, dst, dstOff);
        for (int b = 0; b < nb; b++) {
            long blk = offset + 144L * b;
            long head = w.get(KQuant.I64, blk);                    // d, dmin, packed bytes 0..3
            long tail = w.get(KQuant.I64, blk + 8);                // packed bytes 4..11
            float d = Float.float16ToFloat((short) head);
            float dmin = Float.float16ToFloat((short) (head >>> 16));
            long sc = KQuant.scales((int) (head >>> 32), (int) (tail >>> 32));
            long mn = KQuant.mins((int) tail, (int) (tail >>> 32));
            int o = dstOff + 256 * b;
            for (int j = 0; j < 4; j++) {                          // sub-blocks 2j (low nibbles), 2j + 1 (high)
                float dl = d * (int) ((sc >>> (16 * j)) & 0xFF);
                float ml = dmin * (int) ((mn >>> (16 * j)) & 0xFF);
                float dh = d * (int) ((sc >>> (16 * j + 8)) & 0xFF);
                float mh = dmin * (int) ((mn >>> (16 * j + 8)) & 0xFF);
                for (int p = 0; p < 2; p++) {
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(B16, w, blk + 16 + 32 * j + 16 * p, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    int e = o + 64 * j + 16 * p;
                    ((FloatVector) q.and(N15).convert(VectorOperators.I2F, 0)).mul(dl).sub(ml).intoArray(dst, e);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, S4).convert(VectorOperators.I2F, 0)).mul(dh).sub(mh)
                            .intoArray(dst, e + 32);
                }
            }
        }
    }

    /** Q6_K: 210-byte super-blocks {128 low-nibble bytes, 64 high-bit bytes, 16 int8 scales, d}. */
    static void q6K(MemorySegment w, long offset, int count, float[] dst, int dstOff) {
        int nb = blocks(w, offset, count, 210, dst, dstOff);
        for (int b = 0; b < nb; b++) {
            long blk = offset + 210L * b;
            float d = Float.float16ToFloat(w.get(KQuant.I16, blk + 208));
            int o = dstOff + 256 * b;
            for (int h = 0; h < 2; h++) {                          // elements 128h .. 128h + 127
                for (int c = 0; c < 2; c++) {                      // l = 16c .. 16c + 15 of the half
                    long ql = blk + 64L * h + 16 * c;
                    IntVector a = (IntVector) ByteVector.fromMemorySegment(B16, w, ql, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector bq = (IntVector) ByteVector.fromMemorySegment(B16, w, ql + 32, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector hb = (IntVector) ByteVector.fromMemorySegment(B16, w, blk + 128 + 32L * h + 16 * c, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    long sc = blk + 192 + 8L * h + c;
                    int e = o + 128 * h + 16 * c;
                    IntVector q1 = a.and(N15).or(hb.and(N3).lanewise(VectorOperators.LSHL, S4)).sub(N32);
                    IntVector q2 = bq.and(N15).or(hb.lanewise(VectorOperators.LSHR, S2).and(N3)
                            .lanewise(VectorOperators.LSHL, S4)).sub(N32);
                    IntVector q3 = a.lanewise(VectorOperators.LSHR, S4).or(hb.lanewise(VectorOperators.LSHR, S4).and(N3)
                            .lanewise(VectorOperators.LSHL, S4)).sub(N32);
                    IntVector q4 = bq.lanewise(VectorOperators.LSHR, S4).or(hb.lanewise(VectorOperators.LSHR, S6)
                            .lanewise(VectorOperators.LSHL, S4)).sub(N32);
                    ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc))
                            .intoArray(dst, e);
                    ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + 2))
                            .intoArray(dst, e + 32);
                    ((FloatVector) q3.convert(VectorOperators.I2F, 0)).mul(d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + 4))
                            .intoArray(dst, e + 64);
                    ((FloatVector) q4.convert(VectorOperators.I2F, 0)).mul(d * w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, sc + 6))
                            .intoArray(dst, e + 96);
                }
            }
        }
    }
}
