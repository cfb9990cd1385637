package io.github.moe4j.model;

import io.github.moe4j.cpu.WorkerPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The teacher-forced fixture checks through the fast kernels ({@link KernelLinear}) with 1 and 2
 * threads: the F16 files with {@link MoeDecoderF16Test}'s strict bounds, and every file with
 * {@link MoeDecoderRoundingTest}'s bounds (the kernels round activations the same way). The scalar
 * tests stay the reference.
 */
class MoeDecoderKernelTest {
    private static final String[] TAGS = {"qwen3moe", "olmoe", "qwen2moe", "mixtral", "granitemoe", "gpt-oss",
            "deepseek2-lite", "deepseek2-v3"};
    private static final String[] VARIANTS = {"F16", "Q8_0", "Q4_0", "Q4_K_M", "Q6_K"};
    private static final int[] THREADS = {1, 2};

    private static final WorkerPool[] POOLS = {new WorkerPool(1), new WorkerPool(2)};

    @AfterAll
    static void closePools() {
        for (WorkerPool p : POOLS) {
            p.close();
        }
    }

    private static Linear linear(int threads) {
        return new KernelLinear(POOLS[threads - 1]);
    }

    static Stream<Arguments> f16Cases() {
        List<Arguments> a = new ArrayList<>();
        for (int th : THREADS) {
            for (String t : TAGS) {
                for (String p : new String[]{"p1", "p2"}) {
                    a.add(Arguments.of(t, p, th));
                }
            }
        }
        return a.stream();
    }

    static Stream<Arguments> roundingCases() {
        List<Arguments> a = new ArrayList<>();
        for (int th : THREADS) {
            for (String t : TAGS) {
                for (String v : VARIANTS) {
                    a.add(Arguments.of(t, v, th));
                }
            }
            a.add(Arguments.of("gpt-oss", "MXFP4_MOE", th));
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} F16 {1}, kernels, {2} thread(s)")
    @MethodSource("f16Cases")
    void f16MatchesLlamaCpp(String tag, String prompt, int threads) throws IOException {
        ReferenceCase rc = ReferenceCase.load(tag, "F16", prompt);
        TeacherForced r = TeacherForced.run(rc, rc.model(), linear(threads));
        String what = tag + " F16." + prompt + " (kernels, " + threads + " threads)";
        System.out.println("[model] " + what + ": " + r);
        double tol = tag.equals("granitemoe") ? 0.1 : 0.05;
        double hiddenScale = tag.equals("granitemoe") ? 12 : 1;
        if (r.hiddenMaxAbs != null) {
            for (int l = 0; l < r.hiddenMaxAbs.length; l++) {
                assertTrue(r.hiddenMaxAbs[l] <= 0.01 * hiddenScale,
                        what + ": hidden state of layer " + l + " differs by " + r.hiddenMaxAbs[l] + " (" + r + ")");
            }
        }
        assertNull(r.firstRoutingMismatch, what + ": routing differs at " + r.firstRoutingMismatch);
        for (LogitStats s : new LogitStats[]{r.prompt, r.gen}) {
            assertTrue(s.maxAbs <= tol, what + ": max |dlogit| " + s.maxAbs + " > " + tol + " (" + r + ")");
            assertTrue(s.maxKl <= 1e-4, what + ": per-position KL " + s.maxKl + " > 1e-4 (" + r + ")");
            assertTrue(s.meanKl() <= 1e-5, what + ": mean KL " + s.meanKl() + " > 1e-5 (" + r + ")");
            assertEquals(-1, s.firstArgmaxMismatch, what + ": argmax differs at row " + s.firstArgmaxMismatch);
        }
    }

    @ParameterizedTest(name = "{0} {1} p1, kernels, {2} thread(s)")
    @MethodSource("roundingCases")
    void withinTheTightBounds(String tag, String variant, int threads) throws IOException {
        ReferenceCase rc = ReferenceCase.load(tag, variant, "p1");
        TeacherForced r = TeacherForced.run(rc, rc.model(), linear(threads));
        String what = tag + " " + variant + " (kernels, " + threads + " threads)";
        System.out.println("[model] " + what + ": " + r);
        assertTrue(r.prompt.meanKl() <= 0.005, what + ": prompt mean KL " + r.prompt.meanKl());
        assertTrue(r.gen.meanKl() <= 0.005, what + ": generated mean KL " + r.gen.meanKl());
        assertTrue(r.prompt.top1Rate() >= 0.95, what + ": prompt top-1 " + r.prompt.top1Rate());
        assertTrue(r.gen.top1Rate() >= 0.85, what + ": generated top-1 " + r.gen.top1Rate());
        assertTrue(r.routingAgreement() >= 0.98, what + ": routing agreement " + r.routingAgreement());
    }
}
