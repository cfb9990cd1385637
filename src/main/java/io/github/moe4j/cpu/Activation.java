package io.github.moe4j.cpu;

import io.github.moe4j.quant.ActivationQuant;
import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One activation vector prepared for dot products against weight rows: the f32 values, and the
 * same values converted once to a weight format's vec_dot type (Q8_0, Q8_1 or Q8_K blocks, as
 * llama.cpp does) so that every row and every selected expert reuses the conversion.
 *
 * <p>Owned by a session as scratch: storage is allocated once for {@code capacity} elements and
 * reused; {@link #set} allocates nothing. Not thread-safe while being set; read-only afterwards.
 */
public final class Activation {
    private final int capacity;
    private final float[] f32;
    private final MemorySegment quantized;     // largest of the vec_dot encodings for `capacity` elements
    private GgmlType quantizedType;            // null: only f32 is valid
    private int length;

    /** Scratch for vectors of up to {@code capacity} elements, in {@code arena}. */
    public Activation(int capacity, Arena arena) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.f32 = new float[capacity];
        long padded = (capacity + 255L) / 256 * 256;
        long bytes = Math.max(GgmlType.Q8_K.byteSize(padded), GgmlType.Q8_1.byteSize(padded));
        this.quantized = arena.allocate(bytes, 64);
    }

    /**
     * Copies {@code n} values from {@code src[off..]} and, when {@code vecDotType} is Q8_0, Q8_1 or
     * Q8_K, converts them to it ({@code n} a multiple of that block size). F32/F16/BF16 keep floats only.
     */
    public void set(float[] src, int off, int n, GgmlType vecDotType) {
        if (n <= 0 || n > capacity) {
            throw new IllegalArgumentException("activation length " + n + " outside 1.." + capacity);
        }
        System.arraycopy(src, off, f32, 0, n);
        length = n;
        quantizedType = null;
        switch (vecDotType) {
            case Q8_0, Q8_1, Q8_K -> {
                ActivationQuant.quantize(vecDotType, f32, 0, quantized, 0, n, ActivationQuant.Rounding.X86);
                quantizedType = vecDotType;
            }
            default -> {
            }
        }
    }

    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** The f32 values (valid for {@code [0, length())}). */
    public float[] f32() {
        return f32;
    }

    /** The quantized blocks, valid when {@link #quantizedType()} is not null. */
    public MemorySegment quantized() {
        return quantized;
    }

    /** The vec_dot type {@link #quantized()} holds, or null when only f32 was prepared. */
    public GgmlType quantizedType() {
        return quantizedType;
    }
}
