package io.github.moe4j.cuda;

import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.tensor.Tensor;

import java.util.EnumMap;
import java.util.Map;

/**
 * The GGUF weight types the CUDA kernels read, with the kernel-name suffix of each ({@code linear_q4_k})
 * and the row-length multiple the kernels need.
 */
public final class WeightTypes {
    private static final Map<GgmlType, String> SUFFIX = new EnumMap<>(GgmlType.class);
    private static final Map<GgmlType, Integer> COLS_MULTIPLE = new EnumMap<>(GgmlType.class);

    static {
        put(GgmlType.F32, "f32", 8);
        put(GgmlType.F16, "f16", 8);
        put(GgmlType.BF16, "bf16", 8);
        put(GgmlType.Q4_0, "q4_0", 32);
        put(GgmlType.Q8_0, "q8_0", 32);
        put(GgmlType.MXFP4, "mxfp4", 32);
        put(GgmlType.Q4_K, "q4_k", 256);
        put(GgmlType.Q5_K, "q5_k", 256);
        put(GgmlType.Q6_K, "q6_k", 256);
    }

    private static void put(GgmlType t, String suffix, int cols) {
        SUFFIX.put(t, suffix);
        COLS_MULTIPLE.put(t, cols);
    }

    private WeightTypes() {
    }

    public static boolean supported(GgmlType t) {
        return SUFFIX.containsKey(t);
    }

    /** The kernel-name suffix of {@code t}. */
    public static String suffix(GgmlType t) {
        String s = SUFFIX.get(t);
        if (s == null) {
            throw new CudaUnavailableException("no CUDA kernel reads " + t + " weights (supported: " + SUFFIX.keySet() + ")");
        }
        return s;
    }

    /** Why the kernels cannot read {@code w}, or null when they can. */
    public static String problem(Tensor w) {
        Integer m = COLS_MULTIPLE.get(w.type());
        if (m == null) {
            return "tensor " + w.name() + " is " + w.type() + ", which has no CUDA kernel (supported: "
                    + SUFFIX.keySet() + ")";
        }
        if (w.dim(0) % m != 0) {
            return "tensor " + w.name() + " has rows of " + w.dim(0) + " " + w.type() + " values, not a multiple of " + m;
        }
        return null;
    }

    /** The types with kernels, in GGUF id order. */
    public static java.util.Set<GgmlType> all() {
        return java.util.Collections.unmodifiableSet(SUFFIX.keySet());
    }
}
