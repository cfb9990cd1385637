package io.github.moe4j.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Architecture correctness on the F16 fixtures, teacher-forced, with the fixture README's strict
 * bounds: every row max |dlogit| <= 0.05 (granitemoe 0.1), per-position KL <= 1e-4, mean <= 1e-5,
 * identical argmax, identical expert sets, hidden states within 0.01 per layer.
 */
class MoeDecoderF16Test {

    @ParameterizedTest(name = "{0} F16 {1}")
    @CsvSource({
            "qwen3moe, p1", "qwen3moe, p2",
            "olmoe, p1", "olmoe, p2",
            "qwen2moe, p1", "qwen2moe, p2",
            "mixtral, p1", "mixtral, p2",
            "granitemoe, p1", "granitemoe, p2",
            "gpt-oss, p1", "gpt-oss, p2",
            "deepseek2-lite, p1", "deepseek2-lite, p2",
            "deepseek2-v3, p1", "deepseek2-v3, p2"})
    void matchesLlamaCpp(String tag, String prompt) throws IOException {
        ReferenceCase rc = ReferenceCase.load(tag, "F16", prompt);
        TeacherForced r = TeacherForced.run(rc);
        System.out.println("[model] " + tag + " F16." + prompt + ": " + r);
        double tol = tag.equals("granitemoe") ? 0.1 : 0.05;
        if (r.hiddenMaxAbs != null) {
            for (int l = 0; l < r.hiddenMaxAbs.length; l++) {
                assertTrue(r.hiddenMaxAbs[l] <= 0.01 * hiddenScale(tag),
                        tag + ": hidden state of layer " + l + " differs by " + r.hiddenMaxAbs[l] + " (" + r + ")");
            }
        }
        assertNull(r.firstRoutingMismatch, tag + ": routing differs at " + r.firstRoutingMismatch);
        for (LogitStats s : new LogitStats[]{r.prompt, r.gen}) {
            assertTrue(s.maxAbs <= tol, tag + ": max |dlogit| " + s.maxAbs + " > " + tol + " (" + r + ")");
            assertTrue(s.maxKl <= 1e-4, tag + ": per-position KL " + s.maxKl + " > 1e-4 (" + r + ")");
            assertTrue(s.meanKl() <= 1e-5, tag + ": mean KL " + s.meanKl() + " > 1e-5 (" + r + ")");
            assertEquals(-1, s.firstArgmaxMismatch, tag + ": argmax differs at row " + s.firstArgmaxMismatch);
        }
    }

    /** granitemoe's residual stream is scaled up by embedding_scale 12: compare relative to that. */
    private static double hiddenScale(String tag) {
        return tag.equals("granitemoe") ? 12 : 1;
    }
}
