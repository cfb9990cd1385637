package io.github.moe4j.cpu;

import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.GgmlType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.EnumMap;
import java.util.Map;

/**
 * The {@link DotKernel} of each weight format: a fast Vector API kernel where one exists, otherwise a
 * {@link ReferenceDotKernel} over the format's scalar reference, so that every format
 * {@link BlockFormats} supports computes today. A fast kernel for a new format (the K-quants) is one
 * line in {@link #FAST}.
 */
public final class DotKernels {
    private DotKernels() {
    }

    /** Formats with a fast kernel. */
    private static final DotKernel[] FAST = {
            FloatKernels.F32, FloatKernels.F16, FloatKernels.BF16,
            Q8_0Kernel.INSTANCE, Q4_0Kernel.INSTANCE, Q4_1Kernel.INSTANCE,
            Q5Kernels.Q5_0, Q5Kernels.Q5_1,
            CodebookKernels.IQ4_NL, CodebookKernels.MXFP4,
    };

    /**
     * The K-quant kernels (x Q8_K) are written for 512-bit vectors; where the preferred species is
     * narrower (AVX2-only CPUs) the Vector API would emulate them in slow Java code, so the scalar
     * reference serves instead until 256-bit versions exist.
     */
    private static final DotKernel[] FAST_512 = {
            Q4_KDot.INSTANCE, Q6_KDot.INSTANCE, Q5_KDot.INSTANCE, Q3_KDot.INSTANCE, Q2_KDot.INSTANCE,
            // IQ4_XSDot passes its own kernel tests but disagreed with the reference inside multi-threaded
            // batched matmul (MatMulTest, one run); it stays out until that is understood
    };

    /** Whether the 512-bit-only kernels run natively here. */
    static final boolean WIDE = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;

    private static final Map<GgmlType, DotKernel> KERNELS;

    static {
        EnumMap<GgmlType, DotKernel> m = new EnumMap<>(GgmlType.class);
        for (GgmlType t : BlockFormats.supported()) {
            m.put(t, new ReferenceDotKernel(BlockFormats.of(t)));
        }
        List<DotKernel> fast = new ArrayList<>(List.of(FAST));
        if (WIDE) {
            fast.addAll(List.of(FAST_512));
        }
        for (DotKernel k : fast) {
            if (!(m.get(k.type()) instanceof ReferenceDotKernel)) {
                throw new IllegalStateException("two fast kernels for " + k.type());
            }
            if (k.activationType() != BlockFormats.of(k.type()).vecDotType()) {
                throw new IllegalStateException(k.type() + " kernel reads " + k.activationType()
                        + " activations, but ggml dots it with " + BlockFormats.of(k.type()).vecDotType());
            }
            m.put(k.type(), k);
        }
        KERNELS = Collections.unmodifiableMap(m);
    }

    /**
     * The kernel for weights of type {@code t}.
     *
     * @throws UnsupportedModelException when moe4j cannot compute with {@code t}
     */
    public static DotKernel of(GgmlType t) {
        DotKernel k = KERNELS.get(t);
        if (k == null) {
            BlockFormats.of(t); // throws the registry's UnsupportedModelException
            throw new UnsupportedModelException(null, String.valueOf(t), "no dot kernel for " + t);
        }
        return k;
    }

    /** Whether {@code t} has a fast (Vector API) kernel rather than the scalar reference. */
    public static boolean isFast(GgmlType t) {
        DotKernel k = KERNELS.get(t);
        return k != null && !(k instanceof ReferenceDotKernel);
    }
}
