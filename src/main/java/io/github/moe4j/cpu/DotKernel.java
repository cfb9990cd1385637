package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * The fast (Vector API) dot product of one weight format with a prepared {@link Activation}: what
 * matvec and matmul call for every row. Implementations are stateless singletons, tested against
 * the scalar references of {@link io.github.moe4j.quant.BlockFormat} ({@code dot} for f32
 * activations, {@code vecDot} for quantized ones).
 */
public interface DotKernel {

    /** The weight format. */
    GgmlType type();

    /**
     * The activation form this kernel reads: {@code F32} (the activation's floats), or the vec_dot type
     * (Q8_0, Q8_1, Q8_K) that {@link Activation#set} must have prepared.
     */
    GgmlType activationType();

    /**
     * Dot product of {@code count} weights (a multiple of the block size) starting at byte {@code offset}
     * of {@code w} with activation elements {@code [xElement, xElement + count)}.
     */
    float dot(MemorySegment w, long offset, Activation x, int xElement, int count);
}
