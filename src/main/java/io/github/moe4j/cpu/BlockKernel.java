package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Common frame of the fast kernels for the 32-element block formats: argument checks once per call,
 * then the format's block loops over {@link Activation#values()} (the dequantized Q8_0 / Q8_1
 * activation, or the f32 one) and {@link Activation#blockSums()}.
 *
 * <p>The loops work in float lanes: a block's weights are widened to floats in registers and multiplied
 * with the activation values; since those are {@code q_a * d_a} with small integers, each block's partial
 * sums equal ggml's integer {@code sumi * d_a} up to float rounding, and the weight scale is applied once
 * per block, as ggml's AVX code does ({@code acc = fma(float(sumi), d, acc)}).
 */
abstract class BlockKernel implements DotKernel {
    private final GgmlType type;
    private final GgmlType activationType;
    final int blockBytes;

    BlockKernel(GgmlType type, GgmlType activationType) {
        this.type = type;
        this.activationType = activationType;
        this.blockBytes = type.typeSize();
        if (type.blockSize() != 32) {
            throw new IllegalArgumentException(type + " is not a 32-element block format");
        }
    }

    @Override
    public final GgmlType type() {
        return type;
    }

    @Override
    public final GgmlType activationType() {
        return activationType;
    }

    @Override
    public final boolean accepts(GgmlType t) {
        return t == activationType || t == GgmlType.F32;
    }

    @Override
    public final boolean decodes() {
        return true;
    }

    @Override
    public final float dot(MemorySegment w, long offset, Activation x, int xElement, int count) {
        int nb = check(w, offset, 0, 1, x, xElement, count);
        if (x.type() == activationType && splitDot(xElement)) {
            return dotSplit(w, offset, x, xElement, nb);
        }
        return dot1(w, offset, x.values(), x.blockSums(), xElement, nb);
    }

    @Override
    public final void dotRows(MemorySegment w, long offset, long rowBytes, int rows, Activation x, int xElement,
                              int count, float[] y, int yOff) {
        if (rows == 0) {
            return;
        }
        int nb = check(w, offset, rowBytes, rows, x, xElement, count);
        Objects.checkFromIndexSize(yOff, rows, y.length);
        if (x.type() == activationType && splitDot(xElement)) {
            int r = 0;
            for (; r + 1 < rows; r += 2) {
                dotSplit2(w, offset + r * rowBytes, offset + (r + 1) * rowBytes, x, xElement, nb, y, yOff + r);
            }
            if (r < rows) {
                y[yOff + r] = dotSplit(w, offset + r * rowBytes, x, xElement, nb);
            }
            return;
        }
        float[] xv = x.values();
        float[] xs = x.blockSums();
        for (int r = 0; r < rows; r++) {
            y[yOff + r] = dot1(w, offset + r * rowBytes, xv, xs, xElement, nb);
        }
    }

    @Override
    public final void decode(MemorySegment w, long offset, int count, float[] dst, int dstOff, float[] mins,
                             int minsOff) {
        int nb = count / 32;
        if (count % 32 != 0 || count < 0) {
            throw new IllegalArgumentException(count + " is not a whole number of " + type + " blocks");
        }
        Objects.checkFromIndexSize(offset, (long) nb * blockBytes, w.byteSize());
        Objects.checkFromIndexSize(dstOff, count, dst.length);
        if (hasMins()) {
            Objects.checkFromIndexSize(minsOff, nb, mins.length);
        }
        decodeBlocks(w, offset, nb, dst, dstOff, mins, minsOff);
    }

    // ---- per format ----

    /** One row of {@code nb} blocks at {@code off} with {@code x[xo ..)}; {@code xs[xo / 32 ..)} are the block sums. */
    abstract float dot1(MemorySegment w, long off, float[] x, float[] xs, int xo, int nb);

    /**
     * Whether {@link #dotSplit} serves rows that start at activation element {@code xElement} when the
     * activation holds this kernel's own activation type (not F32).
     */
    boolean splitDot(int xElement) {
        return false;
    }

    /** One row against the activation's prepared integer form; see {@link #splitDot}. Arguments checked. */
    float dotSplit(MemorySegment w, long off, Activation x, int xo, int nb) {
        throw new UnsupportedOperationException(type + " has no integer kernel");
    }

    /** Two rows' {@link #dotSplit} into {@code y[yi]} and {@code y[yi + 1]}: both the same as one row at a time. */
    void dotSplit2(MemorySegment w, long off0, long off1, Activation x, int xo, int nb, float[] y, int yi) {
        y[yi] = dotSplit(w, off0, x, xo, nb);
        y[yi + 1] = dotSplit(w, off1, x, xo, nb);
    }

    /** See {@link DotKernel#decode}; arguments checked. */
    abstract void decodeBlocks(MemorySegment w, long off, int nb, float[] dst, int dstOff, float[] mins, int minsOff);

    // ---- checks ----

    private int check(MemorySegment w, long offset, long rowBytes, int rows, Activation x, int xElement, int count) {
        if (count <= 0 || count % 32 != 0 || xElement % 32 != 0) {
            throw new IllegalArgumentException(type + ": " + count + " elements at activation element " + xElement
                    + " is not a whole number of blocks of 32");
        }
        if (!accepts(x.type())) {
            throw new IllegalArgumentException(type + " kernel reads " + activationType + " or F32 activations, not "
                    + x.type());
        }
        if (x.length() % 32 != 0) {
            throw new IllegalArgumentException(type + ": activation length " + x.length() + " is not a multiple of 32");
        }
        Objects.checkFromIndexSize(xElement, count, x.length());
        int nb = count / 32;
        long last = offset + (rows - 1) * rowBytes;
        if (rows <= 0 || offset < 0 || rowBytes < 0 || last + (long) nb * blockBytes > w.byteSize()) {
            throw new IndexOutOfBoundsException(type + ": " + rows + " rows of " + nb + " blocks at byte " + offset
                    + " (row stride " + rowBytes + ") outside a segment of " + w.byteSize() + " bytes");
        }
        return nb;
    }
}
