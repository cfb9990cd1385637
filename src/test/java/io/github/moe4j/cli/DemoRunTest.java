package io.github.moe4j.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code moe4j run} without {@code -m} uses the bundled demo model, says so, and is repeatable by seed. */
class DemoRunTest {

    @Test
    void runWithoutModelUsesTheBundledOne() {
        String home = System.getProperty("moe4j.home");
        System.setProperty("moe4j.home", io.github.moe4j.support.Fixtures.projectRoot().toString());
        try {
            CliRunner a = CliRunner.run("run", "-p", "And God said", "-n", "12", "--seed", "42");
            assertEquals(0, a.exitCode(), a.err());
            assertTrue(a.err().contains("using the bundled demo model"), a.err());
            assertTrue(a.out().strip().length() > 20, a.out());
            CliRunner b = CliRunner.run("run", "-p", "And God said", "-n", "12", "--seed", "42");
            assertEquals(a.out(), b.out(), "same seed, same text");
            CliRunner chat = CliRunner.run("chat");
            assertEquals(1, chat.exitCode());
            assertTrue(chat.err().contains("chat needs -m MODEL"), chat.err());
        } finally {
            if (home == null) {
                System.clearProperty("moe4j.home");
            } else {
                System.setProperty("moe4j.home", home);
            }
        }
    }
}
