package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * The fast (Vector API) dot product of one weight format with a prepared {@link Activation}: what
 * matvec and matmul call for every row. Implementations are stateless singletons, tested against
 * the scalar references of {@link io.github.moe4j.quant.BlockFormat} ({@code dot} for f32
 * activations, {@code vecDot} for quantized ones). Obtain them from {@link DotKernels#of}.
 *
 * <p>Offsets are byte offsets of whole blocks; element counts ({@code count}) and activation
 * positions ({@code xElement}) are multiples of the block size.
 */
public interface DotKernel {

    /** The weight format. */
    GgmlType type();

    /**
     * The activation form this kernel is meant to read, llama.cpp's vec_dot type for the format
     * ({@code F32}, {@code F16}, {@code BF16}, {@code Q8_0}, {@code Q8_1} or {@code Q8_K}), which
     * {@link Activation#set} must have prepared. Kernels that read {@link Activation#values()} also accept
     * an activation prepared as {@code F32} (then they compute the f32 dot product); see {@link #accepts}.
     */
    GgmlType activationType();

    /** Whether this kernel can read an activation prepared as {@code t}. */
    default boolean accepts(GgmlType t) {
        return t == activationType();
    }

    /**
     * Dot product of {@code count} weights starting at byte {@code offset} of {@code w} with activation
     * elements {@code [xElement, xElement + count)}.
     */
    float dot(MemorySegment w, long offset, Activation x, int xElement, int count);

    /**
     * Dot products of {@code rows} rows, {@code rowBytes} apart from {@code offset}, each of {@code count}
     * weights, with the same activation elements: {@code y[yOff + r]} = row r's dot. Arguments are checked
     * once per call; the row loop is where a kernel may handle several rows at a time (for the 32-block
     * formats that measured slower than one row at a time on AVX-512, see docs/PERFORMANCE.md).
     */
    default void dotRows(MemorySegment w, long offset, long rowBytes, int rows, Activation x, int xElement,
                         int count, float[] y, int yOff) {
        for (int r = 0; r < rows; r++) {
            y[yOff + r] = dot(w, offset + r * rowBytes, x, xElement, count);
        }
    }

    /**
     * Whether {@link #decode} is available: matmul then decodes each weight row once into floats and runs
     * a float tile kernel over the batch; otherwise it calls {@link #dot} for each (row, token).
     */
    default boolean decodes() {
        return false;
    }

    /**
     * Decodes {@code count} weights at {@code offset} into {@code dst[dstOff ..)} so that for any activation
     * this kernel accepts, {@code dot(w, offset, x, e, count)} equals, up to float rounding,
     * {@code sum_i dst[dstOff + i] * x.values()[e + i]}, plus, when {@link #hasMins()},
     * {@code sum_b mins[minsOff + b] * x.blockSums()[e / 32 + b]} over the row's blocks of 32.
     *
     * @throws UnsupportedOperationException when {@link #decodes()} is false
     */
    default void decode(MemorySegment w, long offset, int count, float[] dst, int dstOff, float[] mins, int minsOff) {
        throw new UnsupportedOperationException(type() + " kernel has no decoder");
    }

    /** Whether {@link #decode} writes per-block minimums (Q4_1, Q5_1: weights {@code d * q + m}). */
    default boolean hasMins() {
        return false;
    }
}
