package io.github.moe4j.model;

import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fast kernels give bit-identical logits whether or not the JIT has compiled them: a JVM limited
 * to C1 ({@code -XX:TieredStopAtLevel=1}, where the Vector API runs its Java fallback) and this JVM
 * after warm-up (C2 intrinsics) must print the same hash of every logit. Without this, the same seed
 * gave different text depending on how warm the JVM was.
 */
class JitIndependenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen3moe/qwen3moe-Q4_K_M.gguf", "gpt-oss/gpt-oss-MXFP4_MOE.gguf",
            "deepseek2-v3/deepseek2-v3-Q8_0.gguf", "mixtral/mixtral-F16.gguf", "olmoe/olmoe-Q4_0.gguf",
            "granitemoe/granitemoe-Q6_K.gguf"})
    void sameLogitsInEveryJitMode(String model) throws Exception {
        Path path = Fixtures.require("models/" + model);
        long[] warm = DeterminismProbe.run(path, 20, 2);
        for (int i = 1; i < warm.length; i++) {
            assertEquals(warm[0], warm[i], "repetition " + i + " of " + model + " differs from the first");
        }
        long[] cold = coldRun(path);
        assertArrayEquals(new long[] {warm[0], warm[0]}, cold, "C1-only JVM vs warmed-up JVM on " + model);
    }

    private static long[] coldRun(Path model) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1"));
        // the same kernel configuration as this JVM (the 256-bit test run sets moe4j.vectorBits): the
        // logits may differ between vector widths, and only the JIT mode is compared here
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("moe4j.")) {
                cmd.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                DeterminismProbe.class.getName(), model.toString(), "2", "2"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        p.getErrorStream().transferTo(OutputStream.nullOutputStream());
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("probe JVM failed: " + out);
        }
        return out.lines().mapToLong(l -> Long.parseUnsignedLong(l.trim(), 16)).toArray();
    }
}
