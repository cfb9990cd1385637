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
                    new KQuantBench.Variant("q4k-f32-block-512", Q4KAlternatives.F32_BLOCK),
                    new KQuantBench.Variant("q4k-f32-512", Q4KAlternatives.F32_512),
                    new KQuantBench.Variant("q4k-f32-flat", Q4KAlternatives.F32_FLAT),
                    new KQuantBench.Variant("q4k-f32-unrolled", Q4KAlternatives.F32_UNROLLED),
                    new KQuantBench.Variant("q4k-f32-256", Q4KAlternatives.F32_256),
                    new KQuantBench.Variant("q4k-q8-256", Q4KAlternatives.Q8_256),
                    new KQuantBench.Variant("q4k-q8-512", Q4KAlternatives.Q8_512),
                    new KQuantBench.Variant("q4k-q8-unrolled-512", Q4KAlternatives.Q8_UNROLLED_512),
                    new KQuantBench.Variant("q4k-q8-unrolled-256", Q4KAlternatives.Q8_UNROLLED_256),
                    new KQuantBench.Variant("q4k-q8-flat-256", Q4KAlternatives.Q8_FLAT_256),
                    new KQuantBench.Variant("q4k-q8-flat-512", Q4KAlternatives.Q8_FLAT_512),
                    new KQuantBench.Variant("q4k-q8-block-512", Q4KAlternatives.Q8_BLOCK_512),
                    new KQuantBench.Variant("q4k-q8-block-256", Q4KAlternatives.Q8_BLOCK_256),
                    new KQuantBench.Variant("q4k-q8-block-512b", Q4KAlternatives.Q8_BLOCK_512B),
                    new KQuantBench.Variant("q4k-q8-block-256b", Q4KAlternatives.Q8_BLOCK_256B));
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
