package io.github.moe4j.cpu;

import java.lang.foreign.MemorySegment;

/**
 * Argument checks shared by the kernels. Each throws {@link IllegalArgumentException} naming the
 * argument and the numbers that disagree; they run once per call, never per element.
 */
final class Checks {
    private Checks() {
    }

    /** {@code a[off, off + n)} must lie inside {@code a}. */
    static void range(String what, float[] a, int off, int n) {
        if (a == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (off < 0 || n < 0 || off > a.length - n) {
            throw new IllegalArgumentException(what + ": offset " + off + " + length " + n
                    + " does not fit an array of length " + a.length);
        }
    }

    /** Same as {@link #range(String, float[], int, int)} for an int array. */
    static void range(String what, int[] a, int off, int n) {
        if (a == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (off < 0 || n < 0 || off > a.length - n) {
            throw new IllegalArgumentException(what + ": offset " + off + " + length " + n
                    + " does not fit an array of length " + a.length);
        }
    }

    /** {@code n} f16 values from {@code byteOff} must lie inside {@code m}. */
    static void rangeF16(String what, MemorySegment m, long byteOff, long n) {
        if (m == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (byteOff < 0 || n < 0 || byteOff > m.byteSize() - 2 * n) {
            throw new IllegalArgumentException(what + ": byte offset " + byteOff + " + " + n
                    + " f16 values does not fit a segment of " + m.byteSize() + " bytes");
        }
    }

    static void positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
    }

    static void nonNegative(String what, int v) {
        if (v < 0) {
            throw new IllegalArgumentException(what + " must not be negative, got " + v);
        }
    }

    /** Offsets may only coincide exactly (in place) or not overlap at all. */
    static void sameOrDisjoint(String what, float[] a, int aOff, float[] b, int bOff, int n) {
        if (a == b && aOff != bOff && aOff < bOff + n && bOff < aOff + n) {
            throw new IllegalArgumentException(what + ": ranges at " + aOff + " and " + bOff + " of length " + n
                    + " partially overlap (only exact in-place use is supported)");
        }
    }
}
