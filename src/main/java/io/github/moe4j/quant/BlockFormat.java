package io.github.moe4j.quant;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;

/**
 * One ggml storage format: its block geometry and plain scalar references that follow ggml's
 * definitions exactly. Fast kernels (Vector API, CUDA) are tested against these.
 *
 * <p>All offsets are byte offsets into a {@link MemorySegment} that holds whole blocks in ggml's
 * layout (little-endian, packed, any alignment); element counts are multiples of {@link #blockSize()}.
 * Obtain instances from {@link BlockFormats#of(GgmlType)}. Implementations are stateless and thread-safe.
 */
public interface BlockFormat {

    /** The ggml type this format stores. */
    GgmlType type();

    /** Elements per block. */
    default int blockSize() {
        return type().blockSize();
    }

    /** Bytes per block. */
    default int blockBytes() {
        return type().typeSize();
    }

    /**
     * Scalar reference: dequantizes {@code count} elements (a multiple of {@link #blockSize()}) starting
     * at byte {@code offset} of {@code src} into {@code dst[dstOffset .. dstOffset + count)}, bit for bit
     * as ggml's {@code dequantize_row_<type>} computes them in float32 without fused multiply-adds.
     */
    void dequantize(MemorySegment src, long offset, float[] dst, int dstOffset, int count);

    /**
     * Scalar reference dot product of {@code count} weights at {@code offset} with f32 activations
     * {@code x[xOffset .. xOffset + count)}, activations not rounded: {@code sum += w[i] * x[i]} in
     * float, in element order, with {@code w[i]} exactly as {@link #dequantize} gives it.
     */
    default float dot(MemorySegment src, long offset, float[] x, int xOffset, int count) {
        int nb = Le.checkRange(type(), src, offset, x.length, xOffset, count);
        int bs = blockSize();
        float[] w = new float[bs];
        float sum = 0f;
        for (int b = 0; b < nb; b++) {
            dequantize(src, offset + (long) b * blockBytes(), w, 0, bs);
            int xo = xOffset + b * bs;
            for (int i = 0; i < bs; i++) {
                sum += w[i] * x[xo + i];
            }
        }
        return sum;
    }

    /**
     * The type llama.cpp's CPU backend converts activations to before a dot product with this weight
     * format (ggml's {@code vec_dot_type}): {@code Q8_0}, {@code Q8_1}, {@code Q8_K}, {@code F16},
     * {@code BF16} or {@code F32}. {@link ActivationQuant#quantize} produces it.
     */
    GgmlType vecDotType();

    /**
     * Scalar reference of ggml's {@code ggml_vec_dot_<type>_<vecDotType>} (the generic C version): the dot
     * product of {@code count} weights at {@code offset} of {@code src} with {@code count} activations
     * already converted to {@link #vecDotType()} at byte {@code actOffset} of {@code act}. Quantized
     * formats form exact integer sums per block and scale them by the two blocks' scales, accumulating
     * floats in the same order as ggml's generic code; F32/F16/BF16 sum float products in double.
     */
    float vecDot(MemorySegment src, long offset, MemorySegment act, long actOffset, int count);

    /**
     * Fills {@code nBlocks} valid random blocks into {@code dst} at byte {@code offset}: finite scales of
     * the magnitude a real quantized model has (dequantized weights up to about 0.01 to 1 in size), random
     * quants, no NaN or infinity. For tests and synthetic models.
     */
    void randomBlocks(RandomGenerator rnd, MemorySegment dst, long offset, int nBlocks);
}
