package io.github.moe4j.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With llama.cpp's activation rounding ({@link Linear#LLAMA_CPP_ROUNDING}) the fixture README's
 * tighter bounds apply to the quantized files: mean KL <= 0.005 (prompt and generated), top-1 >= 95%
 * of prompt rows and >= 85% of generated rows, routing set agreement >= 98%.
 */
class MoeDecoderRoundingTest {
    private static final String[] TAGS = {"qwen3moe", "olmoe", "qwen2moe", "mixtral", "granitemoe", "gpt-oss",
            "deepseek2-lite", "deepseek2-v3"};
    private static final String[] VARIANTS = {"F16", "Q8_0", "Q4_0", "Q4_K_M", "Q6_K"};

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

    @ParameterizedTest(name = "{0} {1} p1, rounded activations")
    @MethodSource("cases")
    void withinTheTightBounds(String tag, String variant) throws IOException {
        ReferenceCase rc = ReferenceCase.load(tag, variant, "p1");
        TeacherForced r = TeacherForced.run(rc, rc.model(), Linear.LLAMA_CPP_ROUNDING);
        String what = tag + " " + variant + " (rounded)";
        System.out.println("[model] " + what + ": " + r);
        assertTrue(r.prompt.meanKl() <= 0.005, what + ": prompt mean KL " + r.prompt.meanKl());
        assertTrue(r.gen.meanKl() <= 0.005, what + ": generated mean KL " + r.gen.meanKl());
        assertTrue(r.prompt.top1Rate() >= 0.95, what + ": prompt top-1 " + r.prompt.top1Rate());
        assertTrue(r.gen.top1Rate() >= 0.85, what + ": generated top-1 " + r.gen.top1Rate());
        assertTrue(r.routingAgreement() >= 0.98, what + ": routing agreement " + r.routingAgreement());
    }
}
