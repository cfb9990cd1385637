package io.github.moe4j.model;

import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantized fixtures with the README's aggregate bounds for a float32-activation implementation:
 * mean KL <= 0.1 over prompt rows and over generated rows, top-1 agreement >= 80% (prompt) and
 * >= 75% (generated), routing set agreement >= 90%. Plus the 3-shard split granitemoe Q4_0.
 */
class MoeDecoderQuantTest {
    private static final String[] TAGS = {"qwen3moe", "olmoe", "qwen2moe", "mixtral", "granitemoe", "gpt-oss", "deepseek2-lite", "deepseek2-v3"};
    private static final String[] VARIANTS = {"Q8_0", "Q4_0", "Q4_K_M", "Q6_K"};

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (String t : TAGS) {
            for (String v : VARIANTS) {
                a.add(Arguments.of(t, v));
            }
        }
        a.add(Arguments.of("gpt-oss", "MXFP4_MOE"));
        return a.stream();
    }

    @ParameterizedTest(name = "{0} {1} p1")
    @MethodSource("cases")
    void withinAggregateBounds(String tag, String variant) throws IOException {
        ReferenceCase rc = ReferenceCase.load(tag, variant, "p1");
        check(tag + " " + variant, TeacherForced.run(rc));
    }

    @Test
    void splitShardsGiveTheUnsplitReference() throws IOException {
        ReferenceCase rc = ReferenceCase.load("granitemoe", "Q4_0", "p1");
        TeacherForced r = TeacherForced.run(rc,
                Fixtures.require("models/split/granitemoe-Q4_0-split-00001-of-00003.gguf"));
        check("granitemoe Q4_0 split", r);
    }

    private static void check(String what, TeacherForced r) {
        System.out.println("[model] " + what + ": " + r);
        assertTrue(r.prompt.meanKl() <= 0.1, what + ": prompt mean KL " + r.prompt.meanKl() + " (" + r + ")");
        assertTrue(r.gen.meanKl() <= 0.1, what + ": generated mean KL " + r.gen.meanKl() + " (" + r + ")");
        assertTrue(r.prompt.top1Rate() >= 0.80, what + ": prompt top-1 " + r.prompt.top1Rate() + " (" + r + ")");
        assertTrue(r.gen.top1Rate() >= 0.75, what + ": generated top-1 " + r.gen.top1Rate() + " (" + r + ")");
        assertTrue(r.routingAgreement() >= 0.90, what + ": routing agreement " + r.routingAgreement() + " (" + r + ")");
    }
}
