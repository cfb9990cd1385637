package io.github.moe4j.cpu;

import io.github.moe4j.quant.ActivationQuant;
import io.github.moe4j.quant.BF16Format;
import io.github.moe4j.tensor.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One activation vector prepared for dot products against weight rows, converted once to the form a
 * weight format's kernel reads (llama.cpp's vec_dot type) so that every row and every selected expert
 * reuses the conversion:
 * <ul>
 *   <li>{@link #f32()}: the values as given;</li>
 *   <li>{@link #values()}: the values as the kernels see them: rounded to binary16 / bfloat16 for F16 /
 *       BF16, or the dequantized Q8_0 / Q8_1 / Q8_K blocks ({@code q * d}, which is exact in float for
 *       Q8_0 and Q8_1); for F32 a copy;</li>
 *   <li>{@link #blockSums()}: per block of 32 values, their sum (for Q8_0 {@code d * sum(q)}, exact), or
 *       for Q8_1 the block's stored {@code s}, which ggml multiplies by a weight block's minimum;</li>
 *   <li>{@link #quantized()}: the Q8_0 / Q8_1 / Q8_K blocks in ggml's layout (for the scalar reference
 *       kernels and the K-quant kernels).</li>
 * </ul>
 *
 * <p>Owned by a session as scratch: storage is allocated once for {@code capacity} elements and
 * reused; {@link #set} allocates nothing. Not thread-safe while being set; read-only afterwards.
 */
public final class Activation {
    private final int capacity;
    private final float[] f32;                 // [capacity]
    private final float[] values;              // [capacity]
    private final float[] blockSums;           // [capacity / 32]
    private final MemorySegment quantized;     // largest of the Q8 encodings for `capacity` elements
    private final short[] int8Split;           // the int8 values as shorts in a kernel's order: Q8_K for
                                               // Q4_KDot (KQuant.splitQ4K), Q8_0 for Q4_0Kernel (split)
    private final int[] laneBias;              // [capacity / 8] Q4_0Kernel's 8 * sum(q) per int lane
    private final float[] laneScale;           // [capacity / 8] Q4_0Kernel's d * 2^112 per int lane
    private GgmlType type = GgmlType.F32;
    private int length;

    /** Scratch for vectors of up to {@code capacity} elements, in {@code arena}. */
    public Activation(int capacity, Arena arena) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.f32 = new float[capacity];
        this.values = new float[capacity];
        this.blockSums = new float[(capacity + 31) / 32];
        long padded = (capacity + 255L) / 256 * 256;
        long bytes = Math.max(GgmlType.Q8_K.byteSize(padded), GgmlType.Q8_1.byteSize(padded));
        this.quantized = arena.allocate(bytes, 64);
        this.int8Split = new short[(int) padded];
        this.laneBias = new int[(int) (padded / 8)];
        this.laneScale = new float[(int) (padded / 8)];
    }

    /**
     * Copies {@code n} values from {@code src[off..]} and prepares them as {@code type}: F32 (as given),
     * F16 / BF16 (rounded, nearest even), or Q8_0 / Q8_1 / Q8_K ({@code n} a multiple of that block size,
     * quantized as ggml's x86 build does). Block sums are formed when {@code n} is a multiple of 32.
     */
    public void set(float[] src, int off, int n, GgmlType type) {
        if (n <= 0 || n > capacity) {
            throw new IllegalArgumentException("activation length " + n + " outside 1.." + capacity);
        }
        System.arraycopy(src, off, f32, 0, n);
        length = n;
        switch (type) {
            case F32 -> System.arraycopy(f32, 0, values, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = Float.float16ToFloat(Float.floatToFloat16(f32[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    values[i] = BF16Format.toFloat(BF16Format.fromFloat(f32[i]));
                }
            }
            case Q8_0, Q8_1, Q8_K -> {
                if (n % type.blockSize() != 0) {
                    throw new IllegalArgumentException("activation length " + n + " is not a multiple of the "
                            + type + " block size " + type.blockSize());
                }
                if (type == GgmlType.Q8_K) {
                    ActivationQuant.quantize(type, f32, 0, quantized, 0, n, ActivationQuant.Rounding.X86);
                    ActivationQuant.dequantize(type, quantized, 0, values, 0, n);
                    KQuant.splitQ4K(quantized, n, int8Split);   // about 1 us per 2,048 values
                } else {
                    Q8Quantizer.quantize(type, f32, n, quantized, values, blockSums);   // writes the block sums too
                    if (type == GgmlType.Q8_0 && Q4_0Kernel.SPLIT) {
                        Q4_0Kernel.split(quantized, n, int8Split, laneBias, laneScale);
                    }
                    this.type = type;
                    return;
                }
            }
            default -> throw new IllegalArgumentException(type + " is not an activation type");
        }
        this.type = type;
        if (n % 32 == 0) {
            for (int b = 0; b < n / 32; b++) {
                float s = 0f;
                for (int i = 32 * b; i < 32 * b + 32; i++) {
                    s += values[i];
                }
                blockSums[b] = s;
            }
        }
    }

    /** Elements set by the last {@link #set}. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** The type the last {@link #set} prepared: F32, F16, BF16, Q8_0, Q8_1 or Q8_K. */
    public GgmlType type() {
        return type;
    }

    /** The f32 values as given (valid for {@code [0, length())}). */
    public float[] f32() {
        return f32;
    }

    /** The values as the kernels see them (see the class comment), valid for {@code [0, length())}. */
    public float[] values() {
        return values;
    }

    /** Per block of 32 values: their sum, or Q8_1's {@code s}; valid when {@code length() % 32 == 0}. */
    public float[] blockSums() {
        return blockSums;
    }

    /**
     * The Q8_K values (after {@code set} with Q8_K) in Q4_KDot's order, see KQuant#splitQ4K; or the Q8_0
     * values (after {@code set} with Q8_0) in Q4_0Kernel's, see Q4_0Kernel#split.
     */
    short[] int8Split() {
        return int8Split;
    }

    /** After {@code set} with Q8_0: per int lane of Q4_0Kernel's groups, 8 times the sum of its 8 values. */
    int[] laneBias() {
        return laneBias;
    }

    /** After {@code set} with Q8_0: per int lane of Q4_0Kernel's groups, its block's {@code d * 2^112}. */
    float[] laneScale() {
        return laneScale;
    }

    /** The quantized blocks, valid when {@link #quantizedType()} is not null. */
    public MemorySegment quantized() {
        return quantized;
    }

    /** The Q8 type {@link #quantized()} holds, or null when the last {@link #set} prepared a float type. */
    public GgmlType quantizedType() {
        return switch (type) {
            case Q8_0, Q8_1, Q8_K -> type;
            default -> null;
        };
    }
}
