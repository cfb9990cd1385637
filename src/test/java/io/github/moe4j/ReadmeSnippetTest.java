package io.github.moe4j;

import io.github.moe4j.api.ChatMessage;
import io.github.moe4j.api.GenerateOptions;
import io.github.moe4j.api.Generation;
import io.github.moe4j.api.Model;
import io.github.moe4j.api.Moe4jException;
import io.github.moe4j.api.Session;
import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's snippet (issue 6's contract) compiles and runs as written. The only trick: inside this
 * class {@code Path} is {@link ReadmeSnippetTest.Path}, which resolves the snippet's
 * {@code "model.gguf"} to a fixture model, so the snippet's text stays verbatim.
 */
class ReadmeSnippetTest {

    /** Stands in for {@link java.nio.file.Path} in the snippet: "model.gguf" is the qwen3moe Q8_0 fixture. */
    static final class Path {
        static java.nio.file.Path of(String name) {
            return name.equals("model.gguf") ? Fixtures.require("models/qwen3moe/qwen3moe-Q8_0.gguf")
                    : java.nio.file.Path.of(name);
        }
    }

    @Test
    void readmeSnippetRuns() {
        java.nio.file.Path fixture = Path.of("model.gguf");
        try {
            // ---- verbatim from README.md ----
            try (Model model = Model.load(Path.of("model.gguf"))) {             // or Model.load(path, LoadOptions)
                try (Session session = model.newSession()) {                      // or newSession(SessionOptions)
                    Generation g = session.generate("Why is the sky blue?",
                            GenerateOptions.builder().maxTokens(128).temperature(0.7f).seed(42).build(),
                            token -> System.out.print(token.text()));             // TokenListener, may be null
                    System.out.println(g.text() + " " + g.stopReason() + " " + g.stats());
                    Generation reply = session.chat(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")),
                            GenerateOptions.defaults(), null);
                }
            }
            // ---- end ----
        } catch (UnsupportedOperationException | Moe4jException e) {
            // the tokenizer and chat templates come from issue 5; until they are merged, skip
            boolean pending = e.getMessage() != null && (e.getMessage().contains("being written")
                    || e.getMessage().contains("tokenizer, which is not available"));
            if (!pending) {
                throw e;
            }
            Assumptions.abort("not implemented yet: " + e.getMessage());
        }
        assertTrue(Files.exists(fixture));
    }

    @Test
    void readmeContainsTheSnippet() throws Exception {
        String readme = Files.readString(Fixtures.projectRoot().resolve("README.md"));
        String src = Files.readString(Fixtures.projectRoot().resolve("src/test/java/io/github/moe4j/ReadmeSnippetTest.java"));
        int a = src.indexOf("// ---- verbatim from README.md ----\n") + "// ---- verbatim from README.md ----\n".length();
        int b = src.indexOf("            // ---- end ----");
        String snippet = src.substring(a, b).lines().map(l -> l.substring(Math.min(12, l.length())))
                .reduce("", (x, y) -> x + y + "\n");
        assertTrue(readme.contains(snippet), "README.md must contain the tested snippet:\n" + snippet);
    }
}
