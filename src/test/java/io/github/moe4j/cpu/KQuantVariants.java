package io.github.moe4j.cpu;

import io.github.moe4j.tensor.GgmlType;

import java.util.List;

/** The kernels {@link KQuantBench} times per format: the shipped one first, then the alternatives tried. */
final class KQuantVariants {
    private KQuantVariants() {
    }

    static List<KQuantBench.Variant> of(GgmlType type) {
        return switch (type) {
            case Q4_K -> List.of(
                    new KQuantBench.Variant("q4k", Q4_KDot.INSTANCE),
                    new KQuantBench.Variant("q4k-q8-block-512b", Q4KQ8Alternatives.BLOCK_512),
                    new KQuantBench.Variant("q4k-q8-unrolled-512", Q4KQ8Alternatives.UNROLLED_512),
                    new KQuantBench.Variant("q4k-q8-512", Q4KQ8Alternatives.LOOP_512),
                    new KQuantBench.Variant("q4k-q8-block-256b", Q4KQ8Alternatives.BLOCK_256),
                    new KQuantBench.Variant("q4k-q8-256", Q4KQ8Alternatives.LOOP_256),
                    new KQuantBench.Variant("q4k-f32-unrolled", Q4KF32Alternatives.UNROLLED_512),
                    new KQuantBench.Variant("q4k-f32-block-512", Q4KF32Alternatives.BLOCK_512),
                    new KQuantBench.Variant("q4k-f32-512", Q4KF32Alternatives.LOOP_512),
                    new KQuantBench.Variant("q4k-f32-256", Q4KF32Alternatives.LOOP_256));
            case Q6_K -> List.of(
                    new KQuantBench.Variant("q6k", Q6_KDot.INSTANCE),
                    new KQuantBench.Variant("q6k-f32-512", Q6KAlternatives.F32_512));
            case Q5_K -> List.of(
                    new KQuantBench.Variant("q5k", Q5_KDot.INSTANCE));
            case Q3_K -> List.of(
                    new KQuantBench.Variant("q3k", Q3_KDot.INSTANCE));
            case Q2_K -> List.of(
                    new KQuantBench.Variant("q2k", Q2_KDot.INSTANCE));
            case IQ4_XS -> List.of(
                    new KQuantBench.Variant("iq4xs", IQ4_XSDot.INSTANCE));
            default -> List.of();
        };
    }
}
