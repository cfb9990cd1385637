package io.github.moe4j.support;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared fixtures (real GGUF files and llama.cpp reference outputs). They live outside
 * the project: {@code MOE4J_FIXTURES}, else {@code ../shared/fixtures} beside the project root.
 * Tests that need them are skipped with a message when they are absent, except under
 * {@code CI=true}, where absence fails the run.
 */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path projectRoot() {
        String env = System.getenv("MOE4J_PROJECT_ROOT");
        return Path.of(env != null && !env.isBlank() ? env : System.getProperty("user.dir")).toAbsolutePath().normalize();
    }

    public static Path root() {
        String env = System.getenv("MOE4J_FIXTURES");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return projectRoot().resolve("../shared/fixtures").normalize();
    }

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** The fixture at {@code relative} (e.g. {@code models/index.json}); skips or fails when absent. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            String msg = "shared fixture " + p + " is absent (set MOE4J_FIXTURES to the fixtures folder)";
            if (inCi()) {
                Assertions.fail(msg + "; CI=true requires the fixtures");
            }
            Assumptions.abort(msg + "; skipping");
        }
        return p;
    }
}
