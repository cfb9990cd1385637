package io.github.moe4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import static io.github.moe4j.cpu.Simd.FL;
import static io.github.moe4j.cpu.Simd.I;

/**
 * A 16-entry float table indexed by a nibble, applied to int lanes as one lane permute
 * ({@code IntVector.selectFrom}: VPERMD at 16 lanes, a two-vector VPERMI2D at 8), which reads only an
 * index's low 4 bits: a low nibble needs no mask and a high one only its shift. It replaces the mask (or
 * the byte shuffle) and the int-to-float conversion of a 4-bit weight, and can fold an offset into the
 * levels (Q4_0's {@code q - 8}); Q4_0 and the codebook formats use it.
 *
 * <p>Kernels copy {@link #low} and {@link #high} into locals once per call and pass them to
 * {@link #of}, so that the loop sees the table in registers.
 */
final class NibbleLevels {
    /** Levels 0 .. FL-1 as float bits (all 16 at FL = 16). */
    final IntVector low;
    /** Levels FL .. 15 as float bits at FL = 8; a copy of {@link #low} at FL = 16 (unused). */
    final IntVector high;

    NibbleLevels(float[] levels) {
        if (levels.length != 16) {
            throw new IllegalArgumentException("a nibble table has 16 levels, not " + levels.length);
        }
        this.low = part(levels, 0);
        this.high = part(levels, FL % 16);
    }

    private static IntVector part(float[] levels, int first) {
        int[] bits = new int[FL];
        for (int i = 0; i < FL; i++) {
            bits[i] = Float.floatToRawIntBits(levels[first + i]);
        }
        return IntVector.fromArray(I, bits, 0);
    }

    /** {@code levels[q & 15]} per lane, for int lanes q. */
    static FloatVector of(IntVector q, IntVector low, IntVector high) {
        return (FL == 16 ? q.selectFrom(low) : q.selectFrom(low, high)).reinterpretAsFloats();
    }
}
