package io.github.moe4j.engine;

import io.github.moe4j.api.GenerateOptions;
import io.github.moe4j.api.Generation;
import io.github.moe4j.api.SessionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Eight sessions on one model, in eight threads at once on a two-thread pool: each produces exactly
 * what it produces alone with the same seed. Everything runs once first so the JIT has compiled the
 * kernels (the Vector API's interpreted fallbacks round differently in the last bits).
 */
@Timeout(600)
class ParallelSessionsTest {
    static final int SESSIONS = 8;

    @Test
    void eightSessionsOnAFixtureModel() throws Exception {
        try (ModelImpl m = TestModels.fixture("qwen3moe", "Q8_0", 2, -1)) {
            check(m, 32);
        }
    }

    @Test
    void eightSessionsOnATinyModel(@TempDir Path dir) throws Exception {
        try (ModelImpl m = TestModels.tiny(dir, 21, 2)) {
            check(m, 40);
        }
    }

    private static int[] prompt(int s, int vocab) {
        int[] p = new int[12 + 5 * s];   // different lengths: prefill micro-batches and decode interleave
        for (int i = 0; i < p.length; i++) {
            p[i] = (i * 31 + s * 17 + 7) % vocab;
        }
        return p;
    }

    private static GenerateOptions options(int s, int n) {
        return GenerateOptions.builder().maxTokens(n).temperature(0.9f).topK(20).topP(0.95f).minP(0.02f)
                .repeatPenalty(1.1f).seed(1000 + s).build();
    }

    private static int[] alone(ModelImpl m, int s, int n) {
        try (SessionImpl session = m.newSession(SessionOptions.builder().contextLength(128).build())) {
            int v = m.info().vocabSize();
            Generation g = session.generateTokens(prompt(s, v), options(s, n), null, true);
            return g.tokens();
        }
    }

    private static void check(ModelImpl m, int n) throws Exception {
        for (int warm = 0; warm < 2; warm++) {
            for (int s = 0; s < SESSIONS; s++) {
                alone(m, s, n);
            }
        }
        int[][] want = new int[SESSIONS][];
        for (int s = 0; s < SESSIONS; s++) {
            want[s] = alone(m, s, n);
        }
        ExecutorService ex = Executors.newFixedThreadPool(SESSIONS);
        try {
            for (int round = 0; round < 2; round++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<int[]>> fs = new ArrayList<>();
                for (int s = 0; s < SESSIONS; s++) {
                    int me = s;
                    fs.add(ex.submit(() -> {
                        go.await();
                        return alone(m, me, n);
                    }));
                }
                go.countDown();
                for (int s = 0; s < SESSIONS; s++) {
                    int[] got = fs.get(s).get(300, TimeUnit.SECONDS);
                    assertArrayEquals(want[s], got, "session " + s + " in parallel (round " + round + "): "
                            + Arrays.toString(got) + " alone: " + Arrays.toString(want[s]));
                }
            }
        } finally {
            ex.shutdownNow();
        }
    }
}
