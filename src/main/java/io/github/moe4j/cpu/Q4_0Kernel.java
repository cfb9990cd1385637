package io.github.moe4j.cpu;

import io.github.moe4j.quant.Q4_0Format;
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
 * Q4_0 weights ({@code w = (q - 8) * d}, q a nibble) against Q8_0 (or f32) activations.
 *
 * <p>Per block: the 16 quant bytes are loaded once and zero-extended to int lanes; each nibble becomes
 * its float level {@code q - 8} through a 16-entry table ({@link NibbleLevels}: a lane permute, which reads only
 * the index's low 4 bits, so the low nibble needs no mask and the high one a shift); then
 * {@code t = (q - 8)_lo . x_lo + (q - 8)_hi . x_hi} in float lanes (exact for Q8_0 activations) and
 * {@code acc += d * t}, one block per step (with two, the loop body passed C2's inlining budget and a
 * vector was boxed). With the f16 scale table ({@link Simd#f16}), against widening each nibble with an
 * int-to-float conversion and taking the 8 off through the activation block sums, this measured 2.4x
 * in cache (docs/PERFORMANCE.md). Tried and slower here: a 4-row variant sharing activation loads,
 * 4 blocks per step, int16 products of the Q8_0 bytes, a long induction variable.
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
