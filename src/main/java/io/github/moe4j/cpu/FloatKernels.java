package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static io.github.moe4j.cpu.Simd.F;
import static io.github.moe4j.cpu.Simd.FL;
import static io.github.moe4j.cpu.Simd.LE;
import static io.github.moe4j.cpu.Simd.S;

/**
 * F32, F16 and BF16 weights. ggml dots F16 / BF16 weights with activations rounded to the same type
 * (their vec_dot type), which {@link Activation#set} does once; F32 activations are accepted too.
 * Loops: FL weights per vector, widened to floats in registers (F16 through {@link Simd#halfToFloat},
 * exact), four accumulator chains, scalar tails for row lengths that are not a multiple of 4 * FL.
 */
final class FloatKernels implements DotKernel {
    static final FloatKernels F32 = new FloatKernels(GgmlType.F32);
    static final FloatKernels F16 = new FloatKernels(GgmlType.F16);
    static final FloatKernels BF16 = new FloatKernels(GgmlType.BF16);

    private final GgmlType type;
    private final int elemBytes;

    private FloatKernels(GgmlType type) {
        this.type = type;
        this.elemBytes = type.typeSize();
    }

    @Override
    public GgmlType type() {
        return type;
    }

    @Override
    public GgmlType activationType() {
        return type;
    }

    @Override
    public boolean accepts(GgmlType t) {
        return t == type || t == GgmlType.F32;
    }

    @Override
    public float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
        check(w, offset, x, xElement, count);
        return dot1(w, offset, x.values(), xElement, count);
    }

    private float dot1(MemorySegment w, long offset, float[] x, int xo, int n) {
        return switch (type) {
            case F32 -> dotF32(w, offset, x, xo, n);
            case F16 -> dotF16(w, offset, x, xo, n);
            default -> dotBF16(w, offset, x, xo, n);
        };
    }

    @Override
    public void dotRows(MemorySegment w, long offset, long rowBytes, int rows, Activation x, int xElement, int count,
                        float[] y, int yOff) {
        Objects.checkFromIndexSize(yOff, rows, y.length);
        if (rows == 0) {
            return;
        }
        check(w, offset + (rows - 1) * rowBytes, x, xElement, count);
        float[] xv = x.values();
        for (int r = 0; r < rows; r++) {
            y[yOff + r] = dot1(w, offset + r * rowBytes, xv, xElement, count);
        }
    }

    @Override
    public boolean decodes() {
        return true;
    }

    @Override
    public void decode(MemorySegment w, long offset, int count, float[] dst, int dstOff, float[] mins, int minsOff) {
        Objects.checkFromIndexSize(offset, (long) count * elemBytes, w.byteSize());
        Objects.checkFromIndexSize(dstOff, count, dst.length);
        // one loop per format: a vector merged from the three branches could not stay in registers
        int i = 0;
        int last = count - FL;
        switch (type) {
            case F32 -> {
                for (; i <= last; i += FL) {
                    FloatVector.fromMemorySegment(F, w, offset + (long) i * 4, LE).intoArray(dst, dstOff + i);
                }
            }
            case F16 -> {
                for (; i <= last; i += FL) {
                    Simd.halfToFloat(ShortVector.fromMemorySegment(S, w, offset + (long) i * 2, LE)).intoArray(dst, dstOff + i);
                }
            }
            default -> {
                for (; i <= last; i += FL) {
                    Simd.bf16ToFloat(ShortVector.fromMemorySegment(S, w, offset + (long) i * 2, LE)).intoArray(dst, dstOff + i);
                }
            }
        }
        for (; i < count; i++) {
            dst[dstOff + i] = scalar(w, offset + (long) i * elemBytes);
        }
    }

    private float scalar(MemorySegment w, long o) {
        return switch (type) {
            case F32 -> w.get(Simd.F32, o);
            case F16 -> Simd.f16(w, o);
            default -> Float.intBitsToFloat((w.get(Simd.I16, o) & 0xFFFF) << 16);
        };
    }

    // ---- loops ----

    private static float dotF32(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int i = 0;
        for (int last = n - (4 * FL); i <= last; i += 4 * FL) {
            long o = off + 4L * i;
            a0 = FloatVector.fromMemorySegment(F, w, o, LE).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = FloatVector.fromMemorySegment(F, w, o + 4L * FL, LE).fma(FloatVector.fromArray(F, x, xo + i + FL), a1);
            a2 = FloatVector.fromMemorySegment(F, w, o + 8L * FL, LE).fma(FloatVector.fromArray(F, x, xo + i + 2 * FL), a2);
            a3 = FloatVector.fromMemorySegment(F, w, o + 12L * FL, LE).fma(FloatVector.fromArray(F, x, xo + i + 3 * FL), a3);
        }
        for (int last = n - (FL); i <= last; i += FL) {
            a0 = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), a0);
        }
        FloatVector red = a0.add(a1).add(a2.add(a3));
        float s = (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(red.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += w.get(Simd.F32, off + 4L * i) * x[xo + i];
        }
        return s;
    }

    /** Two accumulator chains only: four inlined {@link Simd#halfToFloat} exceed C2's inlining budget (vectors get boxed). */
    private static float dotF16(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        int i = 0;
        for (int last = n - (2 * FL); i <= last; i += 2 * FL) {
            long o = off + 2L * i;
            a0 = Simd.halfToFloat(ShortVector.fromMemorySegment(S, w, o, LE)).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = Simd.halfToFloat(ShortVector.fromMemorySegment(S, w, o + 2L * FL, LE))
                    .fma(FloatVector.fromArray(F, x, xo + i + FL), a1);
        }
        for (int last = n - (FL); i <= last; i += FL) {
            a0 = Simd.halfToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)).fma(FloatVector.fromArray(F, x, xo + i), a0);
        }
        FloatVector red = a0.add(a1);
        float s = (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(red.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += Simd.f16(w, off + 2L * i) * x[xo + i];
        }
        return s;
    }

    private static float dotBF16(MemorySegment w, long off, float[] x, int xo, int n) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int i = 0;
        for (int last = n - (4 * FL); i <= last; i += 4 * FL) {
            long o = off + 2L * i;
            a0 = Simd.bf16ToFloat(ShortVector.fromMemorySegment(S, w, o, LE)).fma(FloatVector.fromArray(F, x, xo + i), a0);
            a1 = Simd.bf16ToFloat(ShortVector.fromMemorySegment(S, w, o + 2L * FL, LE))
                    .fma(FloatVector.fromArray(F, x, xo + i + FL), a1);
            a2 = Simd.bf16ToFloat(ShortVector.fromMemorySegment(S, w, o + 4L * FL, LE))
                    .fma(FloatVector.fromArray(F, x, xo + i + 2 * FL), a2);
            a3 = Simd.bf16ToFloat(ShortVector.fromMemorySegment(S, w, o + 6L * FL, LE))
                    .fma(FloatVector.fromArray(F, x, xo + i + 3 * FL), a3);
        }
        for (int last = n - (FL); i <= last; i += FL) {
            a0 = Simd.bf16ToFloat(ShortVector.fromMemorySegment(S, w, off + 2L * i, LE)).fma(FloatVector.fromArray(F, x, xo + i), a0);
        }
        FloatVector red = a0.add(a1).add(a2.add(a3));
        float s = (float) ((DoubleVector) red.convertShape(VectorOperators.F2D, Simd.DF, 0)).add(red.convertShape(VectorOperators.F2D, Simd.DF, 1))
                .reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += Float.intBitsToFloat((w.get(Simd.I16, off + 2L * i) & 0xFFFF) << 16) * x[xo + i];
        }
        return s;
    }

    // ---- checks ----

    private void check(MemorySegment w, long offset, Activation x, int xElement, int count) {
        if (!accepts(x.type())) {
            throw new IllegalArgumentException(type + " kernel reads " + type + " or F32 activations, not " + x.type());
        }
        Objects.checkFromIndexSize(xElement, count, x.length());
        Objects.checkFromIndexSize(offset, (long) count * elemBytes, w.byteSize());
    }
}
