package io.github.moe4j.cpu;

import io.github.moe4j.api.UnsupportedModelException;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.GgmlType;

import java.util.Collections;
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
            // K-quants (Q2_K .. Q6_K, IQ4_XS): reference kernels until their fast kernels are added here
    };

    private static final Map<GgmlType, DotKernel> KERNELS;

    static {
        EnumMap<GgmlType, DotKernel> m = new EnumMap<>(GgmlType.class);
        for (GgmlType t : BlockFormats.supported()) {
            m.put(t, new ReferenceDotKernel(BlockFormats.of(t)));
        }
        for (DotKernel k : FAST) {
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
