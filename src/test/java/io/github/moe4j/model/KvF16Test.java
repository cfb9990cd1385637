package io.github.moe4j.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An f16 KV cache against llama.cpp's f32-KV references on the F16 files. llama.cpp itself moves by
 * up to 0.021 logit when it switches its cache to f16 (fixture README), so the bounds here are that
 * scale: max |dlogit| <= 0.1, mean KL <= 1e-4, same routing, top-1 on every row.
 */
class KvF16Test {

    @ParameterizedTest
    @ValueSource(strings = {"qwen3moe", "olmoe", "qwen2moe", "mixtral", "granitemoe", "gpt-oss", "deepseek2-lite",
            "deepseek2-v3"})
    void closeToTheF32Reference(String tag) throws IOException {
        ReferenceCase rc = ReferenceCase.load(tag, "F16", "p1");
        TeacherForced r = TeacherForced.run(rc, rc.model(), Linear.SCALAR, KvType.F16);
        System.out.println("[model] " + tag + " F16 p1, f16 KV: " + r);
        assertNull(r.firstRoutingMismatch, tag + ": routing differs at " + r.firstRoutingMismatch);
        for (LogitStats s : new LogitStats[]{r.prompt, r.gen}) {
            assertTrue(s.maxAbs <= 0.1, tag + ": max |dlogit| " + s.maxAbs);
            assertTrue(s.meanKl() <= 1e-4, tag + ": mean KL " + s.meanKl());
            assertTrue(s.top1Rate() == 1.0, tag + ": top-1 " + s.top1Rate());
        }
    }
}
